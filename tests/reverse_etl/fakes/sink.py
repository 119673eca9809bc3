"""A fast receiver for throughput benchmarks: every request is accepted, nothing is checked.

Its keys are the ``Idempotency-Key`` header when present, so a benchmark can still check
that nothing arrived twice. ``latency_s`` stands for the provider's response time.
"""

from __future__ import annotations

from typing import Any

from tests.reverse_etl.fakes.base import FakeServer
from tests.reverse_etl.fakes.faults import FaultPlan
from tests.reverse_etl.fakes.wire import Incoming, Reply, Verdict

ACCEPTED = Verdict(True, Reply(200, b"{}", {"Content-Type": "application/json"}))


class FakeSink(FakeServer):
    """Answers 200 ``{}`` to anything, after ``latency_s``. Key: ``Idempotency-Key``, if any."""

    name = "sink"

    def __init__(self, *, latency_s: float = 0.0, faults: FaultPlan | None = None) -> None:
        super().__init__(faults=faults, latency_s=latency_s)

    @property
    def count(self) -> int:
        """How many requests arrived."""
        return len(self.requests)

    def extract_keys(self, request: Incoming) -> tuple[str, ...]:
        key = request.headers.get("idempotency-key")
        return (key,) if key else ()

    def validate(self, request: Incoming) -> Verdict:
        return ACCEPTED

    def error_body(self, status: int) -> Any:
        return {"error": "rate limited" if status == 429 else "internal error"}
