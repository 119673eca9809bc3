"""`journeys demo` twice shows the same demo: the engine's state is dropped, the inputs kept."""

from __future__ import annotations

from pathlib import Path

import duckdb

from journeys.warehouse.setup import drop_engine_state


def test_the_demo_starts_from_no_engine_state_and_keeps_the_inputs(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table main.profiles as select 'm1' as member_id")
        for schema in ("journeys", "journeys_internal", "journeys_staging"):
            con.execute(f"create schema {schema}")
            con.execute(f"create table {schema}.t as select 1 as x")
    drop_engine_state(str(path))
    with duckdb.connect(str(path)) as con:
        schemas = {s for s, in con.execute(
            "select schema_name from information_schema.schemata").fetchall()}
        assert not schemas & {"journeys", "journeys_internal", "journeys_staging"}
        assert con.execute("select count(*) from main.profiles").fetchone() == (1,)
