"""What governance held back (C9), by reason: the last part of `journeys status`.

Counts only, never members. Three sources, because governance decides at two moments:
``governed_actions`` (the tick: suppressed for good, or deferred at the latest decision,
i.e. waiting now) and ``delivery_log`` (dispatch: suppressed when it checked again).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
from rich.table import Table

from journeys.spec.governance import REASONS

SCHEMA = "journeys"


@dataclass(frozen=True)
class GovernanceCounts:
    """Actions not sent on purpose, by reason."""

    suppressed_at_tick: dict[str, int]
    deferred_now: dict[str, int]
    suppressed_at_dispatch: dict[str, int]

    @property
    def empty(self) -> bool:
        return not (self.suppressed_at_tick or self.deferred_now
                    or self.suppressed_at_dispatch)


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute("select count(*) from information_schema.tables where "
                            "table_schema = ? and table_name = ?", [SCHEMA, table]).fetchone()[0])


def governance_counts(con: duckdb.DuckDBPyConnection,
                      journey_id: str | None = None) -> GovernanceCounts:
    """Counts of one journey's actions (every journey's without ``journey_id``)."""
    where, params = ("journey_id = ?", [journey_id]) if journey_id else ("true", [])
    at_tick: dict[str, int] = {}
    waiting: dict[str, int] = {}
    at_dispatch: dict[str, int] = {}
    if _exists(con, "governed_actions"):
        governed = f"{SCHEMA}.governed_actions"
        at_tick = dict(con.execute(
            f"select reason, count(distinct action_id) from {governed} "
            f"where outcome = 'suppressed' and {where} group by reason", params).fetchall())
        waiting = dict(con.execute(
            f"select reason, count(*) from {governed} where outcome = 'deferred' and "
            f"tick_at = (select max(tick_at) from {governed}) and {where} group by reason",
            params).fetchall())
    if _exists(con, "delivery_log"):
        at_dispatch = dict(con.execute(
            f"select reason, count(distinct action_id) from {SCHEMA}.delivery_log "
            f"where status = 'suppressed' and attempt > 0 and {where} group by reason",
            params).fetchall())
    return GovernanceCounts(at_tick, waiting, at_dispatch)


def governance_table(counts: GovernanceCounts, title: str) -> Table:
    """A row per reason: suppressed at the tick, deferred now, suppressed at dispatch."""
    table = Table(title=title, title_justify="left")
    table.add_column("reason")
    table.add_column("suppressed at the tick", justify="right")
    table.add_column("deferred now", justify="right")
    table.add_column("suppressed at dispatch", justify="right")
    seen = (set(counts.suppressed_at_tick) | set(counts.deferred_now)
            | set(counts.suppressed_at_dispatch))
    for reason in [r for r in REASONS if r in seen] + sorted(seen - set(REASONS)):
        table.add_row(reason, *(f"{c.get(reason, 0):,}" for c in (
            counts.suppressed_at_tick, counts.deferred_now, counts.suppressed_at_dispatch)))
    return table
