"""Sending a round's requests concurrently, within each destination's limits.

Each destination gets ``concurrency`` HTTP clients of one keep-alive connection each, handed
out through a queue: taking a client is taking a slot, so at most ``concurrency`` requests
are in flight. One shared pool of many connections would be simpler, but httpcore scans
every connection of a pool for every request it assigns, and at 64 connections that scan
cost more CPU than the requests (about 110 actions/s in a profile, against thousands
with one connection per client). A token bucket applies ``rate_limit.per_second``, and a 429
with ``Retry-After`` pauses the whole destination until then, so no request to that
destination leaves before the provider said it may.

A request holds its slot from its intent to its outcome (:class:`Journal`): the intent is
committed after the slot is taken and before the request leaves; the outcome is queued
for commit before the slot is given back, so the next request's intent on that slot is
committed with it or after it, never before. So at every commit the requests whose fate
a crash may leave uncertain (an intent without an outcome) are at most the destination's
``concurrency``, and a slot's outcome and next intent share one commit.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol

import httpx

from reverse_etl.destinations.base import Destination, OutgoingRequest
from reverse_etl.outcomes import Outcome, Verdict

ClientFactory = Callable[[], httpx.AsyncClient]
"""Makes one client; tests pass one over an ``httpx.MockTransport``."""


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every client: building one costs about 15 ms."""
    return ssl.create_default_context()


def one_connection_client() -> httpx.AsyncClient:
    """A keep-alive client of one connection; no redirects followed (a provider redirect is
    an error worth seeing, not a second send), no proxy settings from the environment.

    httpx logs every request's URL at INFO, and a webhook URL can hold a token: unless the
    application chose a level for httpx's logger, it is raised to WARNING.
    """
    for name in ("httpx", "httpcore"):
        if logging.getLogger(name).level == logging.NOTSET:
            logging.getLogger(name).setLevel(logging.WARNING)
    return httpx.AsyncClient(limits=httpx.Limits(max_connections=1,
                                                 max_keepalive_connections=1),
                             follow_redirects=False, trust_env=False, verify=_tls())


class Journal(Protocol):
    """Where a request's intent and outcome are recorded (:mod:`reverse_etl.intents`)."""

    async def leaving(self, name: str, request: OutgoingRequest) -> None:
        """Called just before ``request`` leaves; it leaves once this returns."""

    def returned(self, name: str, request: OutgoingRequest,
                 outcome: Outcome) -> Awaitable[None]:
        """Called with the judged answer: queues the outcome ahead of any intent recorded
        later, and returns what to await for its commit. The slot is given back meanwhile."""


class Lane:
    """A destination's clients (its concurrency), rate limit and provider-requested pause."""

    def __init__(self, concurrency: int, per_second: float | None,
                 make_client: ClientFactory) -> None:
        self._clients: asyncio.Queue[httpx.AsyncClient] = asyncio.Queue()
        self._all = [make_client() for _ in range(concurrency)]
        for client in self._all:
            self._clients.put_nowait(client)
        self._interval = 1.0 / per_second if per_second else 0.0
        self._next_start = 0.0
        self._paused_until = 0.0

    async def take(self) -> httpx.AsyncClient:
        client = await self._clients.get()
        try:
            now = time.monotonic()
            start = max(now, self._next_start, self._paused_until)
            self._next_start = start + self._interval
            if start > now:
                await asyncio.sleep(start - now)
            # A pause may have been set while this request waited for its turn.
            while (wait := self._paused_until - time.monotonic()) > 0:
                await asyncio.sleep(wait)
        except BaseException:  # cancelled while waiting for its turn: the slot goes back
            self.give_back(client)
            raise
        return client

    def give_back(self, client: httpx.AsyncClient) -> None:
        self._clients.put_nowait(client)

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    async def close(self) -> None:
        for client in self._all:
            await client.aclose()


class Sender:
    """Sends requests for a whole dispatch; lanes (clients, limits) live as long as it does.

    Made inside the dispatch's event loop (``async with Sender(...)``).
    """

    def __init__(self, destinations: Mapping[str, Destination],
                 make_client: ClientFactory = one_connection_client) -> None:
        self._destinations = destinations
        self._lanes = {
            name: Lane(d.config.concurrency,
                       d.config.rate_limit.per_second if d.config.rate_limit else None,
                       make_client)
            for name, d in destinations.items()}

    async def __aenter__(self) -> Sender:
        return self

    async def __aexit__(self, *exc: object) -> None:
        for lane in self._lanes.values():
            await lane.close()

    async def send(self, name: str, request: OutgoingRequest,
                   journal: Journal) -> Outcome:
        """Send one request to destination ``name`` within its limits, its intent and
        outcome recorded in ``journal`` while it holds its slot."""
        lane = self._lanes[name]
        client = await lane.take()
        # Failed or cancelled before its outcome is queued, a request keeps its slot: its
        # intent may be committed without an outcome, and nobody else's may take its
        # place (the round is stopping; the lane's clients are closed with the sender).
        await journal.leaving(name, request)
        outcome = await self._destinations[name].send(client, request)
        if outcome.verdict is Verdict.NOT_TAKEN and outcome.retry_after_s:
            lane.pause(outcome.retry_after_s)
        recorded = journal.returned(name, request, outcome)
        lane.give_back(client)
        await recorded
        return outcome
