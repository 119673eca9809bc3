"""One tick at a time per warehouse: an exclusive lease held for the whole tick.

DuckDB allows one writing process, and a tick is many dbt transactions: a second tick in
between would read half of the first. The lease is an OS lock (``flock``) on a file next to
the warehouse, so it is released when its holder exits, even killed: a crashed tick never
blocks the next one, which then undoes what the crash left (:mod:`journeys.warehouse.journal`).
The file holds who has the lease and since when, for the message of whoever waits.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

_HELD: dict[Path, int] = {}
"""The warehouses whose lease this process holds, and the thread holding each."""


def held_here(warehouse: Path) -> bool:
    """Whether this thread holds the warehouse's lease (a writer reads its own writes)."""
    return _HELD.get(warehouse.resolve()) == threading.get_ident()


class TickBusy(RuntimeError):
    """Another tick holds the warehouse; the message says which and since when."""


def lease_path(warehouse: Path) -> Path:
    """The lease file of a warehouse.

    Example:
        >>> lease_path(Path("/data/warehouse.duckdb")).name
        'warehouse.duckdb.tick-lease'
    """
    return warehouse.with_name(warehouse.name + ".tick-lease")


READER = "journeys (publishing the reader copy)"
"""The holder a reader names when it refreshes the reader copy (journeys.warehouse.readers)."""
READER_GRACE_S = 10.0
"""How long a writer waits for a reader's refresh of the reader copy whatever its own wait:
a reader never makes a tick skip."""


def _info(fd: int) -> dict:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        info = json.loads(os.read(fd, 4096).decode() or "{}")
    except (OSError, ValueError):
        info = {}
    return info if isinstance(info, dict) else {}


def _held_by_reader(fd: int) -> bool:
    return _info(fd).get("holder") == READER


def _holder_of(fd: int) -> str:
    info = _info(fd)
    if not info:
        return "another tick"
    return (f"{info.get('holder', 'another tick')} (tick {info.get('clock', '?')}, "
            f"since {info.get('since', '?')} UTC{_held_for(info.get('since'))}, "
            f"pid {info.get('pid', '?')})")


def _held_for(since: object) -> str:
    """``, for 42 s``: how long the holder has had the lease, for whoever waits."""
    try:
        started = datetime.strptime(str(since), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return ""
    return f", for {max(0, round((datetime.now(UTC) - started).total_seconds()))} s"


@contextmanager
def tick_lease(warehouse: Path, holder: str, clock: datetime,
               wait_s: float = 0.0, refused: str | None = None) -> Iterator[None]:
    """Hold the warehouse's lease for the block; wait up to ``wait_s`` for it, then raise
    :class:`TickBusy` naming the holder.

    ``holder`` says who ticks (a Dagster run id, ``journeys run``): never member data.
    ``refused`` says what was not done, for a holder that is not a tick (a lifecycle
    change, a manual request): it is not queued, it is to be retried.
    """
    path = lease_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_s
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline and not (
                        _held_by_reader(fd) and time.monotonic() < deadline + READER_GRACE_S):
                    undone = (f"{refused}: try again when it ends (or give --wait seconds)"
                              if refused else
                              f"tick {clock:%Y-%m-%d %H:%M:%S} was not run (one tick at a "
                              "time; it runs with the next tick, or run it again when that "
                              "one ends)")
                    raise TickBusy(f"the warehouse {warehouse} is busy with "
                                   f"{_holder_of(fd)}: {undone}") from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({
            "holder": holder, "clock": clock.isoformat(sep=" "), "pid": os.getpid(),
            "since": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")}).encode(), 0)
        _HELD[warehouse.resolve()] = threading.get_ident()
        try:
            yield
        finally:
            _HELD.pop(warehouse.resolve(), None)
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
