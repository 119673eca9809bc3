"""``journeys enter`` / ``journeys remove`` end to end: real subprocesses, a real DuckDB
file, and the next tick applying the requests (C2, C3, S3, S15)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from tests.journeys.cli.test_commands import run
from tests.project_copy import copy_project
from tests.warehouses import live_warehouse

J = "post_purchase"


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = copy_project(tmp_path / "project")
    live_warehouse(root / "w.duckdb", profiles=50, days=3, end=datetime(2026, 11, 1), seed=2)
    return root


def state(warehouse: Path, members: tuple[str, ...]) -> dict[str, tuple]:
    with duckdb.connect(str(warehouse)) as con:
        rows = con.execute(
            "select member_id, status, exit_reason, entered_journey_at, exited_at "
            f"from journeys.journey_state where journey_id = ? and member_id in "
            f"({', '.join('?' for _ in members)})", [J, *members]).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_entered_members_join_at_the_request_and_removed_ones_exit_manually(
        project: Path) -> None:
    warehouse = project / "w.duckdb"
    (project / "members.csv").write_text("member_id,note\nm0000003,from the CRM\n")
    entered = run(["enter", J, "m0000001", "m0000002", "--file", str(project / "members.csv"),
                   "--at", "2026-10-31T09:30:00Z"], project, warehouse)
    assert entered.returncode == 0, entered.stderr
    assert "3 entry request(s) recorded in manual_entries" in entered.stdout
    assert run(["run", "--at", "2026-10-31T10:00:00Z", "--engine", "inprocess"], project,
               warehouse).returncode == 0
    joined = datetime(2026, 10, 31, 9, 30)
    assert state(warehouse, ("m0000001", "m0000002", "m0000003")) == {
        m: ("active", None, joined, None) for m in ("m0000001", "m0000002", "m0000003")}

    removed = run(["remove", J, "m0000002", "--at", "2026-10-31T10:15:00Z"], project,
                  warehouse)
    assert removed.returncode == 0, removed.stderr
    assert run(["run", "--at", "2026-10-31T11:00:00Z", "--engine", "inprocess"], project,
               warehouse).returncode == 0
    after = state(warehouse, ("m0000001", "m0000002"))
    assert after["m0000002"] == ("exited", "manual", joined, datetime(2026, 10, 31, 10, 15))
    assert after["m0000001"][0] == "active"


def test_members_without_a_profile_are_reported_not_recorded(project: Path) -> None:
    warehouse = project / "w.duckdb"
    result = run(["enter", J, "m0000001", "nobody_1", "nobody_2"], project, warehouse)
    assert result.returncode == 1
    assert "1 entry request(s) recorded" in result.stdout
    assert "2 member(s) have no profile and were not recorded: nobody_1, nobody_2" in \
        result.stderr
    with duckdb.connect(str(warehouse)) as con:
        assert con.execute("select member_id from main.manual_entries").fetchall() == [
            ("m0000001",)]


def test_bad_requests_say_what_to_do(project: Path) -> None:
    warehouse = project / "w.duckdb"
    (project / "bad.csv").write_text("id\nm0000001\n")
    for args, message in (
        (["enter", "post_purchse", "m0000001"], "no journey 'post_purchse'"),
        (["enter", J], "no members given"),
        (["remove", J, "--file", str(project / "bad.csv")], "no 'member_id' column"),
        (["enter", J, "--file", str(project / "absent.csv")], "cannot be read"),
        (["enter", J, "m" * 300], "1 member id(s) longer than 256 characters (the first: "
                                  f"'{'m' * 40}…'): is this the member_id column?"),
    ):
        result = run(args, project, warehouse)
        assert result.returncode == 1, args
        assert message in result.stderr and "Traceback" not in result.stderr, result.stderr
