"""Old history for the growth experiment: rows no open entry depends on.

The day-90 warehouse is the day-10 one plus copies of its history shifted back in time:
events shifted by 30, 60, … days (older than every event, so older than every open entry),
and the journey outputs (steps, due actions, profile updates, ended entries, tick log)
shifted by 10, 20, … days, with ``entry_seq`` lowered by 1000 per copy so that every unique
key stays unique. Every entry of the copies is ended (an open entry becomes a completed
one), as most are after 90 days.

Both warehouses go through the same rewrite (each table rebuilt in time order, as a table
that grew by appending is laid out), the day-10 one with no copies, so that only the
amount of history differs between them.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

EVENT_SHIFT_DAYS = 30
"""The synthetic warehouse holds 30 days of events: copies shifted by 30 days do not overlap."""
JOURNEY_SHIFT_DAYS = 10
"""The day-10 state holds 10 days of journey history."""
SEQ_SHIFT = 1000


@dataclass(frozen=True)
class History:
    """How many shifted copies to add: events (×30 days), journey outputs (×10 days)."""

    event_copies: int
    journey_copies: int


def _action_id(seq: str) -> str:
    return f"md5(journey_id || ':' || member_id || ':' || cast({seq} as varchar) || ':' || tile_id)"


def copies_sql(table: str, order_by: str, replace: dict[str, str], copies: int,
               source: str | None = None) -> str:
    """Rebuild ``table`` in ``order_by`` order with ``copies`` shifted copies of ``source``
    (default: the table itself); in ``replace``, ``{shift}`` is the copy's interval and
    ``{seq}`` its lowered entry_seq.

    Example:
        >>> con = duckdb.connect()
        >>> _ = con.execute("create table t as select 1 as entry_seq, date '2026-01-30' as ts")
        >>> _ = con.execute(copies_sql("t", "ts", {"entry_seq": "{seq}", "ts": "ts - {shift}"}, 2))
        >>> con.execute("select entry_seq, ts::date::varchar from t").fetchall()
        [(-1999, '2026-01-10'), (-999, '2026-01-20'), (1, '2026-01-30')]
    """
    shift = f"to_days(cast({JOURNEY_SHIFT_DAYS} * k as integer))"
    seq = f"cast(entry_seq - {SEQ_SHIFT} * k as integer)"
    replaced = ", ".join(f"{expr.format(shift=shift, seq=seq)} as {column}"
                         for column, expr in replace.items())
    return (f"create or replace table {table} as select * from (select * from {table} "
            f"union all by name select * exclude (k) replace ({replaced}) "
            f"from {source or table}, range(1, {copies + 1}) r(k)) order by {order_by}")


def locate(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """``schema.name`` of a table the engine wrote (its schema is the compiler's choice)."""
    row = con.execute("select table_schema from information_schema.tables where table_name = ? "
                      "and table_type = 'BASE TABLE' order by table_schema limit 1",
                      [name]).fetchone()
    if row is None:
        raise LookupError(f"no table {name} in the warehouse")
    return f"{row[0]}.{name}"


def add_history(con: duckdb.DuckDBPyConnection, history: History) -> None:
    """Add ``history`` to the warehouse behind ``con`` (see the module's docstring)."""
    n = history.journey_copies
    ended = locate(con, "journey_ended_entries")
    con.execute("create temp table __entries as select * from journeys.journey_state")
    statements = [
        "create or replace table main.events as select * from (select * from main.events "
        "union all by name select * exclude (k) replace (occurred_at - to_days(cast("
        f"{EVENT_SHIFT_DAYS} * k as integer)) as occurred_at) from main.events, "
        f"range(1, {history.event_copies + 1}) r(k)) order by occurred_at, member_id, event",
        copies_sql(locate(con, "journey_steps"), "tick_at", {
            "entry_seq": "{seq}", "entered_at": "entered_at - {shift}",
            "tick_at": "tick_at - {shift}"}, n),
        copies_sql(locate(con, "due_actions"), "tick_at", {
            "action_id": _action_id("{seq}"), "entry_seq": "{seq}",
            "due_at": "due_at - {shift}", "tick_at": "tick_at - {shift}"}, n),
        copies_sql(locate(con, "profile_updates"), "tick_at", {
            "action_id": _action_id("{seq}"), "entry_seq": "{seq}",
            "updated_at": "updated_at - {shift}", "tick_at": "tick_at - {shift}"}, n),
        copies_sql(locate(con, "journey_ticks"), "tick_at", {"tick_at": "tick_at - {shift}"}, n),
        copies_sql(ended, "updated_tick_at", {
            "entry_seq": "{seq}",
            "status": "case when status = 'active' then 'completed' else status end",
            "entered_tile_at": "entered_tile_at - {shift}",
            "entered_journey_at": "entered_journey_at - {shift}",
            "exited_at": "coalesce(exited_at, updated_tick_at) - {shift}",
            "exit_reason": "coalesce(exit_reason, 'completed')",
            "updated_tick_at": "updated_tick_at - {shift}"}, n, source="__entries"),
    ]
    for sql in statements:
        con.execute(sql)
    con.execute("drop table __entries")
    con.execute("checkpoint")


HISTORY_TABLES = ("main.events", "journey_steps", "due_actions", "profile_updates",
                  "journey_ended_entries", "journey_ticks")


def table_sizes(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows of the tables that grow with history."""
    return {name.split(".")[-1]: con.execute(
        f"select count(*) from {name if '.' in name else locate(con, name)}").fetchone()[0]
        for name in HISTORY_TABLES}
