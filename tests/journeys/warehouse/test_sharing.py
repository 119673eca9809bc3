"""The embedded warehouse shared by real processes: readers read the reader copy, writers
take turns on the working file, and whoever has to wait is told who holds what."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from journeys.warehouse.lease import READER, tick_lease
from journeys.warehouse.readers import reader_path, reading
from tests.project_copy import copy_project
from tests.warehouses import live_warehouse

REPO = Path(__file__).resolve().parents[3]
T1, T2 = "2026-11-01 01:00:00", "2026-11-01 02:00:00"
TICKS = "select count(*) from journeys.journey_ticks"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("sharing")
    path = base / "source.duckdb"
    live_warehouse(path, copy_project(base / "project"), profiles=60, days=2,
                   end=datetime(2026, 11, 1), seed=3)
    return path


@pytest.fixture
def project(tmp_path: Path, source: Path) -> Path:
    root = copy_project(tmp_path / "project")
    (tmp_path / "warehouse.duckdb").write_bytes(source.read_bytes())
    return root


def journeys(project: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(project),
           "PYTHONPATH": str(REPO), "JOURNEYS_PROJECT_ROOT": str(project),
           "JOURNEYS_WAREHOUSE": str(project.parent / "warehouse.duckdb")}
    return subprocess.run([sys.executable, "-m", "journeys.cli", *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=timeout)


def holder(path: Path, read_only: bool, query: str = TICKS) -> subprocess.Popen:
    """A process outside the tool (a BI tool, a notebook) holding ``path`` open."""
    process = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; con = duckdb.connect(sys.argv[1], "
         f"read_only={read_only}); print(con.execute(sys.argv[2]).fetchone()[0], flush=True); "
         "sys.stdin.readline(); print(con.execute(sys.argv[2]).fetchone()[0], flush=True)",
         str(path), query], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    return process


def test_a_bi_tool_holding_the_reader_copy_sees_whole_ticks_and_blocks_no_tick(
        project: Path) -> None:
    warehouse = project.parent / "warehouse.duckdb"
    assert journeys(project, "run", "--engine", "inprocess", "--at", T1).returncode == 0
    bi = holder(reader_path(warehouse), read_only=True)
    try:
        assert bi.stdout is not None
        before = int(bi.stdout.readline())
        ticked = journeys(project, "run", "--engine", "inprocess", "--at", T2)
        assert ticked.returncode == 0, ticked.stderr
        bi.stdin.write("\n")
        bi.stdin.flush()
        held = int(bi.stdout.readline())
    finally:
        bi.kill()
        bi.wait()
    with duckdb.connect(str(reader_path(warehouse)), read_only=True) as fresh:
        after = fresh.execute(TICKS).fetchone()[0]
    assert before > 0 and held == before  # the held connection keeps its whole tick
    assert after > before  # a new connection sees the next one


def test_a_process_holding_the_working_file_is_waited_for_then_named(project: Path) -> None:
    warehouse = project.parent / "warehouse.duckdb"
    notebook = holder(warehouse, read_only=True, query="select count(*) from main.profiles")
    try:
        assert notebook.stdout is not None and notebook.stdout.readline()
        started = time.monotonic()
        refused = journeys(project, "run", "--engine", "inprocess", "--at", T1)
        waited = time.monotonic() - started
    finally:
        notebook.kill()
        notebook.wait()
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    line = refused.stderr.strip().splitlines()[-1]
    assert "is held by " in line and f"(pid {notebook.pid}), outside journeys" in line
    assert str(reader_path(warehouse)) in line
    assert waited >= 10  # a bounded back-off first, not an immediate failure


def test_while_one_tick_holds_the_warehouse_a_second_says_who_and_runs_after_with_wait(
        project: Path) -> None:
    warehouse = project.parent / "warehouse.duckdb"
    release = threading.Event()

    def hold() -> None:
        with tick_lease(warehouse, "dagster run 1234abcd", datetime(2026, 11, 1, 1)):
            release.wait(30)

    thread = threading.Thread(target=hold)
    thread.start()
    time.sleep(0.3)
    try:
        busy = journeys(project, "run", "--engine", "inprocess", "--at", T1)
        threading.Timer(2.0, release.set).start()
        waited = journeys(project, "run", "--engine", "inprocess", "--at", T1, "--wait", "60")
    finally:
        release.set()
        thread.join()
    assert busy.returncode == 1 and "Traceback" not in busy.stderr
    assert "is busy with dagster run 1234abcd (tick 2026-11-01 01:00:00" in busy.stderr
    assert waited.returncode == 0, waited.stderr


def test_a_reader_refreshing_the_copy_never_makes_a_tick_skip(project: Path) -> None:
    warehouse = project.parent / "warehouse.duckdb"
    release = threading.Event()

    def refresh() -> None:
        with tick_lease(warehouse, READER, datetime(2026, 11, 1)):
            release.wait(30)

    thread = threading.Thread(target=refresh)
    thread.start()
    time.sleep(0.3)
    threading.Timer(2.0, release.set).start()
    try:
        ticked = journeys(project, "run", "--engine", "inprocess", "--at", T1)
    finally:
        release.set()
        thread.join()
    assert ticked.returncode == 0, ticked.stderr


def test_the_reader_copy_follows_a_load_written_outside_the_tool(project: Path) -> None:
    warehouse = project.parent / "warehouse.duckdb"
    with reading(warehouse) as con:
        profiles = con.execute("select count(*) from main.profiles").fetchone()[0]
    with duckdb.connect(str(warehouse)) as elt:
        elt.execute("insert into main.profiles (member_id, timezone) values ('late', 'UTC')")
    with reading(warehouse) as con:
        assert con.execute("select count(*) from main.profiles").fetchone()[0] == profiles + 1
