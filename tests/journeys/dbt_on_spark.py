"""`dbt build` ticks on the `spark` target, in a process of their own.

dbt-spark's session method runs Spark inside dbt's process and reuses whatever session the
process already has, so this runs apart from the tests' own Spark session: it starts one
with the target's settings, copies the C3 inputs of a DuckDB warehouse into schema `main`,
runs one `dbt build` per clock and writes the compared tables (and each tick's wall time)
as JSON::

    python -m tests.journeys.dbt_on_spark WAREHOUSE.duckdb PROJECT_ROOT OUT.json CLOCK...

Used by tests/journeys/test_dbt_targets.py and to measure the demo tick on Spark.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import duckdb

from journeys.project import prepare_dbt_project
from journeys.settings import Settings
from journeys.tick.dbt_runner import run_dbt
from tests.engines import SOURCE_TABLES, spark_parameters

COMPARED = ("journey_steps", "journey_state", "due_actions", "profile_updates",
            "governed_actions", "journey_conversions", "journey_tile_stats", "journey_metrics")


def _session(warehouse: Path):  # type: ignore[no-untyped-def]
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master("local[2]")
    for key, value in spark_parameters().items():
        builder = builder.config(key, value)
    session = builder.config("spark.sql.warehouse.dir", str(warehouse)).getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def copy_inputs(spark, source: Path, scratch: Path) -> None:  # type: ignore[no-untyped-def]
    """The C3 tables of a DuckDB warehouse into Spark's schema main (through parquet)."""
    with duckdb.connect(str(source), read_only=True) as con:
        for table in SOURCE_TABLES:
            spark.sql(f"create schema if not exists {table.split('.')[0]}").collect()
            path = scratch / f"{table}.parquet"
            con.execute(f"copy {table} to '{path}' (format parquet)")
            spark.sql(f"drop table if exists {table}").collect()
            spark.sql(f"create table {table} using parquet as "
                      f"select * from parquet.`{path}`").collect()


def _value(value: object) -> object:
    return value.isoformat(sep=" ") if isinstance(value, datetime) else value


def main(argv: list[str]) -> int:
    source, root, out = Path(argv[0]), Path(argv[1]), Path(argv[2])
    clocks = [datetime.fromisoformat(c) for c in argv[3:]]
    scratch = Path(tempfile.mkdtemp(prefix="journeys-dbt-spark-"))
    os.environ["JOURNEYS_DBT_TARGET"] = "spark"
    os.environ["JOURNEYS_SPARK_WAREHOUSE"] = str(scratch / "warehouse")
    spark = _session(scratch / "warehouse")
    copy_inputs(spark, source, scratch)
    settings = Settings(project_root=root, warehouse=scratch / "unused.duckdb", target="spark")
    prepare_dbt_project(settings)
    seconds = []
    for clock in clocks:
        started = time.perf_counter()
        run_dbt(settings, "build", clock)
        seconds.append(round(time.perf_counter() - started, 2))
    tables = {}
    for table in COMPARED:
        frame = spark.sql(f"select * from journeys.{table}")
        tables[table] = [{k: _value(v) for k, v in row.asDict().items()}
                         for row in frame.collect()]
    out.write_text(json.dumps({"seconds": seconds, "tables": tables}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
