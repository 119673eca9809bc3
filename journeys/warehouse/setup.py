"""Creating and dropping the tool's own tables.

The inputs the tool owns (the manual entries and removals of C3, the lifecycle's
``journey_control`` of S18), the delivery log (C7) and the tick journal are created on first
use, by whichever step needs them first; dispatch's queue and intents keep their DDL next to
their SQL (:mod:`reverse_etl.queue`, :mod:`reverse_etl.intents`) and call these for the
tables they share.
"""

from __future__ import annotations

from typing import Any

from journeys.compiler.dialect import type_sql
from journeys.warehouse.connect import connect
from journeys.warehouse.relations import (
    INTERNAL_SCHEMA,
    OUTPUT_SCHEMA,
    SOURCE_SCHEMA,
    STAGING_SCHEMA,
)
from journeys.warehouse.tables import DELIVERY_LOG_COLUMNS, JOURNEY_CONTROL

INPUT_COLUMNS = {"journey_id": "varchar", "member_id": "varchar", "requested_at": "timestamp"}
INPUTS = ("manual_entries", "manual_removals")
CONTROL_TABLE = "journey_control"
JOURNAL = f"{INTERNAL_SCHEMA}.tick_journal"
DECIDED_MARK = f"{INTERNAL_SCHEMA}.tick_journal_decided"
"""Per project-level table, the last run number before the tick began."""
DELIVERY_LOG = f"{OUTPUT_SCHEMA}.delivery_log"


def _dialect(con: Any) -> str:
    return getattr(con, "dialect", "duckdb")  # a session, or a plain DuckDB connection


def _create_schema(con: Any, schema: str) -> None:
    if hasattr(con, "create_schema"):
        con.create_schema(schema)
    else:
        con.execute(f"create schema if not exists {schema}")


def ensure_inputs(con: Any) -> None:
    """Create the tool-owned inputs when missing: the manual entries and removals (C3) and
    the lifecycle's ``journeys.journey_control`` (S18)."""
    dialect = _dialect(con)
    if dialect == "duckdb" and not hasattr(con, "dialect") and _has_inputs(con):
        return  # nothing to create: a read-only warehouse can be read
    ddl = ", ".join(f"{c} {type_sql(t, dialect)}" for c, t in INPUT_COLUMNS.items())
    for table in INPUTS:
        con.execute(f"create table if not exists {SOURCE_SCHEMA}.{table} ({ddl})")
    _create_schema(con, OUTPUT_SCHEMA)
    ddl = ", ".join(f"{c} {type_sql(t, dialect)}" for c, t in JOURNEY_CONTROL)
    con.execute(f"create table if not exists {OUTPUT_SCHEMA}.{CONTROL_TABLE} ({ddl})")


def _has_inputs(con: Any) -> bool:
    wanted = {(SOURCE_SCHEMA, t) for t in INPUTS} | {(OUTPUT_SCHEMA, CONTROL_TABLE)}
    found = set(con.execute("select table_schema, table_name from information_schema.tables "
                            "where table_type = 'BASE TABLE'").fetchall())
    return wanted <= found


def ensure_delivery_log(con: Any) -> None:
    """Create ``journeys.delivery_log`` empty when no dispatch has written it yet: the views
    that read it (the tile statistics) then see the first dispatch without another tick."""
    _create_schema(con, OUTPUT_SCHEMA)
    ddl = ", ".join(f"{c} {type_sql(t, _dialect(con))}" for c, t in DELIVERY_LOG_COLUMNS)
    con.execute(f"create table if not exists {DELIVERY_LOG} ({ddl})")


def ensure_journal(con: Any) -> None:
    """Create the tick journal of dbt ticks (:mod:`journeys.warehouse.journal`)."""
    _create_schema(con, INTERNAL_SCHEMA)
    con.execute(f"create table if not exists {JOURNAL} "
                "(journey_id varchar, tick_at timestamp, holder varchar)")
    con.execute(f"create table if not exists {DECIDED_MARK} (table_name varchar, mark bigint)")


def drop_engine_state(path: str) -> None:
    """Drop every schema the engine and dispatch write (the inputs in ``main`` stay): what
    `journeys demo` does before it simulates, so running it twice shows the same demo."""
    con = connect(path)
    try:
        for schema in (OUTPUT_SCHEMA, INTERNAL_SCHEMA, STAGING_SCHEMA):
            con.execute(f"drop schema if exists {schema} cascade")
    finally:
        con.close()
