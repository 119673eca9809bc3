"""What every request of the API works with: the settings, and short visits to the warehouse.

Why short: ticks and dispatches run in other processes, and DuckDB lets one process at a
time open the file. So a request opens the warehouse, reads, and closes it; writes go through
the engine's functions, which take the warehouse's lease. Inside the server, one lock
serializes those visits (DuckDB refuses a second connection of another kind in the same
process while one is open, which validation's read-only look at the profiles would be).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated

import duckdb
from fastapi import Depends, Request

from journeys.api.errors import ApiError, busy
from journeys.failures import WarehouseUnusable, check_warehouse_file
from journeys.lifecycle import JourneyStatus, read_statuses
from journeys.settings import Settings
from journeys.warehouse import no_warehouse

CONNECT_WAIT_S = 2.0
"""How long a request waits for another process to let go of the warehouse file."""
LEASE_WAIT_S = 2.0
"""How long a change waits for the warehouse's lease (a tick holds it while it runs)."""


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
        """The warehouse, opened for the block and closed after it (503 while busy)."""
        self.need_warehouse()
        with self.lock:
            con = _connect(str(self.settings.warehouse))
            try:
                yield con
            finally:
                con.close()

    def statuses(self) -> dict[str, JourneyStatus]:
        """Every journey's latest lifecycle change (a journey without one is a draft)."""
        with self.connection() as con:
            return read_statuses(con)

    def status(self, journey_id: str) -> JourneyStatus:
        return self.statuses().get(journey_id, JourneyStatus(journey_id, "draft"))


def _connect(path: str) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + CONNECT_WAIT_S
    while True:
        try:
            return duckdb.connect(path)
        except duckdb.IOException:
            if time.monotonic() >= deadline:
                raise busy(f"the warehouse {path} is in use by another process (a tick or a "
                           "dispatch): try again when it ends") from None
            time.sleep(0.1)


def context(request: Request) -> ApiContext:
    """The FastAPI dependency giving a route the server's :class:`ApiContext`."""
    return request.app.state.journeys


Ctx = Annotated[ApiContext, Depends(context)]
"""A route's parameter receiving the server's :class:`ApiContext`."""
