"""A dbt tick is all or nothing, and one at a time (journeys.tick.guarded).

Real dbt runs on real DuckDB files: a model that fails half-way through a tick, a
`journeys run` killed half-way, a second tick while one holds the warehouse.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from journeys.project import compile_project
from journeys.settings import Settings
from journeys.tick.runner import run_dbt_tick, simulate
from journeys.warehouse import journal
from journeys.warehouse.lease import TickBusy, tick_lease
from tests.project_copy import FAILING_MODEL, copy_project
from tests.warehouses import live_warehouse

REPO = Path(__file__).resolve().parents[2]
T1, T2 = datetime(2026, 10, 31, 6), datetime(2026, 10, 31, 7)
SLOW_MODEL = """{{ config(materialized='table') }}
select count(*) as n from {{ ref('welcome_series__open') }}, range(400000000)
"""


def warehouse_tables(path: Path) -> dict[str, list[tuple]]:
    """Every table the engine owns, rows sorted (journal and its copies left out)."""
    con = duckdb.connect(str(path))  # same configuration as dbt-duckdb's open handle
    try:
        names = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema like 'journeys%' and table_type = 'BASE TABLE' "
            "and table_name <> 'tick_journal' and table_name not like '%__before_tick' "
            "order by 1").fetchall()
        out = {}
        for (name,) in names:
            cols = [r[0] for r in con.execute(
                "select column_name from information_schema.columns where table_schema || '.' "
                "|| table_name = ? and column_name <> 'duration_ms' order by ordinal_position",
                [name]).fetchall()]
            rows = con.execute(f"select {', '.join(cols)} from {name}").fetchall()
            out[name] = sorted(rows, key=lambda r: tuple((v is None, str(v)) for v in r))
        return out
    finally:
        con.close()


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("atomic") / "source.duckdb"
    live_warehouse(path, profiles=300, days=3, end=datetime(2026, 11, 1), seed=5)
    return path


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


def _reference(source: Path, tmp_path: Path, clocks: list[datetime]) -> Path:
    """The same ticks, never interrupted (in-process: the same tables as dbt's, a test
    of its own checks that)."""
    path = tmp_path / "reference.duckdb"
    shutil.copy(source, path)
    settings = Settings(project_root=REPO, warehouse=path)
    simulate(settings, compile_project(settings), clocks, batch=1)
    return path


def _outputs(path: Path) -> dict[str, list[tuple]]:
    return {name: rows for name, rows in warehouse_tables(path).items()
            if name.split(".")[1] in ("journey_steps", "due_actions", "profile_updates",
                                      "journey_ticks", "journey_ended_entries")
            or name.endswith(("__open", "__members"))}


@pytest.mark.slow
def test_a_tick_that_fails_leaves_the_tables_as_they_were_and_the_next_catches_up(
        source: Path, project: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(source, warehouse)
    settings = Settings(project_root=project, warehouse=warehouse)
    run_dbt_tick(settings, T1)
    before = warehouse_tables(warehouse)

    failing = project / "dbt_project/models/audiences/injected_failure.sql"
    failing.write_text(FAILING_MODEL)
    lines: list[str] = []
    with pytest.raises(Exception, match="injected failure"):
        run_dbt_tick(settings, T2, log=lines.append)
    assert any("rolled back" in line for line in lines)
    assert warehouse_tables(warehouse) == before

    failing.unlink()
    run_dbt_tick(settings, T2)
    assert _outputs(warehouse) == _outputs(_reference(source, tmp_path, [T1, T2]))


@pytest.mark.slow
def test_a_tick_killed_half_way_is_rolled_back_by_the_next_one(
        source: Path, project: Path, tmp_path: Path) -> None:
    # every dbt run in a subprocess: dbt-duckdb keeps the file open in the process it ran in
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(source, warehouse)
    env = {**os.environ, "JOURNEYS_PROJECT_ROOT": str(project),
           "JOURNEYS_WAREHOUSE": str(warehouse)}
    command = [sys.executable, "-m", "journeys.cli", "run", "--at"]
    subprocess.run([*command, str(T1)], env=env, cwd=project, check=True, timeout=300,
                   capture_output=True)
    slow = project / "dbt_project/models/audiences/slow_model.sql"
    slow.write_text(SLOW_MODEL)
    tick = subprocess.Popen([*command, str(T2)], env=env, cwd=project, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    log = project / "dbt_project/logs/dbt.log"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and tick.poll() is None:
        if log.exists() and "slow_model" in log.read_text(errors="replace"):
            break
        time.sleep(0.05)
    assert tick.poll() is None, f"the tick ended before it could be killed: {tick.stderr}"
    time.sleep(0.3)
    os.killpg(tick.pid, signal.SIGKILL)
    tick.wait(timeout=30)
    with duckdb.connect(str(warehouse)) as con:
        assert con.execute(f"select count(*) from {journal.JOURNAL}").fetchone()[0] > 0

    slow.unlink()
    done = subprocess.run([*command, str(T2)], env=env, cwd=project, timeout=300,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "rolled back tick 2026-10-31 07:00:00" in done.stderr
    assert _outputs(warehouse) == _outputs(_reference(source, tmp_path, [T1, T2]))


def test_a_second_tick_while_one_holds_the_warehouse_is_refused_and_says_why(
        tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    with tick_lease(warehouse, "dagster run 1234abcd", T1):
        with pytest.raises(TickBusy, match="dagster run 1234abcd.*tick 2026-10-31 06:00"):
            with tick_lease(warehouse, "journeys run", T2, wait_s=0.3):
                pass
    with tick_lease(warehouse, "journeys run", T2):
        pass  # released when the first holder is done


def test_a_killed_holder_releases_the_lease(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    code = ("import sys, time, datetime; from pathlib import Path; "
            "from journeys.warehouse.lease import tick_lease; "
            f"cm = tick_lease(Path({str(warehouse)!r}), 'doomed', datetime.datetime(2026, 1, 1));"
            " cm.__enter__(); print('held', flush=True); time.sleep(60)")
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout and holder.stdout.readline().strip() == "held"
    with pytest.raises(TickBusy, match="doomed"):
        with tick_lease(warehouse, "journeys run", T1):
            pass
    holder.kill()
    holder.wait(timeout=10)
    with tick_lease(warehouse, "journeys run", T1, wait_s=5):
        pass
