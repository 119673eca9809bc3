"""Journeys of the validation's maximum size (200 tiles) compile to SQL linear in their
tiles, which sqlglot parses, and tick as the reference interpreter does (issue 21).

Sizes, not seconds: compile time is measured by the benchmark
(``python -m benchmarks --only compile_size``), never in a timed test. The journeys are
:mod:`journeys.demo.long_journeys`: a chain whose tiles cycle through every kind, and a
wide tree of ten such chains behind a split.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
import yaml

from journeys.compiler.dialect import DIALECTS, to_sql
from journeys.compiler.journey_models import JourneyCompiler
from journeys.compiler.plan import ModelPlan
from journeys.demo.long_journeys import chain_spec, journey, wide_spec
from journeys.project import compile_project
from journeys.settings import Settings
from journeys.spec.models import JourneySpec
from journeys.tick.runner import run_tick, simulate
from tests.journeys.compare import canonical_tables, engine_tables, run_reference
from tests.journeys.engine_harness import Engine, World
from tests.project_copy import copy_project
from tests.reference.interpreter import World as ReferenceWorld
from tests.warehouses import live_warehouse

TILES = 200
SMALL = 20
LINEAR = 1.5
"""How much more than ten times the 20-tile journey's SQL the 200-tile one may be (it was
1.2× once linear; quadratic growth made it about 50×, 3.1 MB per advance model at 40)."""
COLUMNS = frozenset({"member_id", "timezone", "first_name"})
START = datetime(2026, 3, 2, 8, 0)


def journey_plans(spec: JourneySpec) -> list[ModelPlan]:
    return JourneyCompiler(spec, {spec.id: spec}, COLUMNS).build(metrics=False)


def journey_sql(spec: JourneySpec) -> dict[str, str]:
    """The DuckDB SQL of each model of one journey."""
    return {plan.name: to_sql(plan.query, "duckdb") for plan in journey_plans(spec)}


@pytest.mark.parametrize("shape", [chain_spec, wide_spec], ids=["chain", "wide"])
def test_sql_grows_linearly_with_tiles(shape: Any) -> None:
    small, large = (journey_sql(journey(shape(n))) for n in (SMALL, TILES))
    spec_id = journey(shape(SMALL)).id
    for model in ("advance_open", "advance_new"):
        name = f"{spec_id}__{model}"
        assert len(large[name]) <= LINEAR * 10 * len(small[name]), name
    assert sum(map(len, large.values())) <= LINEAR * 10 * sum(map(len, small.values()))


def test_a_200_tile_chain_renders_and_parses_in_every_dialect() -> None:
    """No RecursionError in generating the SQL (every dialect) or in parsing it back."""
    spec = journey(chain_spec(TILES))
    advance = next(p for p in journey_plans(spec) if p.name == f"{spec.id}__advance_open")
    for dialect in DIALECTS:
        sql = to_sql(advance.query, dialect)
        if dialect == "duckdb":
            assert sqlglot.parse_one(sql, read=dialect) is not None


def _members() -> tuple[list[dict], list[dict]]:
    """Three members: one with an order every 11 hours (events end the event tiles early),
    one with none and no time zone, one without a first name who unsubscribes (an early
    exit half-way)."""
    profiles = [
        {"member_id": "m1", "timezone": "Europe/Berlin", "first_name": "Ann"},
        {"member_id": "m2", "timezone": None, "first_name": "Bo"},
        {"member_id": "m3", "timezone": "America/New_York", "first_name": None},
    ]
    events = [{"member_id": m, "event": "signed_up",
               "occurred_at": START + timedelta(minutes=7 * i), "properties": None}
              for i, m in enumerate(("m1", "m2", "m3"))]
    events += [{"member_id": "m1", "event": "order_completed",
                "occurred_at": START + timedelta(hours=h), "properties": None}
               for h in range(3, 24 * 60, 11)]
    events.append({"member_id": "m3", "event": "unsubscribed",
                   "occurred_at": START + timedelta(days=20), "properties": None})
    return profiles, events


def test_a_200_tile_chain_ticks_as_the_reference_does() -> None:
    """Three ticks: the entries, a day later, and one that walks the rest of the chain
    (over a hundred levels in one query) to the exit tile."""
    spec = journey(chain_spec(TILES))
    profiles, events = _members()
    clocks = [START, START + timedelta(days=1), START + timedelta(days=170)]
    engine = Engine([spec], World(profiles=profiles, events=events,
                                  columns={"first_name": "varchar"}), con=duckdb.connect())
    got = canonical_tables(engine_tables(engine.tick(*clocks)))
    want = canonical_tables(run_reference(
        [spec], ReferenceWorld(profiles=profiles, events=events), clocks))
    assert got == want
    final = {row["member_id"]: (row["status"], row["tile_id"], row["exit_reason"])
             for row in engine.state()}
    assert final == {"m1": ("completed", "done", "completed"),
                     "m2": ("completed", "done", "completed"),
                     "m3": ("exited", final["m3"][1], "event")}
    assert len(got["journey_steps"]) > 2 * TILES


@pytest.mark.slow
def test_a_200_tile_chain_ticks_through_dbt_as_in_process(tmp_path: Path) -> None:
    """``dbt build`` parses and runs the 200-tile chain's models, with the same tables as
    the in-process executor (the demo journeys and governance are replaced by the chain)."""
    root = copy_project(tmp_path / "project")
    for path in (root / "journey_specs").glob("[a-z]*.yml"):
        path.unlink()
    (root / "journey_specs" / "_governance.yml").unlink()  # its priority names demo journeys
    shutil.rmtree(root / "dbt_project" / "models" / "journeys")
    (root / "journey_specs" / "long_chain.yml").write_text(yaml.safe_dump(chain_spec(TILES)))
    source = tmp_path / "source.duckdb"
    live_warehouse(source, project_root=root, profiles=60, days=5, end=datetime(2026, 11, 1),
                   seed=5)
    via_dbt, in_process = tmp_path / "dbt.duckdb", tmp_path / "inprocess.duckdb"
    shutil.copy(source, via_dbt)
    shutil.copy(source, in_process)
    # the last tick walks the entries that signed up through the rest of the chain
    clocks = [datetime(2026, 10, 29), datetime(2026, 10, 31, 12), datetime(2027, 3, 1)]
    dbt_settings = Settings(project_root=root, warehouse=via_dbt)
    project = compile_project(dbt_settings)
    for clock in clocks:
        run_tick(dbt_settings, project, clock, engine="dbt")
    simulate(Settings(project_root=root, warehouse=in_process), project, clocks)
    query = "select * from journeys.journey_steps order by all"
    with duckdb.connect(str(via_dbt)) as a, duckdb.connect(str(in_process)) as b:
        dbt_steps, local_steps = a.execute(query).fetchall(), b.execute(query).fetchall()
    assert len(dbt_steps) > TILES
    assert dbt_steps == local_steps
