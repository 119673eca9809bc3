"""Determinism of the compiled engine (CONTRACT C6, docs/semantics.md):

- S1: a tick at a clock that is not after the journey's previous tick changes nothing;
- the outputs do not depend on how often ticks run (for journeys whose semantics do not);
- the same inputs and clocks always give the same tables (no hidden nondeterminism), also
  across processes (hash seeds) and for the seed journeys on a synthetic warehouse.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeys.spec.models import JourneySpec
from journeys.tick.inprocess import InProcessEngine
from tests.journeys.compare import (
    TABLES,
    all_relations,
    assert_same,
    canonical,
    differing,
    draw_specs,
    draw_world,
    engine_tables,
    harness_world,
    seed_plans,
    snapshot,
    state_relations,
    tick_warehouse,
)
from tests.journeys.engine_harness import Engine
from tests.reference.interpreter import World
from tests.reference.strategies import STARTS, tick_clocks
from tests.warehouses import live_warehouse

REPO = Path(__file__).resolve().parents[2]
H = timedelta(hours=1)
SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large]
SCALE = int(os.environ.get("JOURNEYS_DETERMINISM_SCALE", "1"))
"""Multiplies the (few, because each costs seconds) examples of the property tests here."""


def short(clocks: list[datetime], n: int = 12) -> list[datetime]:
    return clocks[:n]


@st.composite
def generated(
    draw: st.DrawFn, max_journeys: int = 3
) -> tuple[list[JourneySpec], World, list[datetime]]:
    """Like strategies.scenarios (sub-journeys, both frequencies), with at most one
    local-time tile (compile and tick time grow fast with them) and at most 12 clocks."""
    start = draw(st.sampled_from(STARTS))
    ids = [f"j{i + 1}" for i in range(draw(st.integers(1, max_journeys)))]
    specs = draw_specs(draw, ids)
    clocks = short(draw(tick_clocks(start=start)))
    return specs, draw_world(draw, start, ids, clocks), clocks


# --- S1: a stale tick changes nothing ----------------------------------------------------


@settings(max_examples=4 * SCALE, deadline=None, suppress_health_check=SLOW)
@given(generated(), st.data())
def test_a_tick_not_after_the_previous_one_changes_nothing(
    scenario: tuple[list[JourneySpec], World, list[datetime]], data: st.DataObject
) -> None:
    """S1: re-running the last tick, or ticking at an earlier clock, leaves every output and
    every piece of state a later tick reads exactly as it was (the per-tick working tables
    are rebuilt by any tick and are not state)."""
    specs, world, clocks = scenario
    engine = Engine(specs, harness_world(world)).tick(*clocks)
    relations = state_relations(engine.plans)
    before = snapshot(engine.con, relations)

    engine.tick(clocks[-1])
    assert differing(before, snapshot(engine.con, relations)) == []

    earlier = data.draw(
        st.one_of(st.sampled_from(clocks), st.just(clocks[0] - 24 * H)), label="earlier"
    )
    engine.tick(earlier)
    assert differing(before, snapshot(engine.con, relations)) == []


# --- tick frequency ---------------------------------------------------------------------

SPAN = 18 * H
"""Ticks at start + 0h, 1h, …, 18h against start + 0h, 6h, 12h, 18h."""


@st.composite
def once_scenarios(draw: st.DrawFn) -> tuple[list[JourneySpec], World, datetime]:
    start = draw(st.sampled_from(STARTS))
    ids = [f"j{i + 1}" for i in range(draw(st.integers(1, 2)))]
    specs = draw_specs(draw, ids, sub_journeys=False, frequencies=("once",))
    hourly = [start + i * H for i in range(int(SPAN / H) + 1)]
    return specs, draw_world(draw, start, ids, hourly), start


@settings(max_examples=4 * SCALE, deadline=None, suppress_health_check=SLOW)
@given(once_scenarios())
def test_hourly_and_six_hourly_ticks_give_the_same_journeys(
    scenario: tuple[list[JourneySpec], World, datetime],
) -> None:
    """Ticking every hour or every six hours over the same span gives the same steps,
    actions, profile updates and final state; only the clocks that computed them
    (``tick_at``, ``updated_tick_at``) and journey_ticks differ.

    Restricted to what is tick-frequency independent by design: step times are logical
    (event times, wait deadlines), not tick clocks. Excluded:
    - ``recurring`` entry: at most one new entry per member per tick (semantics §1), so a
      member with several eligible entry events between two ticks gets one entry per tick —
      fewer entries when ticks are rarer;
    - ``sub_journey`` tiles: the target picks the step up at its next tick, and a direct
      entry of the target admitted meanwhile (by a tick whose timing depends on the
      schedule) can win over it;
    - audience entries and ``audience_exit`` / goal ``where`` (entry or exit at the tick
      clock): the generated specs have none.
    """
    specs, world, start = scenario
    hourly = [start + i * H for i in range(int(SPAN / H) + 1)]
    six_hourly = hourly[::6]
    assert six_hourly[-1] == hourly[-1]
    a = engine_tables(Engine(specs, harness_world(world)).tick(*hourly))
    b = engine_tables(Engine(specs, harness_world(world)).tick(*six_hourly))
    clock_columns = {
        "journey_steps": ("tick_at",),
        "due_actions": ("tick_at",),
        "journey_state": ("updated_tick_at",),
        "profile_updates": (),
    }
    for table, drop in clock_columns.items():
        assert_same(table, canonical(table, a[table], drop), canonical(table, b[table], drop),
                    drop)


# --- same inputs, same tables -------------------------------------------------------------


@settings(max_examples=3 * SCALE, deadline=None, suppress_health_check=SLOW)
@given(generated())
def test_two_runs_over_the_same_inputs_write_identical_tables(
    scenario: tuple[list[JourneySpec], World, list[datetime]],
) -> None:
    """Every relation the engine builds (outputs, state and working tables), row for row
    and value for value (JSON as its stored text), apart from the wall-time duration_ms."""
    specs, world, clocks = scenario
    first = Engine(specs, harness_world(world)).tick(*clocks)
    second = Engine(specs, harness_world(world)).tick(*clocks)
    relations = all_relations(first.plans)
    assert relations == all_relations(second.plans)
    a, b = snapshot(first.con, relations), snapshot(second.con, relations)
    assert differing(a, b) == []
    assert canonical("journey_ticks", first.ticks()) == canonical("journey_ticks", second.ticks())


# --- the seed journeys on a synthetic warehouse -------------------------------------------

SEED_CLOCKS = [datetime(2026, 10, 24, 12) + i * H for i in range(25)]
"""A day of hourly ticks across Europe's end of DST (2026-10-25 01:00 UTC)."""


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("determinism") / "warehouse.duckdb"
    live_warehouse(path, profiles=300, days=10, end=datetime(2026, 11, 1), seed=3)
    return path


def test_seed_journeys_run_twice_give_identical_tables(warehouse: Path, tmp_path: Path) -> None:
    """Two fresh copies of the warehouse, ticked hourly: one in this process, one in a
    subprocess with another hash seed, so set and dict orders that leak into the SQL or the
    rows would show. Every relation is compared; then S1 on the first copy: re-running the
    last tick and an earlier one changes no state.

    (Hourly against six-hourly ticks is not expected to match here: audience entries happen
    at tick clocks.)"""
    first, second = tmp_path / "first.duckdb", tmp_path / "second.duckdb"
    shutil.copy(warehouse, first)
    shutil.copy(warehouse, second)

    tick_warehouse(first, SEED_CLOCKS)
    clocks = ", ".join(repr(c.isoformat()) for c in SEED_CLOCKS)
    code = (
        "from datetime import datetime\n"
        "from tests.journeys.compare import tick_warehouse\n"
        f"tick_warehouse({str(second)!r}, [datetime.fromisoformat(c) for c in [{clocks}]])\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, check=True)

    with duckdb.connect(str(first)) as a, duckdb.connect(str(second)) as b:
        plans = seed_plans(a)
        relations = all_relations(plans)
        snap_a, snap_b = snapshot(a, relations), snapshot(b, relations)
        assert differing(snap_a, snap_b) == []
        for table in TABLES:  # the run did something worth comparing
            if table != "profile_updates":  # no seed journey updates profiles
                assert len(snap_a[f"journeys.{table}"]) > 1, table
        assert {row[0] for row in snap_a["journeys.journey_steps"][1:]} == set(
            p.name.removesuffix("__steps") for p in plans if p.name.endswith("__steps")
        )

    with duckdb.connect(str(first)) as con:
        plans = seed_plans(con)
        state = state_relations(plans)
        before = snapshot(con, state)
        engine = InProcessEngine(con, plans)
        engine.tick(SEED_CLOCKS[-1])
        engine.tick(SEED_CLOCKS[10])
        assert differing(before, snapshot(con, state)) == []
