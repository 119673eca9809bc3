"""The per-tile report, on hand-made journey_steps / journey_state rows (C7 columns)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

from journeys.demo.report import dag_order, journey_summary, print_report, tile_report, tile_stats
from journeys.spec.models import JourneySpec

SPEC = JourneySpec.model_validate({
    "id": "tiny",
    "name": "Tiny",
    "entry": {"manual": True},
    "exit_criteria": [{"timeout": "30d"}],
    "tiles": {
        "done": {"type": "exit"},
        "a_email": {"type": "action", "destination": "sendgrid", "action": "send_email",
                    "template": "d-a", "next": "done"},
        "check": {"type": "branch", "condition": "onboarding_completed",
                  "yes": "a_email", "no": "done"},
        "start": {"type": "entry", "next": "wait_1d"},
        "wait_1d": {"type": "wait", "duration": "1d", "next": "check"},
    },
})
T0 = datetime(2025, 3, 1)

# member -> its steps as (tile_id, tile_type, from_tile, via, exit_reason)
STEPS = {
    "m1": [
        ("start", "entry", None, "entry", None), ("wait_1d", "wait", "start", "next", None),
        ("check", "branch", "wait_1d", "next", None), ("a_email", "action", "check", "yes", None),
        ("done", "exit", "a_email", "next", "completed"),
    ],
    "m2": [
        ("start", "entry", None, "entry", None), ("wait_1d", "wait", "start", "next", None),
        ("check", "branch", "wait_1d", "next", None), ("done", "exit", "check", "no", "completed"),
    ],
    "m3": [("start", "entry", None, "entry", None), ("wait_1d", "wait", "start", "next", None)],
    "m4": [
        ("start", "entry", None, "entry", None), ("wait_1d", "wait", "start", "next", None),
        ("_exit", "exit", "wait_1d", "exit_criteria", "timeout"),
    ],
}


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema journeys")
    con.execute("""create table journeys.journey_steps (journey_id varchar, spec_version varchar,
        member_id varchar, entry_seq integer, tile_id varchar, tile_type varchar,
        from_tile varchar, via varchar, entered_at timestamp, exit_reason varchar,
        tick_at timestamp)""")
    con.execute("""create table journeys.journey_state (journey_id varchar, member_id varchar,
        entry_seq integer, status varchar, tile_id varchar, entered_tile_at timestamp,
        entered_journey_at timestamp, exited_at timestamp, exit_reason varchar,
        updated_tick_at timestamp)""")
    for member, steps in STEPS.items():
        for n, (tile, kind, came_from, via, reason) in enumerate(steps):
            con.execute(
                "insert into journeys.journey_steps "
                "values ('tiny', 'v1', ?, 1, ?, ?, ?, ?, ?, ?, ?)",
                [member, tile, kind, came_from, via, T0 + timedelta(hours=n), reason, T0],
            )
        last = steps[-1]
        status = {None: "active", "completed": "completed"}.get(last[4], "exited")
        tile = last[2] if last[0] == "_exit" else last[0]
        con.execute(
            "insert into journeys.journey_state values ('tiny', ?, 1, ?, ?, ?, ?, ?, ?, ?)",
            [member, status, tile, T0, T0, None if status == "active" else T0, last[4]
             if status != "active" else None, T0],
        )
    # another journey's rows must not leak in
    con.execute("insert into journeys.journey_state values ('other', 'm9', 1, 'active', "
                "'wait_1d', null, null, null, null, null)")
    yield con
    con.close()


def test_dag_order_follows_the_edges_not_the_file() -> None:
    assert dag_order(SPEC) == ["start", "wait_1d", "check", "a_email", "done"]


def test_tile_stats(con: duckdb.DuckDBPyConnection) -> None:
    stats = {s.tile_id: s for s in tile_stats(con, SPEC)}
    assert list(stats) == ["start", "wait_1d", "check", "a_email", "done"]
    assert (stats["start"].active, stats["start"].passed, stats["start"].exited) == (0, 4, 0)
    assert (stats["wait_1d"].active, stats["wait_1d"].passed, stats["wait_1d"].exited) == (1, 2, 1)
    assert stats["check"].passed == 2 and stats["check"].via == {"yes": 1, "no": 1}
    assert stats["a_email"].passed == 1 and stats["a_email"].via == {}
    assert stats["done"].exited == 2 and stats["done"].passed == 0


def test_summary(con: duckdb.DuckDBPyConnection) -> None:
    summary = journey_summary(con, "tiny")
    assert (summary.entered, summary.active, summary.completed) == (4, 1, 2)
    assert summary.exited_early == {"timeout": 1}
    assert summary.line() == (
        "entered 4 · active 1 · completed 2 · exited early 1 (timeout 1)"
    )


def test_tables_render(con: duckdb.DuckDBPyConnection) -> None:
    console = Console(record=True, width=120)
    for table in tile_report(con, {"tiny": SPEC}):
        console.print(table)
    text = console.export_text()
    assert "Tiny" in text and "yes 1 · no 1" in text and "exited early 1 (timeout 1)" in text


def test_print_report_before_any_tick(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()
    console = Console(record=True, width=120)
    print_report(path, {"tiny": SPEC}, console=console)
    text = console.export_text()
    assert "no ticks yet" in text and "wait_1d" in text
