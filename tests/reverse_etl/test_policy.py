"""The delivery and retry policies (C8), one rule per test."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import httpx

from reverse_etl.delivery_log import Status
from reverse_etl.outcomes import Outcome, Verdict, from_exception, from_response, retry_after
from reverse_etl.policy import decide
from tests.reverse_etl.actions_support import config

NOW = datetime(2026, 3, 1, 9)
EMAIL = config(type="sendgrid", api_key={"env": "K"}, **{"from": {"email": "a@example.com"}})
HOOK = config(type="webhook", url="https://x.example.com/h", secret={"env": "S"})


def _decide(outcome: Outcome, attempt: int = 1, batch: int = 1, cfg=EMAIL, solo=False):
    return decide(outcome, attempt, batch, solo, cfg, NOW, random.Random(0))


def test_a_timeout_after_sending_is_unknown_under_at_most_once_and_never_resent() -> None:
    decision = _decide(Outcome(Verdict.UNCLEAR, error="ReadTimeout"))
    assert decision.status is Status.UNKNOWN and decision.final


def test_webhooks_default_to_at_least_once_and_retry_the_unclear_case() -> None:
    assert EMAIL.delivery == "at_most_once" and HOOK.delivery == "at_least_once"
    decision = _decide(Outcome(Verdict.UNCLEAR, 500, error="500"), cfg=HOOK)
    assert decision.status is Status.RETRYING and decision.next_attempt_at > NOW


def test_a_429_waits_exactly_its_retry_after() -> None:
    decision = _decide(Outcome(Verdict.NOT_TAKEN, 429, error="429", retry_after_s=7))
    assert decision.status is Status.RETRYING
    assert decision.next_attempt_at == NOW + timedelta(seconds=7)


def test_without_retry_after_the_backoff_grows_with_jitter_within_its_step() -> None:
    waits = [(_decide(Outcome(Verdict.NOT_TAKEN, error="ConnectError"), attempt=n)
              .next_attempt_at - NOW).total_seconds() for n in (1, 2, 3, 4)]
    for n, wait in enumerate(waits, start=1):
        step = 2 ** (n - 1)
        assert step / 2 <= wait <= step


def test_the_last_attempt_is_dead_with_the_reason() -> None:
    decision = _decide(Outcome(Verdict.NOT_TAKEN, 429, error="429 Too Many Requests"),
                       attempt=EMAIL.retry.max_attempts)
    assert decision.status is Status.DEAD
    assert decision.error == "gave up after 5 attempt(s): 429 Too Many Requests"


def test_other_4xx_are_terminal_at_once() -> None:
    assert _decide(Outcome(Verdict.TERMINAL, 400, error="bad")).status is Status.FAILED


def test_a_refused_batch_is_retried_action_by_action() -> None:
    decision = _decide(Outcome(Verdict.TERMINAL, 400, error="bad address"), batch=20)
    assert decision.status is Status.RETRYING and decision.solo
    assert "each action is sent alone next" in decision.error


def test_responses_and_transport_errors_map_to_verdicts() -> None:
    assert from_response(httpx.Response(202), None).verdict is Verdict.SENT
    assert from_response(httpx.Response(503), None).verdict is Verdict.UNCLEAR
    assert from_response(httpx.Response(404), "no").verdict is Verdict.TERMINAL
    assert from_exception(httpx.ConnectError("refused")).verdict is Verdict.NOT_TAKEN
    assert from_exception(httpx.ReadTimeout("slow")).verdict is Verdict.UNCLEAR
    assert from_exception(httpx.RemoteProtocolError("reset")).verdict is Verdict.UNCLEAR


def test_retry_after_reads_seconds_http_dates_and_rate_limit_resets() -> None:
    now = datetime(2026, 3, 1, 8, tzinfo=UTC)
    date = httpx.Response(429, headers={"Retry-After": "Sun, 01 Mar 2026 08:00:05 GMT"})
    reset = httpx.Response(429, headers={"X-RateLimit-Reset": str(int(now.timestamp()) + 9)})
    assert retry_after(httpx.Response(429, headers={"Retry-After": "2"})) == 2.0
    assert retry_after(date, now) == 5.0
    assert retry_after(reset, now) == 9.0
