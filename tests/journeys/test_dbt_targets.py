"""The same project through dbt on another target: `dbt build` with JOURNEYS_DBT_TARGET
set writes the same journey tables as DuckDB does.

The PostgreSQL target runs when a server answers at JOURNEYS_PG_* (``.ci/run`` installs and
starts one); the Spark target when pyspark, dbt-spark and Java are installed (``.ci/run``
installs the ``spark`` extra); elsewhere they skip, saying why.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from journeys.project import compile_project, prepare_dbt_project
from journeys.settings import Settings
from journeys.tick.dbt_runner import run_dbt
from journeys.tick.runner import simulate
from tests import engines
from tests.journeys.compare import canonical
from tests.journeys.dbt_on_spark import COMPARED
from tests.project_copy import copy_project
from tests.warehouses import live_warehouse

CLOCKS = [datetime(2026, 10, 30, 0), datetime(2026, 10, 30, 6), datetime(2026, 10, 31, 12)]
SPARK_CLOCKS = [CLOCKS[0], CLOCKS[2]]  # a dbt build costs a minute on Spark: admit, then advance


def _rows(names: list[str], rows: list[tuple]) -> list[dict]:
    out = []
    for row in rows:
        item = dict(zip(names, row, strict=True))
        if isinstance(item.get("payload"), dict):
            item["payload"] = json.dumps(item["payload"])
        out.append(item)
    return out


def _duckdb_tables(path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path)) as con:
        out = {}
        for table in COMPARED:
            cur = con.execute(f"select * from journeys.{table}")
            out[table] = canonical(table, _rows([d[0] for d in cur.description],
                                                cur.fetchall()))
        return out


def _postgres_tables(dbname: str) -> dict[str, list[tuple]]:
    import psycopg2
    con = psycopg2.connect(**engines.pg_params(dbname))
    try:
        out = {}
        with con.cursor() as cur:
            for table in COMPARED:
                cur.execute(f"select * from journeys.{table}")
                out[table] = canonical(table, _rows([d[0] for d in cur.description],
                                                    cur.fetchall()))
        return out
    finally:
        con.close()


@pytest.mark.slow
@pytest.mark.postgres
def test_dbt_build_on_postgres_writes_the_tables_duckdb_writes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reason = engines.unavailable("postgres")
    if reason:
        pytest.skip(f"postgres: {reason}")
    pytest.importorskip("dbt.adapters.postgres", reason="dbt-postgres is not installed "
                        "(pip install -e '.[postgres]')")
    warehouse = tmp_path / "source.duckdb"
    live_warehouse(warehouse, profiles=300, days=5, end=datetime(2026, 11, 1), seed=5)
    dbname = engines.create_postgres_database()
    engines.copy_inputs_to_postgres(str(warehouse), dbname)

    root = copy_project(tmp_path / "project")
    for name, value in engines.pg_params(dbname).items():
        monkeypatch.setenv(f"JOURNEYS_PG_{'DATABASE' if name == 'dbname' else name.upper()}",
                           str(value))
    monkeypatch.setenv("JOURNEYS_DBT_TARGET", "postgres")
    on_postgres = Settings(project_root=root, warehouse=tmp_path / "unused.duckdb",
                           target="postgres")
    prepare_dbt_project(on_postgres)
    assert "JSON_BUILD_OBJECT" in (root / "dbt_project/models/journeys/welcome_series/"
                                   "welcome_series__actions.sql").read_text()
    for clock in CLOCKS:
        run_dbt(on_postgres, "build", clock)
    # the models ran with JIT off (the journeys_session_settings pre-hook)
    assert "set local jit = off" in (root / "dbt_project/logs/dbt.log").read_text()

    reference = Settings(project_root=tmp_path / "project", warehouse=warehouse)
    simulate(reference, compile_project(reference, "duckdb"), CLOCKS)

    expected, actual = _duckdb_tables(warehouse), _postgres_tables(dbname)
    assert sum(len(rows) for rows in expected.values()) > 100
    for table in COMPARED:
        assert actual[table] == expected[table], table


@pytest.mark.slow
@pytest.mark.spark
def test_dbt_build_on_spark_writes_the_tables_duckdb_writes(tmp_path: Path) -> None:
    """dbt-spark's session method runs Spark in dbt's own process, so the ticks run in a
    process of their own (tests/journeys/dbt_on_spark.py), apart from the tests' session."""
    reason = engines.unavailable("spark")
    if reason:
        pytest.skip(f"spark: {reason}")
    pytest.importorskip("dbt.adapters.spark", reason="dbt-spark is not installed "
                        "(pip install -e '.[spark]')")
    warehouse = tmp_path / "source.duckdb"
    live_warehouse(warehouse, profiles=300, days=5, end=datetime(2026, 11, 1), seed=5)
    out = tmp_path / "spark.json"
    root = copy_project(tmp_path / "project")
    subprocess.run([sys.executable, "-m", "tests.journeys.dbt_on_spark", str(warehouse),
                    str(root), str(out), *[c.isoformat() for c in SPARK_CLOCKS]],
                   check=True, cwd=Path(__file__).resolve().parents[2], timeout=1800,
                   stdout=subprocess.DEVNULL)
    assert "NAMED_STRUCT" in (root / "dbt_project/models/journeys/welcome_series/"
                              "welcome_series__actions.sql").read_text()

    reference = Settings(project_root=tmp_path / "reference", warehouse=warehouse)
    copy_project(tmp_path / "reference")
    simulate(reference, compile_project(reference, "duckdb"), SPARK_CLOCKS)

    expected = _duckdb_tables(warehouse)
    written = json.loads(out.read_text())["tables"]
    actual = {table: canonical(table, [_spark_row(r) for r in rows])
              for table, rows in written.items()}
    assert sum(len(rows) for rows in expected.values()) > 100
    for table in COMPARED:
        assert actual[table] == expected[table], table


def _spark_row(row: dict) -> dict:
    """A row as dbt_on_spark wrote it (timestamps as text) in the types DuckDB returns."""
    out = {}
    for name, value in row.items():
        if isinstance(value, str) and name.endswith(("_at", "_until")) and len(value) >= 19:
            value = datetime.fromisoformat(value)
        out[name] = value
    return out
