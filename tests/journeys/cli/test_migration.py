"""Editing a live journey: pause → edit → resume, refused while members would be stranded,
and `journeys migrate` moving them as the spec's `migrations:` says (dry run, then for
real, atomically, recorded). A hand-worked scenario on the welcome series: the edit replaces
the three-day wait after the welcome email by a two-day one under a new id."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.journeys.cli.test_commands import run
from tests.project_copy import copy_project
from tests.warehouses import live_warehouse

J = "welcome_series"
OLD = "  wait_3d: { type: wait, duration: 3d, next: onboarded }\n"
NEW = "  wait_2d_after_welcome: { type: wait, duration: 2d, next: onboarded }\n"
MAPPING = "migrations:\n  - { from: wait_3d, to: wait_2d_after_welcome }\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("migration") / "project")
    live_warehouse(root / "w.duckdb", profiles=300, days=5, end=datetime(2026, 11, 1), seed=4)
    ticked = journeys(root, "simulate", "--start", "2026-10-28T00:00:00Z",
                      "--end", "2026-10-30T00:00:00Z")
    assert ticked.returncode == 0, ticked.stderr
    return root


def journeys(project: Path, *args: str):  # noqa: ANN201 - a CompletedProcess
    return run(list(args), project, project / "w.duckdb")


def open_at(project: Path) -> dict[str, dict[str, datetime]]:
    """member → (tile, arrival) of the open entries."""
    with duckdb.connect(str(project / "w.duckdb")) as con:
        rows = con.execute(f"select member_id, tile_id, entered_tile_at from "
                           f"journeys_internal.{J}__open").fetchall()
    return {m: (t, at) for m, t, at in rows}


def test_edit_pause_migrate_resume(project: Path) -> None:
    before = open_at(project)
    waiting = {m: at for m, (tile, at) in before.items() if tile == "wait_3d"}
    assert len(waiting) >= 3, "the scenario needs members in the three-day wait"

    spec = project / "journey_specs" / f"{J}.yml"
    edited = spec.read_text().replace("next: wait_3d", "next: wait_2d_after_welcome")
    spec.write_text(edited.replace(OLD, NEW))

    # 0. edited while active: a tick would strand them silently, so none runs
    ticked = journeys(project, "run", "--at", "2026-10-30T01:00:00Z", "--engine", "inprocess")
    assert ticked.returncode == 1
    assert (f"journey '{J}' was edited while active: members are at tiles the spec no "
            f"longer has as they were: wait_3d ({len(waiting)}, removed)") in ticked.stderr
    assert open_at(project) == before
    assert journeys(project, "pause", J).returncode == 0

    # 1. no mapping: resume is refused, naming the tile and how many are there
    refused = journeys(project, "resume", J)
    assert refused.returncode == 1
    assert f"wait_3d: {len(waiting)} member(s), tile removed" in refused.stderr
    assert "migrations:" in refused.stderr and "Traceback" not in refused.stderr
    assert journeys(project, "history", J).stdout.count("resume") == 0
    archived = journeys(project, "archive", J)  # final: its members could never move again
    assert archived.returncode == 1
    assert f"cannot archive journey '{J}'" in archived.stderr
    assert f"wait_3d ({len(waiting)}, removed)" in archived.stderr

    # 2. the mapping, reviewed by a dry run that changes nothing
    spec.write_text(spec.read_text() + MAPPING)
    dry = journeys(project, "migrate", J, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert f"{len(waiting)} would move" in dry.stdout and "wait_2d_after_welcome" in dry.stdout
    assert open_at(project) == before

    # 3. the migration: every waiting member moves, keeping the time it started waiting
    moved = journeys(project, "migrate", J)
    assert moved.returncode == 0, moved.stderr
    after = open_at(project)
    assert {m: after[m] for m in waiting} == {
        m: ("wait_2d_after_welcome", at) for m, at in waiting.items()}
    assert {m: v for m, v in after.items() if m not in waiting} == {
        m: v for m, v in before.items() if m not in waiting}
    with duckdb.connect(str(project / "w.duckdb")) as con:
        recorded = con.execute("select member_id, from_tile, to_tile, control_seq from "
                               "journeys.journey_migrations").fetchall()
        audit = con.execute("select action, state, detail from journeys.journey_control "
                            "where journey_id = ? order by control_seq desc limit 1",
                            [J]).fetchone()
    assert sorted(r[0] for r in recorded) == sorted(waiting)
    assert {r[1:3] for r in recorded} == {("wait_3d", "wait_2d_after_welcome")}
    assert audit[:2] == ("migrate", "paused") and f'"members": {len(waiting)}' in audit[2]

    # 4. resume, and the next tick moves them on two days after they started waiting
    resumed = journeys(project, "resume", J)
    assert resumed.returncode == 0, resumed.stderr
    assert journeys(project, "run", "--at", "2026-11-01T00:00:00Z",
                    "--engine", "inprocess").returncode == 0
    with duckdb.connect(str(project / "w.duckdb")) as con:
        steps = dict(con.execute(
            "select member_id, entered_at from journeys.journey_steps where journey_id = ? "
            "and tile_id = 'onboarded' and from_tile = 'wait_2d_after_welcome'", [J]).fetchall())
        exits = dict(con.execute(
            "select member_id, entered_at from journeys.journey_steps where journey_id = ? "
            "and tile_id = '_exit'", [J]).fetchall())
    # due: the two days ended by the tick, and the member did not exit early before (S15)
    due = {m for m, at in waiting.items() if at + timedelta(days=2) <= datetime(2026, 11, 1)
           and not (m in exits and exits[m] <= at + timedelta(days=2))}
    assert due and {m: steps.get(m) for m in due} == {
        m: waiting[m] + timedelta(days=2) for m in due}


def test_migrate_needs_a_paused_journey(project: Path) -> None:
    refused = journeys(project, "migrate", "post_purchase", "--dry-run")
    assert refused.returncode == 1
    assert "it is active; members are moved only while paused" in refused.stderr
