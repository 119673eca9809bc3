"""Sending a round's requests concurrently, within each destination's limits.

One async httpx client with a connection pool; per destination a semaphore (at most
``concurrency`` requests in flight) and a token bucket (``rate_limit.per_second``). A 429
with ``Retry-After`` pauses the whole destination until then, so no request, to that
destination, leaves before the provider said it may.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence

import httpx

from reverse_etl.destinations.base import Destination, OutgoingRequest
from reverse_etl.outcomes import Outcome, Verdict


class Throttle:
    """A destination's concurrency, rate limit and provider-requested pause."""

    def __init__(self, concurrency: int, per_second: float | None) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._interval = 1.0 / per_second if per_second else 0.0
        self._next_start = 0.0
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> Throttle:
        await self._slots.acquire()
        async with self._lock:
            now = time.monotonic()
            start = max(now, self._next_start, self._paused_until)
            self._next_start = start + self._interval
        if start > now:
            await asyncio.sleep(start - now)
        # A pause may have been set while this request waited for its turn.
        while (wait := self._paused_until - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._slots.release()

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)


class Sender:
    """Sends requests for a whole dispatch; throttles live as long as it does."""

    def __init__(self, destinations: Mapping[str, Destination],
                 client: httpx.AsyncClient) -> None:
        self._destinations = destinations
        self._client = client
        self._throttles = {
            name: Throttle(d.config.concurrency,
                           d.config.rate_limit.per_second if d.config.rate_limit else None)
            for name, d in destinations.items()}

    async def _one(self, name: str, request: OutgoingRequest) -> Outcome:
        destination = self._destinations[name]
        throttle = self._throttles[name]
        async with throttle:
            outcome = await destination.send(self._client, request)
        if outcome.verdict is Verdict.NOT_TAKEN and outcome.retry_after_s:
            throttle.pause(outcome.retry_after_s)
        return outcome

    async def send_all(self, work: Sequence[tuple[str, OutgoingRequest]]) -> list[Outcome]:
        """The outcome of every (destination, request), in order."""
        return list(await asyncio.gather(*(self._one(name, request) for name, request in work)))


def new_client(total_connections: int) -> httpx.AsyncClient:
    """The dispatch's HTTP client: pooled keep-alive connections, no redirects followed (a
    provider redirect is an error worth seeing, not a second send).

    httpx logs every request's URL at INFO, and a webhook URL can hold a token: unless the
    application chose a level for httpx's logger, it is raised to WARNING.
    """
    for name in ("httpx", "httpcore"):
        if logging.getLogger(name).level == logging.NOTSET:
            logging.getLogger(name).setLevel(logging.WARNING)
    limits = httpx.Limits(max_connections=total_connections,
                          max_keepalive_connections=total_connections)
    return httpx.AsyncClient(limits=limits, follow_redirects=False, trust_env=False)
