"""The engines tests run the compiled journeys on: DuckDB always, PostgreSQL and Spark when
the machine has them.

``pytest --engine postgres`` (or ``JOURNEYS_TEST_ENGINE=postgres``) runs the engine suites
(golden scenarios, differential fixtures, cross-engine checks) on that engine; without a
server or pyspark they skip, saying why. PostgreSQL is reached through ``JOURNEYS_PG_*``
(the same variables as the ``postgres`` dbt target); each engine instance gets a database
of its own. Spark runs in this process (``local[2]``) with an in-memory catalog.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import pytest

from journeys.compiler.dialect import SQL_TYPES, type_sql
from journeys.warehouse.sessions import DuckDBSession, PostgresSession, Session, SparkSession

ENGINES = ("duckdb", "postgres", "spark")
ENGINE_ENV = "JOURNEYS_TEST_ENGINE"
SOURCE_TABLES = ("main.profiles", "main.events", "main.manual_entries", "main.manual_removals",
                 "journeys.journey_control")
"""The inputs of a tick, schema-qualified: C3's and the lifecycle's audit trail (S18)."""
_selected = os.environ.get(ENGINE_ENV, "duckdb")
_counter = itertools.count()
_spark: Any = None
_databases: list[tuple[str, Any]] = []


def select(engine: str) -> None:
    """Set the engine of this test run (conftest, from ``--engine``)."""
    global _selected
    if engine not in ENGINES:
        raise pytest.UsageError(f"--engine must be one of {', '.join(ENGINES)}")
    _selected = engine


def selected() -> str:
    return _selected


def pg_params(dbname: str | None = None) -> dict[str, Any]:
    """Connection parameters from the environment of the ``postgres`` dbt target."""
    return {
        "host": os.environ.get("JOURNEYS_PG_HOST", "localhost"),
        "port": int(os.environ.get("JOURNEYS_PG_PORT", "5432")),
        "user": os.environ.get("JOURNEYS_PG_USER", "journeys"),
        "password": os.environ.get("JOURNEYS_PG_PASSWORD", "journeys"),
        "dbname": dbname or os.environ.get("JOURNEYS_PG_DATABASE", "journeys"),
    }


def unavailable(engine: str) -> str | None:
    """Why ``engine`` cannot run here, or None when it can."""
    if engine == "postgres":
        try:
            import psycopg2
        except ImportError:
            return "psycopg2 is not installed (pip install -e '.[postgres]')"
        try:
            psycopg2.connect(connect_timeout=3, **pg_params()).close()
        except psycopg2.Error as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else "no answer"
            return (f"no PostgreSQL server for JOURNEYS_PG_* ({first}); .ci/run installs and "
                    "starts one")
    if engine == "spark":
        try:
            import pyspark  # noqa: F401
        except ImportError:
            return "pyspark is not installed (pip install -e '.[spark]')"
        if not _java_found():
            return "no Java runtime for Spark (java on PATH or JAVA_HOME)"
    return None


def _java_found() -> bool:
    import shutil
    home = os.environ.get("JAVA_HOME")
    return bool(shutil.which("java") or (home and os.path.exists(os.path.join(home, "bin/java"))))


def spark_parameters() -> dict[str, str]:
    """The Spark settings of the ``spark`` dbt target (dbt_project/profiles.yml), so that
    the tests' session plans as dbt's does; the warehouse folder is the caller's."""
    from journeys.project import target_output
    from journeys.settings import Settings
    root = Path(__file__).resolve().parents[1]
    output = target_output(Settings(root, root / "unused.duckdb", target="spark"))
    return {key: str(value) for key, value in output["server_side_parameters"].items()
            if key != "spark.sql.warehouse.dir"}


def spark_session() -> Any:
    """The process's one local Spark session (its start costs seconds)."""
    global _spark
    if _spark is None:
        from pyspark.sql import SparkSession as PySparkSession
        builder = PySparkSession.builder.master("local[2]").appName("journeys-tests")
        for key, value in spark_parameters().items():
            builder = builder.config(key, value)
        _spark = (builder
                  .config("spark.sql.warehouse.dir", tempfile.mkdtemp(prefix="journeys-spark-"))
                  .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
                  # the worlds are a few rows: compiling generated code for every stage
                  # costs more than interpreting it, and one partition is plenty
                  .config("spark.sql.codegen.wholeStage", "false")
                  .config("spark.sql.shuffle.partitions", "1")
                  .getOrCreate())
        _spark.sparkContext.setLogLevel("OFF")
    return _spark


def open_session(engine: str) -> Session:
    """A fresh, empty warehouse on ``engine``."""
    reason = unavailable(engine)
    if reason:
        pytest.skip(f"{engine}: {reason}")
    if engine == "postgres":
        session = PostgresSession(_new_database()[1])
        session.execute("create schema if not exists main")
        session.execute("set search_path to main")
        return session
    if engine == "spark":
        spark = spark_session()
        session = SparkSession(spark)
        session.execute("use default")
        for database in session.databases():
            if database != "default":
                session.execute(f"drop database if exists {database} cascade")
        for view in spark.sql("show views").collect():
            if view.isTemporary:
                session.execute(f"drop view if exists {view.viewName}")
        session.execute("create schema if not exists main")
        session.execute("use main")
        return session
    return DuckDBSession(duckdb.connect())


def cleanup() -> None:
    """Drop the PostgreSQL databases this process made (at the end of the test session)."""
    if not _databases:
        return
    import psycopg2
    for _, con in _databases:
        con.close()
    admin = psycopg2.connect(**pg_params())
    admin.autocommit = True
    with admin.cursor() as cur:
        for name, _ in _databases:
            cur.execute(f"drop database if exists {name}")
    admin.close()
    _databases.clear()


def copy_inputs_to_postgres(duckdb_path: str, dbname: str) -> None:
    """The C3 input tables of a DuckDB warehouse, copied into schema main of a PostgreSQL
    database (COPY, so that the demo's warehouse loads in seconds)."""
    import csv
    import io

    import psycopg2
    source = duckdb.connect(duckdb_path, read_only=True)
    target = psycopg2.connect(**pg_params(dbname))
    try:
        with target, target.cursor() as cur:
            for table in SOURCE_TABLES:
                schema, name = table.split(".")
                cur.execute(f"create schema if not exists {schema}")
                cols = source.execute(
                    "select column_name, data_type from information_schema.columns where "
                    "table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, name]).fetchall()
                if not cols:
                    continue
                ddl = ", ".join(f'"{c}" {_pg_type(t)}' for c, t in cols)
                cur.execute(f"drop table if exists {table}")
                cur.execute(f"create table {table} ({ddl})")
                buffer = io.StringIO()
                writer = csv.writer(buffer)
                for row in source.execute(f"select * from {table}").fetchall():
                    writer.writerow(["\\N" if v is None else v for v in row])
                buffer.seek(0)
                cur.copy_expert(f"copy {table} from stdin with (format csv, null '\\N')",
                                buffer)
    finally:
        source.close()
        target.close()


def _pg_type(duckdb_type: str) -> str:
    """A DuckDB column type (information_schema's name) as PostgreSQL's, text if unknown."""
    name = duckdb_type.lower()
    return type_sql(name, "postgres") if name in SQL_TYPES else "text"


def create_postgres_database() -> str:
    """A new empty database on the test server (dropped at the end of the session)."""
    return _new_database()[0]


def _new_database() -> tuple[str, Any]:
    """A new database and a connection to it, both released by :func:`cleanup`."""
    import psycopg2
    name = f"journeys_test_{os.getpid()}_{next(_counter)}"
    admin = psycopg2.connect(**pg_params())
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"drop database if exists {name}")
        cur.execute(f"create database {name}")
    admin.close()
    con = psycopg2.connect(**pg_params(name))
    _databases.append((name, con))
    return name, con
