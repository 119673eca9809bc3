"""``journeys status``: the tables and JSON printed from the metrics models, after real
ticks of the compiled engine (the trial journey of tests/journeys/test_metrics.py)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

from journeys.demo.report import ab_table, print_report, readouts, status_json, tile_table
from tests.journeys.engine_harness import Engine
from tests.journeys.test_metrics import CLOCKS, TRIAL, log_deliveries, trial_world


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("status") / "w.duckdb"
    con = duckdb.connect(str(path))
    engine = Engine([TRIAL], trial_world(), con=con, metrics=True)
    engine.tick(*CLOCKS)
    log_deliveries(engine)
    con.close()
    return path


def text_of(*tables) -> str:
    console = Console(record=True, width=160)
    for table in tables:
        console.print(table)
    return console.export_text()


def test_the_tile_table_reads_like_the_canvas(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        [readout] = readouts(con, {"trial": TRIAL})
    text = text_of(tile_table(readout, state="paused"))
    assert "(trial) · paused" in text
    rows = [line for line in text.splitlines() if line.startswith("│")]
    assert [r.split("│")[1].strip() for r in rows] == [
        "start", "nudge_wait", "offer", "ab", "done", "reminder"]
    assert "next 4 (67%) · timeout 2 (33%)" in text
    assert "control 1 (50%) · treatment 1 (50%)" in text
    assert "1 (1 retrying)" in text  # the reminder's error, retried
    assert ("entered 8 · active 1 · completed 6 · exited early 1 · converted 2 (25.0%) · "
            "avg duration 20h 9m") in text


def test_the_ab_table_shows_each_arm_against_the_baseline(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        [readout] = readouts(con, {"trial": TRIAL})
    text = text_of(ab_table(readout))
    assert "baseline" in text and "+0.0 pts [+0.0, +0.0]" in text


def test_status_json_holds_every_number(warehouse: Path) -> None:
    [journey] = json.loads(status_json(warehouse, {"trial": TRIAL}))
    assert journey["state"] == "active"
    assert journey["metrics"] == {
        "journey_id": "trial", "entered": 8, "active": 1, "completed": 6, "exited_early": 1,
        "converted": 2, "conversion_rate": 0.25, "avg_duration_s": pytest.approx(72514.2857),
        "last_tick_at": "2026-03-04T00:00:00"}
    tiles = {t["tile_id"]: t for t in journey["tiles"]}
    assert tiles["nudge_wait"]["paths"] == {"next": 4, "timeout": 2}
    assert (tiles["offer"]["sent"], tiles["offer"]["gave_up"]) == (1, 1)
    assert [(a["tile_id"], a["path"]) for a in journey["arms"]] == [
        ("ab", "control"), ("ab", "treatment")]


def test_status_before_any_tick_lists_the_tiles(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()
    console = Console(record=True, width=120)
    print_report(path, {"trial": TRIAL}, console=console)
    text = console.export_text()
    assert "no metrics yet" in text and "nudge_wait" in text
