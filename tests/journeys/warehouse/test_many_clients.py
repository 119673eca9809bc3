"""Many clients, one embedded warehouse: a BI tool holding its connection all day, `journeys
serve` answering GETs and POSTs, and a day of hourly ticks through Dagster and through
`journeys run`, each followed by `journeys dispatch` to provider-shaped servers, all in
processes of their own. Nothing fails, every reader query sees whole ticks, and the tables
end as an undisturbed run of the same ticks and dispatches leaves them.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from journeys.membership import record_requests
from journeys.project import compile_project
from journeys.settings import Settings
from journeys.tick.runner import run_tick
from journeys.warehouse.clock import parse_clock
from journeys.warehouse.connect import connect
from reverse_etl.run import run_dispatch
from tests.journeys.warehouse.soak import (
    FUTURE,
    SECRETS,
    ApiClient,
    SoakCounts,
    api_server,
    bi_reader,
    clock_text,
    environment,
    fake_destinations,
    hourly,
    run_command,
    whole_tables,
)
from tests.project_copy import copy_project
from tests.warehouses import live_warehouse

pytestmark = pytest.mark.soak

CLOCKS = hourly(datetime(2026, 11, 1, 1), 24)
THROUGH_DAGSTER = {3, 11, 19}
"""Which of the ticks go through Dagster's tick (the others through `journeys run`)."""
JOURNEY = "welcome_series"
COMPARED = {
    "journey_state": "*",
    "journey_steps": "*",
    "due_actions": "*",
    "journey_ticks": "* exclude (duration_ms)",
    "delivery_log": "action_id, attempt, status, destination, http_status, journey_id, "
                    "member_id, tile_id, action, reason",
    "manual_entries": "journey_id, member_id, requested_at",
}
"""The tables compared with the reference, less wall-clock columns."""


def _rows(warehouse: Path) -> dict[str, list[tuple]]:
    with connect(warehouse) as con:  # as this process's ticks opened it
        out = {}
        for table, columns in COMPARED.items():
            schema = "main" if table == "manual_entries" else "journeys"
            out[table] = sorted(con.execute(f"select {columns} from {schema}.{table}")
                                .fetchall(), key=repr)
        return out


def _members(warehouse: Path) -> list[str]:
    with connect(warehouse) as con:
        return [r[0] for r in con.execute(
            "select member_id from main.profiles order by member_id limit 5").fetchall()]


def _tick_and_dispatch(project: Path, warehouse: Path, clocks: list[datetime],
                       monkeypatch: pytest.MonkeyPatch, entered: list[str] = ()) -> None:
    """Ticks and dispatches one after another, with nothing else connected (in this process)."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    settings = Settings(project_root=project, warehouse=warehouse)
    compiled = compile_project(settings)
    for member in entered:
        record_requests(settings, JOURNEY, [member], "enter", parse_clock(FUTURE))
    for clock in clocks:
        run_tick(settings, compiled, clock, engine="inprocess")
        run_dispatch(settings)


def _a_day_of_ticks(env: dict[str, str], project: Path, warehouse: Path,
                    counts: SoakCounts) -> None:
    """The hourly ticks, through Dagster or `journeys run`, each followed by a dispatch;
    after each, the journey tables as a reader sees them."""
    for index, clock in enumerate(CLOCKS):
        counts.ticks += 1
        if index in THROUGH_DAGSTER:
            counts.dagster_ticks += 1
            done = run_command(["-m", "tests.journeys.warehouse.dagster_tick",
                                clock_text(clock)], env, project)
            lines = done.stdout.strip().splitlines()
            result = json.loads(lines[-1]) if done.returncode == 0 and lines else {}
            if not result.get("success") or result.get("skipped"):
                counts.failed("tick", f"dagster {clock}: {result or done.stderr[-800:]}")
        else:
            done = run_command(["-m", "journeys.cli", "run", "--engine", "inprocess", "--at",
                                clock_text(clock), "--wait", "600"], env, project)
            if done.returncode != 0:
                counts.failed("tick", f"journeys run {clock}: {done.stderr[-800:]}")
        counts.whole.append(whole_tables(warehouse))
        counts.dispatches += 1
        done = run_command(["-m", "journeys.cli", "dispatch", "--wait", "600"], env, project)
        if done.returncode != 0:
            counts.failed("dispatch", f"after {clock}: {done.stderr[-800:]}")
        counts.whole.append(whole_tables(warehouse))


def test_a_bi_tool_the_api_dagster_and_the_cli_share_the_embedded_warehouse(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = copy_project(tmp_path / "project")
    warehouse = tmp_path / "warehouse.duckdb"
    live_warehouse(warehouse, project, profiles=200, days=3, end=datetime(2026, 11, 1),
                   seed=5)
    reference = tmp_path / "reference.duckdb"
    env = environment(project, warehouse)
    counts = SoakCounts()

    with fake_destinations(project):
        _tick_and_dispatch(project, warehouse, [CLOCKS[0] - timedelta(hours=1)], monkeypatch)
        shutil.copy(warehouse, reference)
        counts.whole.append(whole_tables(warehouse))
        with api_server(project, warehouse, tmp_path / "server.log") as url, \
                bi_reader(warehouse, tmp_path, counts):
            client = ApiClient(url, JOURNEY, _members(warehouse), counts, max_writes=12)
            client.start()
            try:
                _a_day_of_ticks(env, project, warehouse, counts)
            finally:
                client.stop.set()
                client.join(timeout=300)
            _tick_and_dispatch(project, reference, CLOCKS, monkeypatch, counts.entered)

    print(f"soak: {counts.ticks} ticks ({counts.dagster_ticks} through Dagster), "
          f"{counts.dispatches} dispatches, {counts.api_reads} API reads, {counts.api_writes} "
          f"API writes ({counts.api_writes_retried} retried after 503), "
          f"{counts.reader_queries} reader queries; failures: "
          f"{ {k: len(v) for k, v in counts.failures.items()} }")
    assert counts.failures == {}
    assert counts.reader_queries > 50 and counts.api_reads > 50 and counts.entered
    assert _rows(warehouse) == _rows(reference)
