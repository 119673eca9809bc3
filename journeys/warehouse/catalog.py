"""Small questions to the warehouse that several steps ask (ticks, journal, dispatch)."""

from __future__ import annotations

from datetime import datetime

import duckdb

from journeys.warehouse.relations import OUTPUT_SCHEMA


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    """Whether ``schema.name`` is a table or view of the warehouse."""
    row = con.execute("select count(*) from information_schema.tables where table_schema = ? "
                      "and table_name = ?", [schema, name]).fetchone()
    return bool(row and row[0])


def last_ticks(con: duckdb.DuckDBPyConnection) -> dict[str, datetime]:
    """Clock of each journey's last processed tick (none before the first tick)."""
    if not table_exists(con, OUTPUT_SCHEMA, "journey_ticks"):
        return {}
    return dict(con.execute(f"select journey_id, max(tick_at) from {OUTPUT_SCHEMA}."
                            "journey_ticks group by journey_id").fetchall())
