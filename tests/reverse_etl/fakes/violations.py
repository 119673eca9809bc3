"""Checks over recorded traffic that a reliability test asserts to be empty."""

from __future__ import annotations

from collections.abc import Sequence

from tests.reverse_etl.fakes.base import FakeServer
from tests.reverse_etl.fakes.records import RequestRecord

TOLERANCE_S = 0.05


def retry_after_violations(source: FakeServer | Sequence[RequestRecord],
                           tolerance_s: float = TOLERANCE_S) -> list[str]:
    """Requests that came back for a key sooner than a 429's ``Retry-After`` allowed.

    For each request answered 429 with ``Retry-After`` R at time t (when the reply was
    written), any later request carrying one of its keys that arrived before
    t + R - ``tolerance_s`` is a violation. The messages name request indexes and counts,
    never keys or payloads (keys can be phone numbers).

    Example:
        >>> retry_after_violations([])
        []
    """
    records = source.requests if isinstance(source, FakeServer) else list(source)
    ordered = sorted(records, key=lambda record: record.received_at)
    problems: list[str] = []
    for limited in ordered:
        if limited.status != 429 or limited.retry_after_s is None or not limited.keys:
            continue
        answered_at = limited.responded_at or limited.received_at
        allowed_at = answered_at + limited.retry_after_s
        keys = set(limited.keys)
        for later in ordered:
            if later.index == limited.index or later.received_at <= answered_at:
                continue
            if later.received_at >= allowed_at - tolerance_s:
                break
            shared = keys.intersection(later.keys)
            if shared:
                problems.append(
                    f"request #{later.index} carried {len(shared)} key(s) of request "
                    f"#{limited.index} {later.received_at - answered_at:.3f}s after its 429, "
                    f"before its Retry-After of {limited.retry_after_s}s")
    return problems
