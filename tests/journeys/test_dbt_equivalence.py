"""dbt and the in-process executor run the same plans: same tables, tick after tick.

`journeys run` goes through `dbt build` (models and their dbt tests); `journeys simulate`
executes the plans in-process. This runs both on copies of one synthetic warehouse and
compares every output table.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from journeys.project import compile_project
from journeys.settings import Settings
from journeys.tick.runner import run_tick, simulate
from tests.warehouses import live_warehouse

REPO = Path(__file__).resolve().parents[2]
CLOCKS = [datetime(2026, 10, 30, 0), datetime(2026, 10, 30, 6), datetime(2026, 10, 31, 12)]
TABLES = {
    "journey_steps": "journey_id, member_id, entry_seq, entered_at, tile_id",
    "journey_state": "journey_id, member_id, entry_seq",
    "due_actions": "action_id",
    "profile_updates": "action_id, column_name",
    "journey_ticks": "journey_id, tick_at",
}


def _tables(path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path)) as con:
        out = {}
        for table, order in TABLES.items():
            cols = [r[0] for r in con.execute(
                "select column_name from information_schema.columns where table_schema = "
                "'journeys' and table_name = ? and column_name <> 'duration_ms' "
                "order by ordinal_position", [table]).fetchall()]
            out[table] = con.execute(f"select {', '.join(cols)} from journeys.{table} "
                                     f"order by {order}").fetchall()
        return out


@pytest.mark.slow
def test_dbt_build_and_in_process_ticks_give_identical_tables(tmp_path: Path) -> None:
    source = tmp_path / "source.duckdb"
    live_warehouse(source, profiles=400, days=5, end=datetime(2026, 11, 1), seed=11)
    via_dbt, in_process = tmp_path / "dbt.duckdb", tmp_path / "inprocess.duckdb"
    shutil.copy(source, via_dbt)
    shutil.copy(source, in_process)

    dbt_settings = Settings(project_root=REPO, warehouse=via_dbt)
    project = compile_project(dbt_settings)
    for clock in CLOCKS:
        run_tick(dbt_settings, project, clock, engine="dbt")
    simulate(Settings(project_root=REPO, warehouse=in_process), project, CLOCKS)

    dbt_tables, local_tables = _tables(via_dbt), _tables(in_process)
    assert sum(len(rows) for rows in dbt_tables.values()) > 100
    for table in TABLES:
        assert dbt_tables[table] == local_tables[table], table
