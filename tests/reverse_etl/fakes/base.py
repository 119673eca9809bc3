"""The shared part of every fake provider: lifecycle, fault decisions and bookkeeping.

A provider subclass says only three things: which delivery keys a request carries, what
the provider would answer (:meth:`FakeServer.validate`), and its error body for 429 and
5xx. Everything a reliability test asserts on (``requests``, ``deliveries``) is kept here,
under one lock, so the providers cannot disagree on what "arrived" means.
"""

from __future__ import annotations

import math
import threading
import time
from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any, ClassVar, Literal, Self

from tests.reverse_etl.fakes.faults import Fault, FaultKind, FaultPlan
from tests.reverse_etl.fakes.records import RequestRecord
from tests.reverse_etl.fakes.transport import Transport
from tests.reverse_etl.fakes.wire import Incoming, Reply, Verdict, json_reply

Ending = Literal["reply", "reset", "close"]


@dataclass(frozen=True)
class Exchange:
    """How the transport answers one admitted request: wait, then reply, reset or close."""

    index: int
    generation: int
    reply: Reply | None
    delay_s: float
    ending: Ending


class FakeServer(ABC):
    """A provider API on ``127.0.0.1``, on a free port, in a background thread.

    Use as a context manager: ``with FakeSendgrid() as server: server.base_url``. Faults
    come from ``faults`` (settable any time; a new plan counts requests from its install).
    ``latency_s`` is added before every answer.
    """

    name: ClassVar[str] = "fake"
    rate_limit_reset_header: ClassVar[bool] = False

    def __init__(self, *, faults: FaultPlan | None = None, latency_s: float = 0.0) -> None:
        self.latency_s = latency_s
        self._lock = threading.RLock()
        self._plan = faults or FaultPlan.none()
        self._plan_start = 0
        self._attempts: Counter[str] = Counter()
        self._records: list[RequestRecord] = []
        self._deliveries: Counter[str] = Counter()
        self._processed: list[Any] = []
        self._generation = 0
        self._transport: Transport | None = None

    # -- provider hooks -------------------------------------------------------------------

    @abstractmethod
    def extract_keys(self, request: Incoming) -> tuple[str, ...]:
        """The delivery keys of a request, best effort: never raises, () when unreadable."""

    @abstractmethod
    def validate(self, request: Incoming) -> Verdict:
        """The provider's answer to the request when nothing goes wrong."""

    @abstractmethod
    def error_body(self, status: int) -> Any:
        """The provider's JSON body for a 429 or a 5xx."""

    def rate_limit_headers(self, retry_after_s: int) -> dict[str, str]:
        """``Retry-After`` in whole seconds, plus ``X-RateLimit-*`` where the provider has them."""
        headers = {"Retry-After": str(retry_after_s)}
        if self.rate_limit_reset_header:
            headers["X-RateLimit-Limit"] = "600"
            headers["X-RateLimit-Remaining"] = "0"
            headers["X-RateLimit-Reset"] = str(math.ceil(time.time() + retry_after_s))
        return headers

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind a free port on 127.0.0.1 and serve in a daemon thread (idempotent)."""
        if self._transport is None:
            self._transport = Transport(self)
        return self

    def close(self) -> None:
        """Stop serving, cut open connections, wake sleeping handlers and join them."""
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @property
    def port(self) -> int:
        if self._transport is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return self._transport.port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``: what a destination config's ``base_url`` points to."""
        return f"http://127.0.0.1:{self.port}"

    # -- what tests read ------------------------------------------------------------------

    @property
    def faults(self) -> FaultPlan:
        return self._plan

    @faults.setter
    def faults(self, plan: FaultPlan) -> None:
        with self._lock:
            self._plan = plan
            self._plan_start = len(self._records)
            self._attempts.clear()

    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot of every request so far, in arrival order."""
        with self._lock:
            return list(self._records)

    @property
    def deliveries(self) -> Counter[str]:
        """A snapshot: key -> how many times a request carrying it was processed."""
        with self._lock:
            return Counter(self._deliveries)

    @property
    def processed_items(self) -> list[Any]:
        """The payload items of processed requests (each provider names them too)."""
        with self._lock:
            return list(self._processed)

    def keys_of_request(self, record: RequestRecord | Incoming) -> tuple[str, ...]:
        """The delivery keys a recorded (or any) request carries."""
        return self.extract_keys(Incoming(record.method, record.path, record.headers,
                                          record.body))

    def reset(self) -> None:
        """Forget every request and delivery; the fault plan starts over."""
        with self._lock:
            self._records.clear()
            self._deliveries.clear()
            self._processed.clear()
            self._attempts.clear()
            self._plan_start = 0
            self._generation += 1

    # -- called by the transport, once per request ----------------------------------------

    def admit(self, request: Incoming, received_at: float) -> Exchange:
        """Record the request, decide its fault, count its deliveries, say how to answer."""
        keys = self.extract_keys(request)
        verdict = self.validate(request)
        with self._lock:
            index = len(self._records)
            self._attempts.update(keys)
            fault = self._plan.decide(index - self._plan_start, keys,
                                      {key: self._attempts[key] for key in keys})
            processed = fault.processes and verdict.accepted
            reply, ending = self._answer(fault, verdict)
            self._records.append(RequestRecord(
                index=index, received_at=received_at, wall_at=time.time(),
                method=request.method, path=request.path, headers=request.headers,
                body=request.body, keys=keys, status=reply.status if reply else None,
                processed=processed, fault=fault.kind,
                retry_after_s=fault.retry_after_s if fault.kind is FaultKind.RATE_LIMIT
                else None))
            if processed:
                self._deliveries.update(keys)
                self._processed.extend(verdict.items)
            generation = self._generation
        delay = self.latency_s + (fault.delay_s if fault.kind in (FaultKind.SLOW, FaultKind.HANG)
                                  else 0.0)
        return Exchange(index, generation, reply, delay, ending)

    def finished(self, exchange: Exchange, at: float) -> None:
        """Stamp ``responded_at`` once the reply is written or the connection is cut."""
        with self._lock:
            if exchange.generation == self._generation and exchange.index < len(self._records):
                record = self._records[exchange.index]
                self._records[exchange.index] = replace(record, responded_at=at)

    def _answer(self, fault: Fault, verdict: Verdict) -> tuple[Reply | None, Ending]:
        kind = fault.kind
        if kind in (FaultKind.OK, FaultKind.SLOW):
            return verdict.reply, "reply"
        if kind is FaultKind.RATE_LIMIT:
            return json_reply(429, self.error_body(429),
                              self.rate_limit_headers(fault.retry_after_s)), "reply"
        if kind in (FaultKind.ERROR_BEFORE, FaultKind.ERROR_AFTER):
            return json_reply(fault.status, self.error_body(fault.status)), "reply"
        if kind is FaultKind.HANG:
            return None, "close"
        return None, "reset"
