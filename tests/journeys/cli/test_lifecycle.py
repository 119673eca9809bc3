"""`journeys activate|pause|resume|archive|history` end to end: real subprocesses on a copy
of the project and a real DuckDB file (S18, the journey_control audit trail)."""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from journeys.demo.synthetic import generate_warehouse
from journeys.warehouse.setup import ensure_inputs
from tests.journeys.cli.test_commands import JOURNEYS, run
from tests.project_copy import copy_project
from tests.warehouses import activate_all

J = "welcome_series"


def run_as(actor: str, args: list[str], project: Path) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(project), "JOURNEYS_ACTOR": actor,
           "JOURNEYS_WAREHOUSE": str(project / "w.duckdb")}
    return subprocess.run([*JOURNEYS, *args], cwd=project, env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = copy_project(tmp_path / "project")
    generate_warehouse(root / "w.duckdb", profiles=50, days=3, end=datetime(2026, 11, 1), seed=2)
    return root


def control_rows(project: Path) -> list[tuple]:
    with duckdb.connect(str(project / "w.duckdb")) as con:
        ensure_inputs(con)
        return con.execute("select control_seq, action, state, actor from "
                           "journeys.journey_control where journey_id = ? order by control_seq",
                           [J]).fetchall()


def test_a_new_journey_is_a_draft_that_a_tick_leaves_alone_and_says_so(project: Path) -> None:
    result = run(["run", "--at", "2026-10-31T10:00:00Z", "--engine", "inprocess"], project,
                 project / "w.duckdb")
    assert result.returncode == 0, result.stderr
    assert f"{J}: draft, not ticked (`journeys activate {J}` starts it)" in result.stdout
    with duckdb.connect(str(project / "w.duckdb")) as con:
        assert con.execute("select count(*) from journeys.journey_steps").fetchone() == (0,)


def test_activation_validates_first_and_refuses_with_the_validation_messages(
        project: Path) -> None:
    spec = project / "journey_specs" / f"{J}.yml"
    good = spec.read_text()
    spec.write_text(good.replace("next: welcome_email", "next: welcome_emial"))
    validate = run(["validate"], project)
    refused = run_as("alice", ["activate", J], project)
    assert refused.returncode == 1
    messages = [line for line in validate.stderr.splitlines() if "journey_specs/" in line]
    assert messages and all(line in refused.stderr for line in messages)
    assert f"journey '{J}' was not activated" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert control_rows(project) == []
    spec.write_text(good)
    assert run_as("alice", ["activate", J], project).returncode == 0


def test_every_change_is_recorded_with_its_actor_and_invalid_ones_are_refused(
        project: Path) -> None:
    assert run_as("alice", ["resume", J], project).stderr.strip().endswith(
        f"cannot resume journey '{J}': it is a draft (never ticks until activated); from "
        "draft it can: activate, archive")
    done = run_as("alice", ["activate", J], project)
    assert done.returncode == 0, done.stderr
    assert f"{J}: active (change 1, by alice)" in done.stdout
    again = run_as("alice", ["activate", J], project)
    assert again.returncode == 1 and "it is active; from active it can: pause, archive" \
        in again.stderr
    assert run_as("alice", ["pause", J], project).returncode == 0
    entered = run_as("alice", ["enter", J, "m0000001"], project)
    assert entered.returncode == 1
    assert f"journey '{J}' is paused: members enter only an active journey" in entered.stderr
    assert run_as("alice", ["resume", J], project).returncode == 0
    archived = run(["archive", J, "--actor", "bob"], project, project / "w.duckdb")
    assert archived.returncode == 0, archived.stderr
    final = run_as("alice", ["activate", J], project)
    assert final.returncode == 1 and "final" in final.stderr
    assert control_rows(project) == [(1, "activate", "active", "alice"),
                                     (2, "pause", "paused", "alice"),
                                     (3, "resume", "active", "alice"),
                                     (4, "archive", "archived", "bob")]
    trail = run(["history", J], project, project / "w.duckdb")
    assert trail.returncode == 0 and "archive" in trail.stdout and "bob" in trail.stdout


def test_an_operator_can_pause_even_when_another_spec_is_broken(project: Path) -> None:
    assert run_as("alice", ["activate", J], project).returncode == 0
    (project / "journey_specs" / "post_purchase.yml").write_text("id: [broken")
    paused = run_as("oncall", ["pause", J], project)
    assert paused.returncode == 0, paused.stderr
    assert control_rows(project)[-1] == (2, "pause", "paused", "oncall")


def test_unknown_journeys_get_a_clear_error(project: Path) -> None:
    result = run_as("alice", ["pause", "welcome_serie"], project)
    assert result.returncode == 1
    assert "no journey 'welcome_serie'" in result.stderr and "Traceback" not in result.stderr




def test_a_warehouse_from_before_the_lifecycle_keeps_its_journeys_live(project: Path) -> None:
    warehouse = project / "w.duckdb"
    activate_all(warehouse, project)
    first = run(["run", "--at", "2026-10-31T10:00:00Z", "--engine", "inprocess"], project,
                warehouse)
    assert first.returncode == 0, first.stderr
    with duckdb.connect(str(warehouse)) as con:  # as the warehouse was before this version
        con.execute("drop table journeys.journey_control")
        con.execute("alter table journeys.journey_ticks drop column control_seq")
    second = run(["run", "--at", "2026-10-31T11:00:00Z", "--engine", "inprocess"], project,
                 warehouse)
    assert second.returncode == 0, second.stderr
    with duckdb.connect(str(warehouse)) as con:
        ticked = con.execute("select count(*) from journeys.journey_ticks where tick_at = "
                             "'2026-10-31 11:00:00'").fetchone()[0]
        adopted = con.execute("select count(*) from journeys.journey_control where actor = "
                              "'upgrade' and state = 'active'").fetchone()[0]
    assert ticked == adopted == 6
