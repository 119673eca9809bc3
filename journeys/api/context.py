"""What every request of the API works with: the settings, and short visits to the warehouse.

Why short: ticks and dispatches run in other processes and write the warehouse for minutes.
So a read opens the reader copy (:mod:`journeys.warehouse.readers`: the last finished write,
never waiting for a tick), reads, and closes it; writes go through the engine's functions,
which take the warehouse's lease and wait for it up to :data:`LEASE_WAIT_S`. Inside the
server, one lock serializes the writes and the spec files' changes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated

import duckdb
from fastapi import Depends, Request

from journeys.api.errors import ApiError
from journeys.failures import WarehouseUnusable, check_warehouse_file
from journeys.lifecycle import JourneyStatus, read_statuses
from journeys.settings import Settings
from journeys.warehouse.connect import no_warehouse
from journeys.warehouse.readers import reading

LEASE_WAIT_S = 5.0
"""How long a change waits for the warehouse's lease (a tick or a dispatch holds it while it
runs); then 503 with ``Retry-After``, naming the holder and since when."""


@dataclass
class ApiContext:
    """The server's settings, its API keys (key -> name) and its lock around the warehouse
    and the spec files."""

    settings: Settings
    keys: dict[str, str]
    lock: threading.RLock = field(default_factory=threading.RLock)

    def need_warehouse(self) -> None:
        """503 when the warehouse file is missing, a folder or not DuckDB's (a state is read
        or recorded there)."""
        try:
            check_warehouse_file(self.settings.warehouse)
        except WarehouseUnusable as unusable:
            raise ApiError(503, str(unusable)) from None
        if not self.settings.warehouse.exists():
            raise ApiError(503, no_warehouse(self.settings.warehouse))

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The warehouse as of its last finished write, for the block: a tick or a dispatch
        writing meanwhile does not make a read wait or fail."""
        self.need_warehouse()
        with reading(self.settings.warehouse) as con:
            yield con

    def statuses(self) -> dict[str, JourneyStatus]:
        """Every journey's latest lifecycle change (a journey without one is a draft)."""
        with self.connection() as con:
            return read_statuses(con)

    def status(self, journey_id: str) -> JourneyStatus:
        return self.statuses().get(journey_id, JourneyStatus(journey_id, "draft"))


def context(request: Request) -> ApiContext:
    """The FastAPI dependency giving a route the server's :class:`ApiContext`."""
    return request.app.state.journeys


Ctx = Annotated[ApiContext, Depends(context)]
"""A route's parameter receiving the server's :class:`ApiContext`."""
