"""Dispatch of a tick's due actions.

Until delivery lands (SendGrid, Twilio, Braze, webhooks, the delivery log), dispatch is a
dry run: it reads what a tick made due and counts it per destination and action, which is
what the Dagster dispatch asset reports. The real step plugs in here with the same entry
point.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from journeys.compiler.relations import OUTPUT_SCHEMA
from journeys.warehouse import table_exists


@dataclass(frozen=True)
class DispatchSummary:
    """What a dispatch did (or, dry, would do) for the actions of one tick."""

    tick_at: datetime
    dry_run: bool
    due: int = 0
    by_destination: dict[str, int] = field(default_factory=dict)
    by_action: dict[str, int] = field(default_factory=dict)


def dispatch_tick(warehouse: Path, tick_at: datetime) -> DispatchSummary:
    """Dispatch the actions that became due at ``tick_at`` (a dry run for now)."""
    con = duckdb.connect(str(warehouse))
    try:
        if not table_exists(con, OUTPUT_SCHEMA, "due_actions"):
            return DispatchSummary(tick_at=tick_at, dry_run=True)
        rows = con.execute("select destination, action, count(*) from journeys.due_actions "
                           "where tick_at = ? group by all order by all", [tick_at]).fetchall()
    finally:
        con.close()
    by_destination: dict[str, int] = {}
    by_action: dict[str, int] = {}
    for destination, action, count in rows:
        by_destination[destination] = by_destination.get(destination, 0) + count
        by_action[action] = by_action.get(action, 0) + count
    return DispatchSummary(tick_at=tick_at, dry_run=True, due=sum(by_action.values()),
                           by_destination=by_destination, by_action=by_action)
