"""The `journeys` command as a user meets it: real subprocesses, real files, real DuckDB."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from tests.project_copy import copy_project
from tests.warehouses import live_warehouse

REPO = Path(__file__).resolve().parents[3]
JOURNEYS = [sys.executable, "-m", "journeys.cli"]


def run(args: list[str], cwd: Path, warehouse: Path | None = None) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "PYTHONPATH": str(REPO)}  # this checkout
    if warehouse is not None:
        env["JOURNEYS_WAREHOUSE"] = str(warehouse)
    return subprocess.run([*JOURNEYS, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A copy of the repository's project files (specs and dbt project) to break freely."""
    return copy_project(tmp_path / "project")


def test_validate_accepts_the_seed_journeys(project: Path) -> None:
    result = run(["validate"], project)
    assert result.returncode == 0, result.stderr
    assert "6 journey(s) valid" in result.stdout


def test_validate_lists_every_problem_with_file_and_tile_and_exits_1(project: Path) -> None:
    spec = project / "journey_specs" / "welcome_series.yml"
    text = spec.read_text().replace("next: welcome_email", "next: welcome_emial")
    spec.write_text(text.replace("template: d-tips", "template: d-tips\n    colour: red"))
    result = run(["validate"], project)
    assert result.returncode == 1
    assert ("journey_specs/welcome_series.yml: tile 'wait_1h': next 'welcome_emial' is not a "
            "tile (did you mean 'welcome_email'?)") in result.stderr
    assert "unknown key 'colour'" in result.stderr
    assert "Traceback" not in result.stderr


def test_compile_check_passes_on_the_committed_models() -> None:
    result = run(["compile", "--check"], REPO)
    assert result.returncode == 0, result.stderr


def test_compile_check_fails_when_a_spec_changed_and_compile_fixes_it(project: Path) -> None:
    spec = project / "journey_specs" / "welcome_series.yml"
    spec.write_text(spec.read_text().replace("duration: 3d", "duration: 4d"))
    stale = run(["compile", "--check"], project)
    assert stale.returncode == 1
    assert "welcome_series__advance_open.sql" in stale.stderr
    assert run(["compile"], project).returncode == 0
    assert run(["compile", "--check"], project).returncode == 0


def test_compile_removes_models_of_a_deleted_spec(project: Path) -> None:
    (project / "journey_specs" / "event_upsell.yml").unlink()
    assert run(["compile"], project).returncode == 0
    assert not (project / "dbt_project/models/journeys/event_upsell").exists()
    assert run(["compile", "--check"], project).returncode == 0


def test_run_without_a_warehouse_says_how_to_make_one(project: Path) -> None:
    result = run(["run", "--at", "2026-03-01T00:00:00Z", "--engine", "inprocess"], project,
                 warehouse=project / "missing.duckdb")
    assert result.returncode == 1
    assert "no warehouse at" in result.stderr and "journeys demo" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_clock_is_a_clear_error(project: Path) -> None:
    result = run(["run", "--at", "yesterday"], project)
    assert result.returncode == 1
    assert "'yesterday' is not a timestamp" in result.stderr


def test_rerunning_a_tick_changes_nothing_and_says_so(project: Path) -> None:
    warehouse = project / "w.duckdb"
    live_warehouse(warehouse, profiles=200, days=5, end=datetime(2026, 11, 1), seed=1)
    first = run(["run", "--at", "2026-10-31T12:00:00Z", "--engine", "inprocess"], project,
                warehouse)
    assert first.returncode == 0, first.stderr
    with duckdb.connect(str(warehouse)) as con:
        before = con.execute("select count(*) from journeys.journey_steps").fetchone()
    again = run(["run", "--at", "2026-10-31T11:00:00Z", "--engine", "inprocess"], project,
                warehouse)
    assert again.returncode == 0, again.stderr
    assert "changes nothing (S1)" in again.stdout
    with duckdb.connect(str(warehouse)) as con:
        assert con.execute("select count(*) from journeys.journey_steps").fetchone() == before


def test_simulate_runs_consecutive_ticks(project: Path) -> None:
    warehouse = project / "w.duckdb"
    live_warehouse(warehouse, profiles=200, days=5, end=datetime(2026, 11, 1), seed=1)
    result = run(["simulate", "--start", "2026-10-30T00:00:00Z", "--end",
                  "2026-10-30T05:00:00Z", "--every", "1h"], project, warehouse)
    assert result.returncode == 0, result.stderr
    assert "6 ticks" in result.stdout
    with duckdb.connect(str(warehouse)) as con:
        ticks = con.execute("select count(distinct tick_at) from journeys.journey_ticks").fetchone()
    assert ticks == (6,)


def test_status_json_and_render_after_a_few_ticks(project: Path) -> None:
    warehouse = project / "w.duckdb"
    live_warehouse(warehouse, profiles=200, days=5, end=datetime(2026, 11, 1), seed=1)
    ticked = run(["simulate", "--start", "2026-10-30T18:00:00Z", "--end",
                  "2026-10-31T00:00:00Z"], project, warehouse)
    assert ticked.returncode == 0, ticked.stderr
    status = run(["status", "--json"], project, warehouse)
    assert status.returncode == 0, status.stderr
    journeys = {j["journey_id"]: j for j in json.loads(status.stdout)}
    assert set(journeys) == {p.stem for p in (project / "journey_specs").glob("[a-z]*.yml")}
    welcome = journeys["welcome_series"]
    assert welcome["state"] == "active"
    assert welcome["metrics"]["entered"] > 0
    assert welcome["metrics"]["last_tick_at"] == "2026-10-31T00:00:00"
    assert [t["tile_id"] for t in welcome["tiles"]][:3] == ["start", "wait_1h", "welcome_email"]
    drawn = run(["render", "welcome_series", "--out", str(project / "pics")], project, warehouse)
    assert drawn.returncode == 0, drawn.stderr
    svg = (project / "pics" / "welcome_series.svg").read_text()
    assert 'id="tile-welcome_email"' in svg
    assert "<svg" in (project / "pics" / "welcome_series.html").read_text()


def test_status_and_render_name_an_unknown_journey(project: Path) -> None:
    for args in (["status", "welcom_series"], ["render", "welcom_series"]):
        result = run(args, project, project / "w.duckdb")
        assert result.returncode == 1
        assert "no journey 'welcom_series'" in result.stderr and "Traceback" not in result.stderr
