"""What a fake server remembers about each request, for the tests to assert on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tests.reverse_etl.fakes.faults import FaultKind


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it and what it did with it.

    ``index`` counts from 0 since the server started (or was reset). ``received_at`` and
    ``responded_at`` are ``time.monotonic()`` readings, comparable with the client's;
    ``wall_at`` is ``time.time()`` at receipt. ``headers`` have lowercased names. ``keys``
    are the delivery keys the request carries (see each server's docstring). ``status`` is
    the status answered, or None when no response was written (a reset or a hang).
    ``processed`` is whether the provider acted on it: its keys count as deliveries.
    ``responded_at`` is when the reply was written or the connection cut; None while in
    flight. ``retry_after_s`` is the ``Retry-After`` of a 429, else None.
    """

    index: int
    received_at: float
    wall_at: float
    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    keys: tuple[str, ...]
    status: int | None
    processed: bool
    fault: FaultKind = FaultKind.OK
    retry_after_s: int | None = None
    responded_at: float | None = None
