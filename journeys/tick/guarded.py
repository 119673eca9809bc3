"""The frame of every dbt tick (`journeys run`, Dagster's tick): one at a time, all or
nothing.

Inside the lease (:mod:`journeys.warehouse.writers`): undo what a crashed tick left, journal
the due journeys, let dbt run, then finish the journal, or roll the tick back if anything
raised, and publish the tick to readers once it is whole. The connection is closed while dbt
runs: DuckDB lets one process open the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb

from journeys.warehouse import journal
from journeys.warehouse.connect import connect
from journeys.warehouse.writers import write_lease


def _with_connection(warehouse: Path, work: Callable[[duckdb.DuckDBPyConnection], object],
                     wait_s: float):
    con = connect(warehouse, wait_s=wait_s)
    try:
        return work(con)
    finally:
        con.close()


@contextmanager
def guarded_tick(warehouse: Path, run_at: datetime, journeys: Iterable[str], holder: str,
                 *, wait_s: float = 0.0,
                 log: Callable[[str], None] = lambda _: None) -> Iterator[list[str]]:
    """Hold the lease, journal the tick, and yield the journeys due at ``run_at``.

    Raises :class:`journeys.warehouse.lease.TickBusy` when another tick holds the warehouse for
    longer than ``wait_s``. An exception from the block rolls the tick back and propagates.
    """
    wanted = list(journeys)
    with write_lease(warehouse, holder, run_at, wait_s=wait_s) as file_wait_s:
        def start(con: duckdb.DuckDBPyConnection) -> list[str]:
            for journey_id, at in journal.rollback(con):
                log(f"{journey_id}: rolled back tick {at:%Y-%m-%d %H:%M:%S}, left unfinished "
                    "by a tick that stopped half-way")
            due = journal.due_journeys(con, wanted, run_at)
            journal.begin(con, run_at, due, holder)
            return due

        due = _with_connection(warehouse, start, file_wait_s)
        try:
            yield due
        except BaseException:
            undone = _with_connection(warehouse, journal.rollback, file_wait_s)
            if undone:
                log(f"tick {run_at:%Y-%m-%d %H:%M:%S} failed and was rolled back: "
                    f"{', '.join(j for j, _ in undone)} are as they were before it")
            raise
        _with_connection(warehouse, journal.finish, file_wait_s)
