"""Opening the embedded warehouse: the one place a DuckDB file is opened.

DuckDB lets one process open a file to write it, and none while another process holds it,
even read-only. The tool's own writers take turns through the lease
(:mod:`journeys.warehouse.lease`), and its readers read the reader copy
(:mod:`journeys.warehouse.readers`), so they never meet on the working file. What is left is
a process outside the tool holding it (a BI tool or a notebook pointed at it, an ELT load):
a writer waits for it with a bounded back-off, then says which process holds the file and
what to do, in one line.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import duckdb

from journeys.failures import READ_ONLY_CAUSES
from journeys.warehouse.lease import TickBusy

FILE_WAIT_S = 10.0
"""How long a writer waits at least for a process outside the tool to let go of the file: a
BI query or a notebook cell run on the working file by mistake ends within it."""
_HOLDER = re.compile(r"Conflicting lock is held in (.+?) \(PID (\d+)\)")


class WarehouseBusy(TickBusy):
    """A process outside the tool holds the warehouse file; the message names it."""


def is_lock_conflict(err: BaseException) -> bool:
    """Whether DuckDB refused the file because another process holds it."""
    text = str(err)
    return "Could not set lock" in text or "Conflicting lock" in text


def lock_holder(err: BaseException) -> str:
    """The process DuckDB names as the file's holder.

    Example:
        >>> lock_holder(OSError('Conflicting lock is held in /usr/bin/python3 (PID 42). x'))
        '/usr/bin/python3 (pid 42)'
        >>> lock_holder(OSError('Could not set lock on file'))
        'another process'
    """
    found = _HOLDER.search(str(err))
    return f"{found.group(1)} (pid {found.group(2)})" if found else "another process"


def held_by(path: Path | str, err: BaseException) -> str:
    """One line: who holds the file, and what to do."""
    from journeys.warehouse.readers import reader_path

    return (f"the warehouse {path} is held by {lock_holder(err)}, outside journeys: close "
            f"that connection (point BI tools and notebooks at {reader_path(Path(path))}), "
            "or give --wait seconds")


def connect(path: Path | str, *, read_only: bool = False,
            wait_s: float = FILE_WAIT_S) -> duckdb.DuckDBPyConnection:
    """Open the DuckDB file, waiting up to ``wait_s`` while another process holds it.

    Raises :class:`WarehouseBusy` naming the holder when the wait runs out; any other
    refusal (a corrupt or read-only file) is raised as DuckDB words it, for
    :func:`journeys.failures.explain`.
    """
    deadline = time.monotonic() + wait_s
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as err:
            left = deadline - time.monotonic()
            if not is_lock_conflict(err):
                raise
            if left <= 0:
                raise WarehouseBusy(held_by(path, err)) from None
            time.sleep(min(delay, left))
            delay = min(delay * 2, 1.0)


def connect_for_reading(path: Path | str, wait_s: float = FILE_WAIT_S
                        ) -> duckdb.DuckDBPyConnection:
    """A file to read: opened as every command opens it, or read-only when the file or its
    folder refuses writes, so a read-only warehouse can still be looked at."""
    try:
        return connect(path, wait_s=wait_s)
    except duckdb.IOException as err:
        if not any(cause in str(err) for cause in READ_ONLY_CAUSES):
            raise
    return connect(path, read_only=True, wait_s=wait_s)


def no_warehouse(path: object) -> str:
    """What to do when the warehouse file is missing: `journeys status`, `enter`, the
    lifecycle commands and the REST API say the same.

    Example:
        >>> no_warehouse("/data/w.duckdb")[:35]
        'no warehouse at /data/w.duckdb: run'
    """
    return (f"no warehouse at {path}: run `journeys demo` (or a tick) first, or set "
            "JOURNEYS_WAREHOUSE")
