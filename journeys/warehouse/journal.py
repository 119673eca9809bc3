"""A tick through dbt either finishes or leaves the warehouse as it was before it.

dbt commits model by model. Before the first model runs, :func:`begin` copies the tables
each due journey will rewrite and writes a journal row per journey, in one transaction.
:func:`finish` drops both once the tick succeeded; :func:`rollback` puts the copies back
and deletes the tick's rows from the outputs, again in one transaction (which tables are
which: :mod:`journeys.warehouse.tick_tables`). A tick killed half-way leaves its journal
rows behind, and the next tick, holding the lease, rolls it back before it starts: the
warehouse never shows half a tick for longer than the crash lasts.

The copies cost what the open entries, members and last tick's rows of the due journeys
cost to scan; the outputs, which grow with history, are only deleted from by key.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import duckdb

from journeys.warehouse.catalog import last_ticks, table_exists
from journeys.warehouse.setup import DECIDED_MARK, JOURNAL, ensure_journal
from journeys.warehouse.tick_tables import decided_tables, tick_tables
from journeys.warehouse.transactions import transaction

SNAPSHOT_SUFFIX = "__before_tick"


def _exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, name = qualified.split(".")
    return table_exists(con, schema, name)


def due_journeys(con: duckdb.DuckDBPyConnection, journeys: Iterable[str],
                 run_at: datetime) -> list[str]:
    """The journeys a tick at ``run_at`` changes: those not ticked at or after it (S1)."""
    last = last_ticks(con)
    return sorted(j for j in journeys if j not in last or last[j] < run_at)


def begin(con: duckdb.DuckDBPyConnection, run_at: datetime, journeys: list[str],
          holder: str) -> None:
    """Record the tick and copy the state it will rewrite (one transaction)."""
    ensure_journal(con)
    with transaction(con):
        for journey_id in journeys:
            for table in tick_tables(journey_id).rewritten:
                snapshot = table + SNAPSHOT_SUFFIX
                con.execute(f"drop table if exists {snapshot}")
                if _exists(con, table):
                    con.execute(f"create table {snapshot} as select * from {table}")
            con.execute(f"insert into {JOURNAL} values (?, ?, ?)", [journey_id, run_at, holder])
        con.execute(f"delete from {DECIDED_MARK}")
        for table, column in decided_tables():
            mark = con.execute(f"select coalesce(max({column}), 0) from {table}").fetchone()[0] \
                if _exists(con, table) else 0
            con.execute(f"insert into {DECIDED_MARK} values (?, ?)", [table, mark])


def finish(con: duckdb.DuckDBPyConnection) -> None:
    """The tick succeeded: forget its journal and copies."""
    ensure_journal(con)
    with transaction(con):
        for journey_id, in con.execute(f"select distinct journey_id from {JOURNAL}").fetchall():
            for table in tick_tables(journey_id).rewritten:
                con.execute(f"drop table if exists {table}{SNAPSHOT_SUFFIX}")
        con.execute(f"delete from {JOURNAL}")
        con.execute(f"delete from {DECIDED_MARK}")


def rollback(con: duckdb.DuckDBPyConnection) -> list[tuple[str, datetime]]:
    """Undo the tick in the journal, if any (one transaction); return what was undone."""
    ensure_journal(con)
    undone = con.execute(f"select distinct journey_id, tick_at from {JOURNAL} "
                         "order by journey_id").fetchall()
    if not undone:
        return []
    with transaction(con):
        for journey_id, run_at in undone:
            tables = tick_tables(journey_id)
            for table in tables.rewritten:
                snapshot = table + SNAPSHOT_SUFFIX
                con.execute(f"drop table if exists {table}")
                if _exists(con, snapshot):
                    con.execute(f"alter table {snapshot} rename to {table.split('.')[1]}")
            for table, clock in tables.appended:
                if _exists(con, table):
                    con.execute(f"delete from {table} where journey_id = ? and {clock} = ?",
                                [journey_id, run_at])
        marks = dict(con.execute(f"select table_name, mark from {DECIDED_MARK}").fetchall())
        for table, column in decided_tables():
            if table in marks and _exists(con, table):
                con.execute(f"delete from {table} where {column} > ?", [marks[table]])
        con.execute(f"delete from {JOURNAL}")
        con.execute(f"delete from {DECIDED_MARK}")
    return [(journey_id, run_at) for journey_id, run_at in undone]
