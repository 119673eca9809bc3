"""The in-process executor's connection to an engine: DuckDB, PostgreSQL or Spark.

:class:`journeys.tick.inprocess.InProcessEngine` runs the same plans on every engine; what
differs is how a statement runs and how a model's rows are stored (the same
materializations dbt's adapters use: DuckDB and PostgreSQL delete and insert rows, Spark's
parquet tables overwrite partitions). Each engine's SQL *text* comes from
:mod:`journeys.compiler.dialect`; this module only owns connections and storage.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from journeys.compiler.dialect import incremental_config

CLOCKS = "__journeys_clocks"
"""Temporary relation of the clocks of the current run (the compiled clock input)."""
NEW_ROWS = "__journeys_new"


class Session(Protocol):
    """What the executor needs of an engine."""

    dialect: str

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...
    def query(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple]]: ...
    def relation_kind(self, schema: str, name: str) -> str | None: ...
    def find_schema(self, name: str) -> str | None: ...
    def set_clocks(self, clocks: Sequence[datetime]) -> None: ...
    def create_schema(self, schema: str) -> None: ...
    def replace_table(self, schema: str, name: str, sql: str,
                      partition_by: Sequence[str] = ()) -> None: ...
    def replace_view(self, schema: str, name: str, sql: str) -> None: ...
    def drop(self, schema: str, name: str, kind: str) -> None: ...
    def replace_rows(self, plan: Any, sql: str) -> None: ...
    def begin(self) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


def _ts(value: datetime) -> str:
    return value.isoformat(sep=" ")


class _Catalog:
    """information_schema lookups shared by DuckDB and PostgreSQL."""

    def query(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple]]:
        raise NotImplementedError

    def relation_kind(self, schema: str, name: str) -> str | None:
        _, rows = self.query("select table_type from information_schema.tables "
                             "where table_schema = ? and table_name = ?", [schema, name])
        if not rows:
            return None
        return "view" if rows[0][0] == "VIEW" else "table"

    def find_schema(self, name: str) -> str | None:
        _, rows = self.query("select table_schema from information_schema.tables where "
                             "table_name = ? order by table_schema limit 1", [name])
        return rows[0][0] if rows else None


class DuckDBSession(_Catalog):
    """An open DuckDB connection (the embedded warehouse)."""

    dialect = "duckdb"

    def __init__(self, con: Any) -> None:
        self.con = con
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"create temp table if not exists {CLOCKS} (run_at timestamp)")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.con.execute(sql, list(params)) if params else self.con.execute(sql)

    def query(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple]]:
        cur = self.con.execute(sql, list(params)) if params else self.con.execute(sql)
        return [d[0] for d in cur.description], cur.fetchall()

    def set_clocks(self, clocks: Sequence[datetime]) -> None:
        self.con.execute(f"delete from {CLOCKS}")
        self.con.executemany(f"insert into {CLOCKS} values (?)", [[c] for c in clocks])

    def create_schema(self, schema: str) -> None:
        self.con.execute(f"create schema if not exists {schema}")

    def replace_table(self, schema: str, name: str, sql: str,
                      partition_by: Sequence[str] = ()) -> None:
        self.con.execute(f"create or replace table {schema}.{name} as {sql}")

    def replace_view(self, schema: str, name: str, sql: str) -> None:
        self.con.execute(f"create or replace view {schema}.{name} as {sql}")

    def drop(self, schema: str, name: str, kind: str) -> None:
        self.con.execute(f"drop {kind} {schema}.{name}")

    def replace_rows(self, plan: Any, sql: str) -> None:
        target = f"{plan.schema}.{plan.name}"
        keys = ", ".join(plan.unique_key)
        cols = ", ".join(c.name for c in plan.columns)
        self.con.execute(f"create or replace temp table {NEW_ROWS} as {sql}")
        self.con.execute(f"delete from {target} where {self._since(plan)}({keys}) in "
                         f"(select ({keys}) from {NEW_ROWS})")
        self.con.execute(f"insert into {target} ({cols}) select {cols} from {NEW_ROWS}")
        self.con.execute(f"drop table {NEW_ROWS}")

    def _since(self, plan: Any) -> str:
        """A constant lower bound on the key's clock column (``tick_at``, ``updated_tick_at``)
        for the delete of a tick-keyed output, so that DuckDB skips the row groups of past
        ticks instead of scanning all history."""
        types = {c.name: c.type for c in plan.columns}
        clock = next((k for k in plan.unique_key if types.get(k) == "timestamp"), None)
        if clock is None:
            return ""
        row = self.con.execute(f"select min({clock}) from {NEW_ROWS}").fetchone()
        if not row or row[0] is None:
            return ""
        return f"{clock} >= timestamp '{_ts(row[0])}' and "

    def begin(self) -> None:
        self.con.execute("begin transaction")

    def commit(self) -> None:
        self.con.execute("commit")

    def rollback(self) -> None:
        self.con.execute("rollback")


class PostgresSession(_Catalog):
    """A psycopg2 connection. Tables are rebuilt under a new name and swapped in, as
    dbt-postgres does, so a model may read its own previous table."""

    dialect = "postgres"

    def __init__(self, con: Any) -> None:
        self.con = con
        con.autocommit = True
        self.execute("set timezone = 'UTC'")
        # JIT compiles the walk's thousands of CASE arms for seconds whatever the data (as
        # dbt's models, dbt_project/macros/journeys_session_settings.sql)
        self.execute("set jit = off")
        self.execute(f"create temp table if not exists {CLOCKS} (run_at timestamp)")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self.con.cursor() as cur:
            cur.execute(*self._bind(sql, params))

    def query(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple]]:
        with self.con.cursor() as cur:
            cur.execute(*self._bind(sql, params))
            return [d[0] for d in cur.description], cur.fetchall()

    @staticmethod
    def _bind(sql: str, params: Sequence[Any]) -> tuple[str, tuple | None]:
        """psycopg2 marks parameters with %s; statements here use ? like DuckDB's."""
        return (sql.replace("?", "%s"), tuple(params)) if params else (sql, None)

    def set_clocks(self, clocks: Sequence[datetime]) -> None:
        self.execute(f"delete from {CLOCKS}")
        with self.con.cursor() as cur:
            cur.executemany(f"insert into {CLOCKS} values (%s)", [(c,) for c in clocks])

    def create_schema(self, schema: str) -> None:
        self.execute(f"create schema if not exists {schema}")

    def replace_table(self, schema: str, name: str, sql: str,
                      partition_by: Sequence[str] = ()) -> None:
        staged = f"{name}__journeys_staged"
        self.execute(f"drop table if exists {schema}.{staged}")
        self.execute(f"create table {schema}.{staged} as {sql}")
        self.execute(f"drop table if exists {schema}.{name} cascade")
        self.execute(f"alter table {schema}.{staged} rename to {name}")

    def replace_view(self, schema: str, name: str, sql: str) -> None:
        self.execute(f"drop view if exists {schema}.{name} cascade")
        self.execute(f"create view {schema}.{name} as {sql}")

    def drop(self, schema: str, name: str, kind: str) -> None:
        self.execute(f"drop {kind} {schema}.{name} cascade")

    def replace_rows(self, plan: Any, sql: str) -> None:
        target = f"{plan.schema}.{plan.name}"
        keys = ", ".join(plan.unique_key)
        cols = ", ".join(c.name for c in plan.columns)
        self.execute(f"drop table if exists {NEW_ROWS}")
        self.execute(f"create temp table {NEW_ROWS} as {sql}")
        self.execute(f"delete from {target} where ({keys}) in (select {keys} from {NEW_ROWS})")
        self.execute(f"insert into {target} ({cols}) select {cols} from {NEW_ROWS}")
        self.execute(f"drop table {NEW_ROWS}")

    def begin(self) -> None:
        self.execute("begin")

    def commit(self) -> None:
        self.execute("commit")

    def rollback(self) -> None:
        self.execute("rollback")


def sql_literal(value: Any, dialect: str) -> str:
    """A Python value as a SQL literal of ``dialect``, for statements that cannot bind
    parameters (Spark SQL) and for small test worlds. Spark escapes quotes with a
    backslash: there ``'a''b'`` is two adjacent literals, read as ``ab``.

    Example:
        >>> print(sql_literal("it's", "spark"), sql_literal("it's", "postgres"))
        'it\\'s' 'it''s'
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return f"timestamp '{_ts(value)}'"
    if dialect == "spark":
        return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"
    return "'" + str(value).replace("'", "''") + "'"


class SparkSession:
    """A pyspark ``SparkSession`` with parquet tables, as dbt-spark's session method uses.

    Parquet tables have no row-level delete and no transactions: a table is rebuilt under
    a new name and swapped in; an incremental model overwrites the partitions of its clock
    (:func:`journeys.compiler.dialect.incremental_config`). A failed run is not rolled back
    here, as it is not under dbt-spark either.
    """

    dialect = "spark"

    def __init__(self, spark: Any) -> None:
        self.spark = spark
        spark.conf.set("spark.sql.session.timeZone", "UTC")
        spark.conf.set("spark.sql.timestampType", "TIMESTAMP_NTZ")
        spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
        self.set_clocks([])

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.spark.sql(self._bind(sql, params)).collect()

    def query(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple]]:
        frame = self.spark.sql(self._bind(sql, params))
        return list(frame.columns), [tuple(row) for row in frame.collect()]

    @staticmethod
    def _bind(sql: str, params: Sequence[Any]) -> str:
        for value in params:
            sql = sql.replace("?", sql_literal(value, "spark"), 1)
        return sql

    # The catalog is read through SQL, as dbt-spark does: pyspark's Catalog API warns that
    # its schema arguments are deprecated, and decodes its rows with generated code.

    def databases(self) -> list[str]:
        return sorted(row[0] for row in self.spark.sql("show databases").collect())

    def relation_kind(self, schema: str, name: str) -> str | None:
        return self._kind_in(schema, name) if schema in self.databases() else None

    def find_schema(self, name: str) -> str | None:
        for database in self.databases():
            if self._kind_in(database, name) is not None:
                return database
        return None

    def _kind_in(self, schema: str, name: str) -> str | None:
        """The kind of ``schema.name``, ``schema`` being known to exist."""
        tables = self.spark.sql(f"show tables in {schema}").collect()
        if not any(row.tableName == name and not row.isTemporary for row in tables):
            return None
        views = self.spark.sql(f"show views in {schema}").collect()
        is_view = any(row.viewName == name and row.namespace == schema for row in views)
        return "view" if is_view else "table"

    def set_clocks(self, clocks: Sequence[datetime]) -> None:
        rows = ", ".join(f"({sql_literal(c, 'spark')})" for c in clocks)
        body = (f"select * from values {rows} as clocks(run_at)" if clocks
                else "select cast(null as timestamp) as run_at where false")
        self.spark.sql(f"create or replace temporary view {CLOCKS} as {body}").collect()

    def create_schema(self, schema: str) -> None:
        self.execute(f"create schema if not exists {schema}")

    def replace_table(self, schema: str, name: str, sql: str,
                      partition_by: Sequence[str] = ()) -> None:
        if partition_by:
            # a renamed table's partitions keep the paths they were written under: an
            # incremental model (the only partitioned kind) is created in place, once
            self.execute(f"drop table if exists {schema}.{name}")
            self.execute(f"create table {schema}.{name} using parquet "
                         f"partitioned by ({', '.join(partition_by)}) as {sql}")
            return
        staged = f"{name}__journeys_staged"
        self.execute(f"drop table if exists {schema}.{staged}")
        self.execute(f"create table {schema}.{staged} using parquet as {sql}")
        self.execute(f"drop table if exists {schema}.{name}")
        self.execute(f"alter table {schema}.{staged} rename to {schema}.{name}")

    def replace_view(self, schema: str, name: str, sql: str) -> None:
        self.execute(f"create or replace view {schema}.{name} as {sql}")

    def drop(self, schema: str, name: str, kind: str) -> None:
        self.execute(f"drop {kind} if exists {schema}.{name}")

    def replace_rows(self, plan: Any, sql: str) -> None:
        partitions = list(incremental_config(plan, "spark")["partition_by"])
        table = self.spark.table(f"{plan.schema}.{plan.name}")
        cols = ", ".join(table.columns)  # partition columns last, as Spark stores them
        self.execute(f"insert overwrite table {plan.schema}.{plan.name} "
                     f"partition ({', '.join(partitions)}) select {cols} from ({sql}) as n")

    def begin(self) -> None:
        """No transactions on parquet tables."""

    def commit(self) -> None:
        """No transactions on parquet tables."""

    def rollback(self) -> None:
        """No transactions on parquet tables."""
