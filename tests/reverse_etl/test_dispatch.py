"""Dispatch against real HTTP servers on 127.0.0.1 (C8, S15b): once, logged, final."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from journeys.redaction import Redactor
from journeys.settings import Settings
from reverse_etl.delivery_log import FINAL
from reverse_etl.dispatch import DispatchError, send_all
from reverse_etl.run import run_dispatch
from tests.reverse_etl.fakes import (
    FakeBraze,
    FakeSendgrid,
    FakeTwilio,
    FakeWebhook,
    Fault,
    FaultKind,
    FaultPlan,
    retry_after_violations,
)
from tests.reverse_etl.warehouse_support import (
    final_statuses,
    log_rows,
    project,
    seed_actions,
)

SECRET = "whsec-test-0123456789"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    with FakeWebhook(SECRET) as server:
        yield server


def _webhook(server: FakeWebhook, **extra) -> dict:
    return {"hooks": {"type": "webhook", "url": server.url, "secret": {"env": "HOOK_SECRET"},
                      **extra}}


def _sendgrid(server: FakeSendgrid, **extra) -> dict:
    return {"email": {"type": "sendgrid", "api_key": {"env": "SG_KEY"},
                      "base_url": server.base_url, "from": {"email": "hello@example.com"},
                      **extra}}


def _seed_emails(warehouse: Path, count: int, payload) -> list[str]:
    return seed_actions(warehouse, count, destination="email", tile_type="action",
                        action="send_email", template="d-welcome", payload=payload)


def test_every_due_action_is_sent_once_and_logged_as_sent(tmp_path: Path, hook) -> None:
    settings = project(tmp_path, _webhook(hook))
    ids = seed_actions(settings.warehouse, 40)
    summary = run_dispatch(settings)
    assert summary.by_status == {"sent": 40}
    assert dict(hook.deliveries) == dict.fromkeys(ids, 1)
    rows = log_rows(settings.warehouse)
    assert {(r["attempt"], r["status"], r["http_status"]) for r in rows} == {(1, "sent", 200)}
    assert {"member": "m00000", "points": 0} in hook.events


def test_replaying_an_unchanged_tick_sends_nothing_new(tmp_path: Path, hook) -> None:
    settings = project(tmp_path, _webhook(hook))
    seed_actions(settings.warehouse, 10)
    run_dispatch(settings)
    again = run_dispatch(settings)
    assert not again.by_status and again.queued == 0
    assert sum(hook.deliveries.values()) == 10 and len(log_rows(settings.warehouse)) == 10


def test_a_later_tick_sends_only_its_own_actions(tmp_path: Path, hook) -> None:
    settings = project(tmp_path, _webhook(hook))
    seed_actions(settings.warehouse, 5)
    run_dispatch(settings)
    later = seed_actions(settings.warehouse, 3, first=100,
                         tick_at=__import__("datetime").datetime(2026, 3, 1, 10))
    assert run_dispatch(settings).by_status == {"sent": 3}
    assert all(hook.deliveries[i] == 1 for i in later) and len(hook.deliveries) == 8


def test_actions_of_entries_that_exited_early_are_suppressed_not_sent(tmp_path: Path,
                                                                      hook) -> None:
    settings = project(tmp_path, _webhook(hook))
    ids = seed_actions(settings.warehouse, 6, exited=[1, 4])
    summary = run_dispatch(settings)
    assert summary.by_status == {"sent": 4, "suppressed": 2}
    assert set(hook.deliveries) == set(ids) - {ids[1], ids[4]}
    suppressed = log_rows(settings.warehouse, "status = 'suppressed'")
    assert {(r["action_id"], r["reason"]) for r in suppressed} == {(ids[1], "exited"),
                                                                    (ids[4], "exited")}


def test_a_missing_secret_names_the_variable_and_sends_nothing(tmp_path: Path, hook,
                                                               monkeypatch) -> None:
    monkeypatch.delenv("HOOK_SECRET")
    settings = project(tmp_path, _webhook(hook))
    seed_actions(settings.warehouse, 3)
    with pytest.raises(DispatchError, match=r"HOOK_SECRET \(destination 'hooks'\)"):
        run_dispatch(settings)
    assert not hook.requests


def test_the_cli_says_which_variable_is_missing_without_a_traceback(tmp_path: Path,
                                                                    hook) -> None:
    settings = project(tmp_path, _webhook(hook))
    seed_actions(settings.warehouse, 3)
    env = {k: v for k, v in os.environ.items() if k != "HOOK_SECRET"}
    done = subprocess.run([sys.executable, "-m", "journeys.cli", "--warehouse",
                           str(settings.warehouse), "dispatch"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "HOOK_SECRET" in done.stderr and "Traceback" not in done.stderr
    assert not hook.requests


def test_a_429_storm_ends_dead_after_max_attempts_with_the_reason(tmp_path: Path,
                                                                  hook) -> None:
    hook.faults = FaultPlan.always(Fault.rate_limit(retry_after_s=1))
    settings = project(tmp_path, _webhook(hook, retry={"max_attempts": 3}))
    ids = seed_actions(settings.warehouse, 4)
    summary = run_dispatch(settings)
    assert summary.by_status == {"retrying": 8, "dead": 4}
    assert final_statuses(settings.warehouse) == dict.fromkeys(ids, "dead")
    dead = log_rows(settings.warehouse, "status = 'dead'")
    assert {r["error"] for r in dead} == {"gave up after 3 attempt(s): 429 Too Many Requests: "
                                          '{"error":"rate limited"}'}
    assert not retry_after_violations(hook)
    assert sum(1 for r in hook.requests) == 12


def test_a_fault_storm_ends_every_action_in_a_final_state(tmp_path: Path, hook) -> None:
    """At-least-once webhooks through 429s, 5xx, resets and slow answers: every action
    ends final, no request comes before its Retry-After, duplicates share their key."""
    hook.faults = FaultPlan.random(7, {
        FaultKind.OK: 0.55, FaultKind.RATE_LIMIT: 0.15, FaultKind.ERROR_BEFORE: 0.1,
        FaultKind.ERROR_AFTER: 0.05, FaultKind.RESET_BEFORE: 0.05, FaultKind.RESET_AFTER: 0.05,
        FaultKind.SLOW: 0.05}, retry_after_s=1, delay_s=0.2)
    settings = project(tmp_path, _webhook(hook, retry={"max_attempts": 6,
                                                       "backoff_seconds": 0.05}))
    ids = seed_actions(settings.warehouse, 200)
    run_dispatch(settings)
    statuses = final_statuses(settings.warehouse)
    assert set(statuses) == set(ids) and set(statuses.values()) <= FINAL
    assert not retry_after_violations(hook)
    assert set(hook.deliveries) <= set(ids)
    for action_id, status in statuses.items():
        if status == "sent":
            assert hook.deliveries[action_id] >= 1


def test_at_most_once_never_resends_the_unclear_case(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SG_KEY", "SG.test-key")
    with FakeSendgrid("SG.test-key") as sendgrid:
        sendgrid.faults = FaultPlan.random(3, {
            FaultKind.OK: 0.5, FaultKind.ERROR_AFTER: 0.2, FaultKind.RESET_AFTER: 0.1,
            FaultKind.RATE_LIMIT: 0.1, FaultKind.ERROR_BEFORE: 0.1}, retry_after_s=1)
        settings = project(tmp_path, _sendgrid(sendgrid, batch_size=7,
                                               retry={"backoff_seconds": 0.05}))
        ids = _seed_emails(settings.warehouse, 120, lambda i: {"first_name": f"Name{i}"})
        run_dispatch(settings)
        statuses = final_statuses(settings.warehouse)
        assert set(statuses) == set(ids) and set(statuses.values()) <= FINAL
        assert max(sendgrid.deliveries.values()) == 1
        assert "unknown" in statuses.values()
        for action_id, status in statuses.items():
            assert sendgrid.deliveries[action_id] == (1 if status == "sent" else
                                                      sendgrid.deliveries[action_id])


def _dispatch_with_one_bad_address(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   actions: int) -> tuple[Settings, list[str], FakeSendgrid]:
    """A dispatch of ``actions`` emails to a fake SendGrid, the third to a bad address."""
    monkeypatch.setenv("SG_KEY", "SG.k")
    with FakeSendgrid("SG.k") as sendgrid:
        settings = project(tmp_path, _sendgrid(sendgrid))
        ids = _seed_emails(settings.warehouse, actions, lambda i: {"first_name": f"Name{i}"})
        con = duckdb.connect(str(settings.warehouse))
        con.execute("update journeys_staging.stg_profiles set email = 'not-an-address' "
                    "where member_id = 'm00002'")
        con.close()
        run_dispatch(settings)
    return settings, ids, sendgrid


def test_a_batch_with_one_bad_address_sends_the_others(tmp_path: Path, monkeypatch) -> None:
    settings, ids, sendgrid = _dispatch_with_one_bad_address(tmp_path, monkeypatch, 5)
    statuses = final_statuses(settings.warehouse)
    assert statuses.pop(ids[2]) == "failed"
    assert set(statuses.values()) == {"sent"}
    assert set(sendgrid.deliveries) == set(ids) - {ids[2]}


def test_a_refused_batchs_error_is_redacted_once_not_once_per_action(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A provider's error (up to 10,000 characters) is the same for every action of the
    batch: its secrets, emails and phones are masked once, on the event loop, not once per
    action; each action's row still has its own member data masked."""
    cleaned: list[str] = []
    clean = Redactor.clean

    def counted(self: Redactor, text: str | None, values=()) -> str | None:
        cleaned.append(text or "")
        return clean(self, text, values)

    monkeypatch.setattr(Redactor, "clean", counted)
    settings, ids, _ = _dispatch_with_one_bad_address(tmp_path, monkeypatch, 20)
    refused = log_rows(settings.warehouse, "error like '%refused the batch of 20%'")
    assert {r["action_id"] for r in refused} == set(ids)
    assert sum("refused the batch" in text for text in cleaned) == 1


def test_a_failing_send_cancels_the_others_and_raises_its_own_exception() -> None:
    """The round's other sends stop at once (none keeps sending while the sender closes
    its clients), and the error is the one raised, not an ``ExceptionGroup``."""
    running: set[str] = set()
    cancelled: list[str] = []

    class Sender:
        async def send(self, name: str, request: str, journal: object) -> None:
            running.add(request)
            try:
                if request == "bad":
                    await asyncio.sleep(0.01)
                    raise ValueError("the provider's client is broken")
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                cancelled.append(request)
                raise
            finally:
                running.discard(request)

    async def main() -> None:
        work = [("hooks", "bad")] + [("hooks", f"r{n}") for n in range(5)]
        await send_all(Sender(), work, None)  # type: ignore[arg-type]

    started = time.monotonic()
    with pytest.raises(ValueError, match="client is broken"):
        asyncio.run(main())
    assert sorted(cancelled) == [f"r{n}" for n in range(5)] and not running
    assert time.monotonic() - started < 5


def test_a_failure_mid_round_leaves_what_a_kill_leaves_and_is_recovered(
        tmp_path: Path, hook) -> None:
    """A round that fails half-way (here its checkpoint raises once an intent is committed)
    stops its other requests; the next dispatch settles it as after a kill: only the
    requests whose intent was committed are uncertain, at most the concurrency."""
    settings = project(tmp_path, _webhook(hook, concurrency=4, delivery="at_most_once"))
    ids = seed_actions(settings.warehouse, 40)
    left: list[str] = []

    def fail_on_the_sixth(point: str) -> None:
        if point == "before_request":
            left.append(point)
            if len(left) == 6:
                raise RuntimeError("stopped by the test")

    with pytest.raises(RuntimeError, match="stopped by the test"):
        run_dispatch(settings, checkpoint=fail_on_the_sixth, round_size=40)
    summary = run_dispatch(settings)
    recovered = summary.recovered
    assert 1 <= recovered.get("unknown", 0) <= 4, recovered
    assert recovered.get("logged", 0) + recovered.get("unknown", 0) + recovered["not sent"] == 40
    statuses = final_statuses(settings.warehouse)
    assert set(statuses) == set(ids)
    assert all(n == 1 for n in hook.deliveries.values())
    unknown = {a for a, status in statuses.items() if status == "unknown"}
    assert set(hook.deliveries) == set(ids) - unknown | (set(hook.deliveries) & unknown)


def test_a_null_template_field_fails_that_action_with_a_clear_error(tmp_path: Path,
                                                                     monkeypatch) -> None:
    monkeypatch.setenv("SG_KEY", "SG.k")
    with FakeSendgrid("SG.k") as sendgrid:
        settings = project(tmp_path, _sendgrid(sendgrid))
        ids = _seed_emails(settings.warehouse, 3,
                           lambda i: {"first_name": None if i == 1 else "Ada"})
        run_dispatch(settings)
    failed = log_rows(settings.warehouse, "status = 'failed'")
    assert [r["action_id"] for r in failed] == [ids[1]]
    assert failed[0]["error"].startswith("template field 'first_name' is null for this member "
                                         "(journey 'welcome_series', tile 'reward')")
    assert set(sendgrid.deliveries) == {ids[0], ids[2]}


def test_no_member_data_or_secret_reaches_the_logs_or_the_error_column(
        tmp_path: Path, monkeypatch) -> None:
    """Twilio echoes the refused number in its error; a provider 500 body echoes names."""
    monkeypatch.setenv("TW_SID", "AC0123456789abcdef")
    monkeypatch.setenv("TW_TOKEN", "tok-very-secret-42")
    lines: list[str] = []
    with FakeTwilio("AC0123456789abcdef", "tok-very-secret-42") as twilio:
        settings = project(tmp_path, {"sms": {
            "type": "twilio", "account_sid": {"env": "TW_SID"},
            "auth_token": {"env": "TW_TOKEN"}, "from": "+15550001111",
            "base_url": twilio.base_url}})
        seed_actions(settings.warehouse, 6, destination="sms", tile_type="action",
                     action="send_sms", template="HX123",
                     payload=lambda i: {"first_name": f"Zelda{i}", "email": f"z{i}@corp.example"})
        con = duckdb.connect(str(settings.warehouse))
        con.execute("update journeys_staging.stg_profiles set phone = '+1555' || "
                    "substr(member_id, 2) || 'x' where member_id in ('m00001', 'm00003')")
        con.close()
        run_dispatch(settings, log=lines.append)
    planted = [f"Zelda{i}" for i in range(6)] + [f"z{i}@corp.example" for i in range(6)] + [
        "+155500001x", "+155500003x", "tok-very-secret-42", "AC0123456789abcdef"]
    errors = [r["error"] for r in log_rows(settings.warehouse) if r["error"]]
    assert len(errors) == 2 and all("Twilio error 21211" in e for e in errors)
    for text in lines + errors:
        for value in planted:
            assert value not in text, f"{value!r} leaked into {text!r}"


def test_the_command_prints_no_member_data_or_secret(tmp_path: Path) -> None:
    with FakeTwilio("AC0123456789abcdef", "tok-very-secret-42") as twilio:
        twilio.faults = FaultPlan.sequence([Fault.error_after(), Fault.rate_limit(1)])
        settings = project(tmp_path, {"sms": {
            "type": "twilio", "account_sid": {"env": "TW_SID"},
            "auth_token": {"env": "TW_TOKEN"}, "from": "+15550001111",
            "base_url": twilio.base_url, "retry": {"backoff_seconds": 0.05}}})
        seed_actions(settings.warehouse, 4, destination="sms", tile_type="action",
                     action="send_sms", template="HX123",
                     payload=lambda i: {"first_name": f"Zelda{i}"})
        env = {**os.environ, "TW_SID": "AC0123456789abcdef", "TW_TOKEN": "tok-very-secret-42",
               "HTTPX_LOG_LEVEL": "trace"}
        done = subprocess.run([sys.executable, "-m", "journeys.cli", "--warehouse",
                               str(settings.warehouse), "dispatch"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    output = done.stdout + done.stderr
    assert "sent" in output and "unknown" in output
    for value in ["tok-very-secret-42", "AC0123456789abcdef", "+1555", "Zelda", "@example"]:
        assert value not in output


def test_dry_run_writes_the_exact_requests_and_changes_nothing(tmp_path: Path, hook) -> None:
    settings = project(tmp_path, _webhook(hook))
    seed_actions(settings.warehouse, 4, exited=[3])
    out = tmp_path / "dry.jsonl"
    summary = run_dispatch(settings, dry_run=True, dry_run_file=out)
    assert summary.by_status == {"would_send": 3, "suppressed": 1} and not hook.requests
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert lines[0]["url"] == hook.url and lines[0]["body"] == {"member": "m00000", "points": 0}
    assert lines[0]["headers"]["webhook-signature"] == "<redacted>"
    con = duckdb.connect(str(settings.warehouse))
    tables = {t for t, in con.execute("select table_name from information_schema.tables")
              .fetchall()}
    con.close()
    assert "delivery_log" not in tables and "dispatch_queue" not in tables
    assert run_dispatch(settings).by_status == {"sent": 3, "suppressed": 1}


def test_two_dispatches_at_once_send_nothing_twice(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    with FakeWebhook(SECRET, latency_s=0.01) as server:
        settings = project(tmp_path, _webhook(server, concurrency=4))
        ids = seed_actions(settings.warehouse, 300)
        command = [sys.executable, "-m", "journeys.cli", "--warehouse", str(settings.warehouse),
                   "dispatch", "--wait", "60"]
        both = [subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outputs = [p.communicate(timeout=180) for p in both]
        assert [p.returncode for p in both] == [0, 0], outputs
        assert dict(server.deliveries) == dict.fromkeys(ids, 1)
    assert any("nothing to dispatch" in out for out, _ in outputs)


@pytest.mark.parametrize(("delivery", "status", "arrivals"),
                         [("at_most_once", "unknown", 1), ("at_least_once", "sent", 2)])
def test_a_timeout_after_sending_follows_the_delivery_policy(
        tmp_path: Path, hook, delivery: str, status: str, arrivals: int) -> None:
    """The provider took the request but answered too late: unclear. At-most-once records
    `unknown`; at-least-once sends again under the same idempotency key."""
    hook.faults = FaultPlan.sequence([Fault.hang(delay_s=1.5)])
    settings = project(tmp_path, _webhook(hook, delivery=delivery, timeout_seconds=0.3,
                                          retry={"backoff_seconds": 0.05}))
    [action_id] = seed_actions(settings.warehouse, 1)
    run_dispatch(settings)
    assert final_statuses(settings.warehouse) == {action_id: status}
    assert hook.deliveries[action_id] == arrivals
    first = log_rows(settings.warehouse)[0]
    assert first["error"].startswith("ReadTimeout")


def test_the_rate_limit_spaces_requests_out(tmp_path: Path, hook) -> None:
    settings = project(tmp_path, _webhook(hook, rate_limit={"per_second": 20}))
    seed_actions(settings.warehouse, 21)
    run_dispatch(settings)
    arrivals = sorted(r.received_at for r in hook.requests)
    assert len(arrivals) == 21
    # The n-th request starts no earlier than n / 20 s after the first (late is allowed).
    assert all(at - arrivals[0] >= n / 20 - 0.03 for n, at in enumerate(arrivals))


def test_braze_push_reaches_50_users_a_request(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("BZ_KEY", "bz-key")
    with FakeBraze("bz-key") as braze:
        settings = project(tmp_path, {"push": {
            "type": "braze", "api_key": {"env": "BZ_KEY"}, "base_url": braze.base_url}})
        seed_actions(settings.warehouse, 60, destination="push", tile_type="action",
                     action="send_push", template="push-we-miss-you", payload=lambda i: {})
        summary = run_dispatch(settings)
    assert summary.by_status == {"sent": 60} and summary.requests == 2
    assert sorted(len(json.loads(r.body)["external_user_ids"]) for r in braze.requests) == [
        10, 50]
    assert len({row["provider_message_id"] for row in log_rows(settings.warehouse)}) == 2


def test_a_destination_removed_from_the_file_fails_its_actions_not_the_others(
        tmp_path: Path, hook) -> None:
    settings = project(tmp_path, _webhook(hook))
    sent = seed_actions(settings.warehouse, 2)
    gone = seed_actions(settings.warehouse, 1, destination="gone", journey_id="other",
                        first=50)
    summary = run_dispatch(settings)
    assert summary.by_destination == {"hooks": {"sent": 2}, "gone": {"failed": 1}}
    assert set(hook.deliveries) == set(sent)
    [failed] = log_rows(settings.warehouse, "status = 'failed'")
    assert failed["action_id"] == gone[0]
    assert failed["error"].startswith("the destination is not configured in ")
    assert failed["error"].endswith("journey_specs/_destinations.yml: add it, and the actions "
                                    "of later ticks are sent")


def test_a_paused_journeys_actions_are_held_and_go_out_after_its_resume(tmp_path: Path,
                                                                        hook) -> None:
    """S18: no actions while paused. An operator pausing a journey (a wrong template) stops
    its sends at once, those already due included; the other journeys' go out."""
    from datetime import datetime

    from journeys.lifecycle import append_change

    settings = project(tmp_path, _webhook(hook))
    paused = seed_actions(settings.warehouse, 4, journey_id="welcome_series")
    other = seed_actions(settings.warehouse, 3, first=100, journey_id="post_purchase")
    with duckdb.connect(str(settings.warehouse)) as con:
        for seq, (action, state) in enumerate((("activate", "active"),
                                               ("pause", "paused")), 1):
            append_change(con, "welcome_series", action, state, "v1", "tests",
                          datetime(2026, 3, 1, seq))
    summary = run_dispatch(settings)
    assert summary.by_status == {"sent": 3} and summary.held_paused == 4
    assert set(hook.deliveries) == set(other)
    with duckdb.connect(str(settings.warehouse)) as con:
        append_change(con, "welcome_series", "resume", "active", "v1", "tests",
                      datetime(2026, 3, 1, 3))
    resumed = run_dispatch(settings)
    assert resumed.by_status == {"sent": 4} and resumed.held_paused == 0
    assert dict(hook.deliveries) == dict.fromkeys(paused + other, 1)
