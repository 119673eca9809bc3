"""A block that writes the warehouse: the lease, the working file, then the reader copy.

Every writer of the tool (a tick, a dispatch, a lifecycle change, `enter` and `remove`,
`migrate`) goes through :func:`writing` or :func:`write_lease`, so writers take turns
(:mod:`journeys.warehouse.lease`), a process outside the tool holding the file is waited for
(:mod:`journeys.warehouse.connect`), and readers see the write once it is whole
(:mod:`journeys.warehouse.readers`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb

from journeys.warehouse.connect import FILE_WAIT_S, connect
from journeys.warehouse.lease import tick_lease
from journeys.warehouse.readers import publish


@contextmanager
def write_lease(warehouse: Path, holder: str, clock: datetime, *, wait_s: float = 0.0,
                refused: str | None = None) -> Iterator[float]:
    """Hold the lease for the block (which opens the file itself, or lets dbt open it), and
    publish the reader copy when the block ends without raising.

    Yields how long, of ``wait_s``, is left to wait for the file itself (at least
    :data:`~journeys.warehouse.connect.FILE_WAIT_S`).
    """
    started = time.monotonic()
    with tick_lease(warehouse, holder, clock, wait_s, refused):
        yield max(FILE_WAIT_S, wait_s - (time.monotonic() - started))
        try:
            publish(warehouse)
        except OSError:
            pass  # the write is done; the next reader publishes the copy again (readers.py)


@contextmanager
def writing(warehouse: Path, holder: str, clock: datetime, *, wait_s: float = 0.0,
            refused: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse opened to write for the block, under the lease; closed after it, and
    published to readers when the block ends without raising."""
    with write_lease(warehouse, holder, clock, wait_s=wait_s, refused=refused) as file_wait_s:
        con = connect(warehouse, wait_s=file_wait_s)
        try:
            yield con
        finally:
            con.close()
