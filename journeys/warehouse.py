"""Small questions to the warehouse that several steps ask (ticks, journal, dispatch)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb

from journeys.compiler.relations import INTERNAL_SCHEMA, OUTPUT_SCHEMA, STAGING_SCHEMA
from journeys.failures import READ_ONLY_CAUSES


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


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One transaction for the block: committed when it ends, rolled back if it raises.

    The error that ended the block is the one raised: when it already ended the transaction
    (a commit that found the disk full), the rollback's own complaint is dropped.
    """
    con.execute("begin transaction")
    try:
        yield
        con.execute("commit")
    except BaseException:
        rollback_quietly(con.execute)
        raise


def rollback_quietly(execute: Callable[[str], object]) -> None:
    """Roll back after a failure, keeping the failure as the error to report.

    A failed commit (``No space left on device``) or an invalidated database has already
    ended the transaction, and ``rollback`` then raises ``no transaction is active``, which
    would hide the cause the user must act on.
    """
    try:
        execute("rollback")
    except Exception:  # noqa: BLE001, S110 - the failure being raised is the one to report
        pass


def connect_for_reading(path: Path | str) -> duckdb.DuckDBPyConnection:
    """The warehouse for a command that only reads it (`status`, `history`, `render`):
    opened as every command opens it, or read-only when the file or its folder refuses
    writes, so a read-only warehouse can still be looked at."""
    try:
        return duckdb.connect(str(path))
    except duckdb.IOException as err:
        if not any(cause in str(err) for cause in READ_ONLY_CAUSES):
            raise
    return duckdb.connect(str(path), read_only=True)


def drop_engine_state(path: str) -> None:
    """Drop every schema the engine and dispatch write (the inputs in ``main`` stay): what
    `journeys demo` does before it simulates, so running it twice shows the same demo."""
    con = duckdb.connect(path)
    try:
        for schema in (OUTPUT_SCHEMA, INTERNAL_SCHEMA, STAGING_SCHEMA):
            con.execute(f"drop schema if exists {schema} cascade")
    finally:
        con.close()


def no_warehouse(path: object) -> str:
    """What to do when the warehouse file is missing: `journeys status`, `enter`, the
    lifecycle commands and the REST API say the same.

    Example:
        >>> no_warehouse("/data/w.duckdb")[:35]
        'no warehouse at /data/w.duckdb: run'
    """
    return (f"no warehouse at {path}: run `journeys demo` (or a tick) first, or set "
            "JOURNEYS_WAREHOUSE")
