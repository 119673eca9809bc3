"""Dagster runs the journeys: definitions, schedules' clocks, one journey's tick equal to
`journeys run`, overlapping ticks, failed ticks (real dbt, real DuckDB files)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration_defs.dbt.cli_args import dbt_build_args
from orchestration_defs.ticks.clock import CLOCK_TAG
from tests.journeys.test_atomic_ticks import warehouse_tables
from tests.project_copy import FAILING_MODEL, copy_project
from tests.warehouses import live_warehouse

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
T1, T2 = datetime(2026, 10, 31, 6), datetime(2026, 10, 31, 7)
SLOW_MODEL = """{{ config(materialized='table') }}
select count(*) as n from {{ ref('stg_profiles') }}, range(300000000)
"""


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dagster") / "source.duckdb"
    live_warehouse(path, profiles=300, days=3, end=datetime(2026, 11, 1), seed=5)
    return path


def _project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project", "workspace.yaml")


def _env(project: Path, warehouse: Path) -> dict[str, str]:
    (project / "dagster_home").mkdir(exist_ok=True)
    return {**os.environ, "JOURNEYS_PROJECT_ROOT": str(project),
            "JOURNEYS_WAREHOUSE": str(warehouse), "PYTHONPATH": str(REPO),
            "DAGSTER_HOME": str(project / "dagster_home")}


def _scenario(name: str, project: Path, warehouse: Path, clock: datetime = T1) -> dict:
    done = subprocess.run([sys.executable, "-m", "tests.orchestration_defs.scenarios", name,
                           str(clock)], env=_env(project, warehouse), cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_dbt_arguments_carry_the_clock_as_a_var() -> None:
    assert dbt_build_args(T1) == ["build", "--vars", '{"run_at": "2026-10-31 06:00:00"}']


@pytest.mark.slow
def test_the_definitions_load_and_validate(tmp_path: Path) -> None:
    project = _project(tmp_path)
    done = subprocess.run([str(BIN / "dagster"), "definitions", "validate", "-w",
                           "workspace.yaml"], cwd=project, capture_output=True, text=True,
                          env=_env(project, tmp_path / "absent.duckdb"), timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def test_a_schedule_ticks_at_its_scheduled_time_not_the_wall_clock() -> None:
    from orchestration_defs.definitions import defs

    schedule = defs.resolve_schedule_def("welcome_series_schedule")
    assert schedule.cron_schedule == "0 * * * *" and schedule.execution_timezone == "UTC"
    scheduled = datetime(2026, 3, 29, 1, tzinfo=UTC)
    with dg.build_schedule_context(scheduled_execution_time=scheduled) as context:
        request = schedule.evaluate_tick(context).run_requests[0]
    assert request.run_config == {
        "resources": {"tick_clock": {"config": {"at": "2026-03-29 01:00:00"}}}}
    assert request.tags[CLOCK_TAG] == "2026-03-29 01:00:00"


def test_every_journey_has_a_group_a_job_and_a_schedule() -> None:
    from orchestration_defs.definitions import defs

    graph = defs.resolve_asset_graph()
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys()}
    journeys = sorted(p.stem for p in (REPO / "journey_specs").glob("[!_]*.yml"))
    assert set(journeys) <= groups and {"journey_outputs", "reverse_etl"} <= groups
    for journey_id in journeys:
        assert defs.resolve_job_def(f"tick_{journey_id}")
        assert defs.resolve_schedule_def(f"{journey_id}_schedule")
    checks = {key.name for key in graph.asset_check_keys}
    assert any(name.startswith("journeys_unique_combination_due_actions") or
               name.startswith("unique_due_actions_action_id") for name in checks)
    assert any("welcome_series__open" in name for name in checks)


@pytest.mark.slow
def test_one_journeys_tick_in_dagster_equals_journeys_run(source: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    via_dagster, via_cli = tmp_path / "dagster.duckdb", tmp_path / "cli.duckdb"
    shutil.copy(source, via_dagster)
    shutil.copy(source, via_cli)
    project = _project(tmp_path)
    summary = _scenario("single", project, via_dagster)
    assert summary["success"] and "dispatch" in summary["materialized"]
    # the journey's tick asset shows its numbers and its picture in the UI
    shown = summary["metadata"]["journeys_internal/welcome_series__tick"]
    assert int(shown["journey/entered"]) > 0 and int(shown["journey/active"]) > 0
    assert shown["picture"].startswith("![Welcome Series](data:image/svg+xml;base64,")
    assert shown["picture_page"].endswith("journey_pictures/welcome_series.html")
    done = subprocess.run([str(BIN / "journeys"), "run", "--at", str(T1)], cwd=project,
                          env=_env(project, via_cli), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    ours, theirs = warehouse_tables(via_dagster), warehouse_tables(via_cli)
    # Dagster's run also dispatched (to the demo's outbox files) every due action so far,
    # once: sent, or suppressed when its entry exited early. `journeys run` does not dispatch.
    due = sorted(r[0] for r in ours["journeys.due_actions"])
    logged = ours.pop("journeys.delivery_log")
    assert sorted({r[0] for r in logged}) == due
    assert {r[2] for r in logged} <= {"sent", "suppressed", "deferred"}
    for internal in ("dispatch_queue", "dispatch_cursor", "governance_cursor",
                     "dispatch_intents", "dispatch_outcomes"):
        ours.pop(f"journeys_internal.{internal}")
    # governance decides across the journeys due at a clock: one journey's tick and a tick
    # of all five compete for different frequency-cap slots
    ours.pop("journeys.governed_actions")
    compared = 0
    for name, rows in ours.items():
        table = name.split(".")[1]
        if table.startswith("welcome_series__") or table == "journey_control":
            assert rows == theirs[name], name  # the audit trail: the same copied input
            compared += len(rows)
        elif not table.startswith(("stg_", "event_upsell", "post_purchase", "re_engagement",
                                   "renewal_reminders", "onboarding_nudge_test")):
            mine = [r for r in theirs[name] if "welcome_series" in r]
            assert rows == mine, name
            compared += len(rows)
    assert compared > 50


@pytest.mark.slow
def test_a_second_tick_while_one_runs_is_skipped_and_the_tables_show_one_tick(
        source: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(source, warehouse)
    project = _project(tmp_path)
    (project / "dbt_project/models/audiences/slow_model.sql").write_text(SLOW_MODEL)
    outcome = _scenario("overlap", project, warehouse)
    assert outcome["first"]["success"]
    assert outcome["second"]["skipped"], outcome["second"]
    assert "busy with dagster run" in outcome["second"]["skipped"][0]
    assert "dispatch" not in outcome["second"]["materialized"]
    with duckdb.connect(str(warehouse)) as con:
        ticks = con.execute("select journey_id, tick_at from journeys.journey_ticks").fetchall()
    assert ticks == [("welcome_series", T1)]


@pytest.mark.slow
def test_a_failed_tick_leaves_the_tables_as_they_were_and_dispatches_nothing(
        source: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(source, warehouse)
    project = _project(tmp_path)
    assert _scenario("single", project, warehouse, T1)["success"]
    before = warehouse_tables(warehouse)
    (project / "dbt_project/models/audiences/injected_failure.sql").write_text(FAILING_MODEL)
    outcome = _scenario("single", project, warehouse, T2)
    assert not outcome["success"]
    assert outcome["rolled_back"]
    assert "dispatch" not in outcome["materialized"]
    assert warehouse_tables(warehouse) == before
