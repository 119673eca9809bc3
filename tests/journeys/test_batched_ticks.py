"""A batch of clocks gives the same tables as its ticks run one by one (docs/semantics.md §9).

`journeys simulate` runs many clocks per in-process run, so that a month of hourly ticks does
not pay the planning of every query 720 times. Batching is an optimization, never a change
of meaning: every output table (journey_steps, due_actions, journey_state, profile_updates,
journey_ticks apart from the wall time) must be identical, whatever the batch sizes.
"""

from __future__ import annotations

import os
import random
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from journeys.project import compile_project
from journeys.settings import Settings
from journeys.spec.models import JourneySpec
from journeys.tick.runner import batches, build_external_models, simulate_on
from tests.journeys.compare import (
    TABLES,
    assert_same,
    canonical_tables,
    engine_tables,
    harness_world,
    snapshot,
    state_relations,
)
from tests.journeys.engine_harness import Engine
from tests.journeys.test_differential import differential_scenarios, spec_json
from tests.reference.interpreter import World
from tests.warehouses import live_warehouse

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("JOURNEYS_BATCH_EXAMPLES", "8"))
PHASES = [Phase.explicit, Phase.reuse, Phase.generate,
          *([] if os.environ.get("JOURNEYS_NO_SHRINK") else [Phase.shrink])]


def split_at_random(clocks: list[datetime], rng: random.Random) -> list[list[datetime]]:
    """The clocks cut into consecutive batches of random sizes (1 to all of them)."""
    out, i = [], 0
    while i < len(clocks):
        size = rng.randint(1, len(clocks) - i)
        out.append(clocks[i:i + size])
        i += size
    return out


@settings(max_examples=EXAMPLES, deadline=None, phases=PHASES,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(differential_scenarios(), st.randoms(use_true_random=False))
def test_batches_of_clocks_write_the_same_tables_as_ticks_one_by_one(
    scenario: tuple[list[JourneySpec], World, list[datetime]], rng: random.Random
) -> None:
    specs, world, clocks = scenario
    runs = split_at_random(sorted(clocks), rng)
    note(spec_json(specs))
    note(f"clocks {clocks}; batches {[len(r) for r in runs]}")
    one_by_one = Engine(specs, harness_world(world)).tick(*sorted(clocks))
    batched = Engine(specs, harness_world(world)).run(*runs)
    expected = canonical_tables(engine_tables(one_by_one))
    actual = canonical_tables(engine_tables(batched))
    for table in TABLES:
        assert_same(table, expected[table], actual[table])


def test_the_seed_journeys_batched_by_day_equal_hourly_ticks_one_by_one(tmp_path: Path) -> None:
    """Two days of hourly ticks of the seed journeys on a small synthetic warehouse:
    batches of 24 (what `journeys simulate` runs) and of 7 against one tick at a time —
    every output table (the metrics' counts, conversions and arms included) and every
    journey's state tables are identical."""
    end = datetime(2026, 11, 1)
    clocks = [end - timedelta(days=2) + timedelta(hours=h) for h in range(48)]
    results = {}
    for batch in (1, 7, 24):
        path = tmp_path / f"batch_{batch}.duckdb"
        live_warehouse(path, profiles=400, days=30, end=end)
        project = compile_project(Settings(project_root=REPO, warehouse=path))
        assert project.batchable
        # the demo's suppression model: a dbt view, which the in-process engine reads
        build_external_models(Settings(project_root=REPO, warehouse=path), project)
        con = duckdb.connect(str(path))
        try:
            reports = simulate_on(con, project, clocks, batch=batch)
            assert [r.run_at for r in reports] == clocks
            results[batch] = snapshot(con, state_relations(project.plans))
        finally:
            con.close()
    assert sum(len(rows) for rows in results[1].values()) > 1000  # the journeys did work
    assert results[7] == results[1]
    assert results[24] == results[1]


def test_batches_are_consecutive_runs_of_sorted_clocks() -> None:
    clocks = [datetime(2026, 1, 1, h) for h in (5, 1, 3, 2, 4, 3)]
    assert batches(clocks, 2) == [[datetime(2026, 1, 1, h) for h in pair]
                                  for pair in ((1, 2), (3, 4), (5,))]
