"""From an outcome to a delivery-log status: the retry and delivery policies of C8.

- sent → ``sent``; refused for good → ``failed`` (a refused *batch* is retried action by
  action instead, so one bad address does not fail 999 good ones);
- not taken (429, no connection) → ``retrying`` after ``Retry-After`` or an exponential
  backoff with jitter, until the attempts are spent → ``dead`` with the last reason;
- unclear (timeout, 5xx, reset after sending) → ``unknown`` under at-most-once (never sent
  again: a duplicate marketing message is worse than a missing one), or retried like the
  above under at-least-once (the idempotency key lets the receiver drop the duplicate).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from reverse_etl.delivery_log import Status
from reverse_etl.outcomes import Outcome, Verdict


@dataclass(frozen=True)
class Decision:
    status: Status
    error: str | None = None
    next_attempt_at: datetime | None = None
    solo: bool = False

    @property
    def final(self) -> bool:
        return self.status is not Status.RETRYING


def backoff_seconds(retry: Any, attempt: int, rng: random.Random) -> float:
    """Exponential backoff with "equal jitter": half the step fixed, half random, capped.

    Example:
        >>> from journeys.spec.destinations import RetryPolicy
        >>> 2.0 <= backoff_seconds(RetryPolicy(), 3, random.Random(1)) <= 4.0
        True
    """
    step = min(retry.max_backoff_seconds, retry.backoff_seconds * 2 ** (attempt - 1))
    return step / 2 + rng.uniform(0, step / 2)


def decide(outcome: Outcome, attempt: int, batch_size: int, solo: bool, config: Any,
           now: datetime, rng: random.Random) -> Decision:
    """What an attempt's outcome means for one of the actions its request carried."""
    retry = config.retry
    if outcome.verdict is Verdict.SENT:
        return Decision(Status.SENT)
    if outcome.verdict is Verdict.TERMINAL:
        if batch_size > 1 and attempt < retry.max_attempts:
            return Decision(Status.RETRYING, f"the provider refused the batch of {batch_size} "
                            f"({outcome.error}); each action is sent alone next", now, True)
        return Decision(Status.FAILED, outcome.error)
    if outcome.verdict is Verdict.UNCLEAR and config.delivery == "at_most_once":
        return Decision(Status.UNKNOWN, f"{outcome.error} (at-most-once: not sent again)")
    if attempt >= retry.max_attempts:
        return Decision(Status.DEAD, f"gave up after {attempt} attempt(s): {outcome.error}")
    wait = (outcome.retry_after_s if outcome.retry_after_s is not None
            else backoff_seconds(retry, attempt, rng))
    return Decision(Status.RETRYING, outcome.error, now + timedelta(seconds=wait), solo)
