"""Helpers of the differential and determinism tests: run the SQL engine and the reference
interpreter on the same scenario and put their output tables in one canonical form; snapshot
whole engine databases; tick the seed journeys on a warehouse file; draw cheap scenarios.

Canonical form of a table: a sorted list of tuples of its contract columns, in a fixed column
order. Normalizations (everything else is compared as is, types included):

- ``payload`` (due_actions): parsed JSON (the engine) or a dict (the reference), rewritten as
  sorted-key JSON text, since key order means nothing in a JSON object (the engine keeps the
  written order too). Defensively, integral floats become ints (``5.0`` and ``5`` are the
  same JSON number) and timestamp strings are written ``YYYY-MM-DD HH:MM:SS`` (an ISO ``T``
  or fractional zeros would not matter); both sides already agree on these.
- ``profile_updates.tick_at`` and ``journey_ticks.duration_ms`` are left out: the reference
  does not record them (``duration_ms`` is wall time).
- ``journey_state`` of the reference is its dict of latest rows per entry.
- Rows are sorted by their full tuple (``None`` first), so row order never matters.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
from hypothesis import strategies as st

from journeys.compiler import compile_plans
from journeys.compiler.plan import ModelPlan
from journeys.spec.models import BranchTile, JourneySpec, WaitTile
from journeys.tick.inprocess import InProcessEngine
from journeys.warehouse import tables
from tests.journeys.engine_harness import Engine, seed_spec
from tests.journeys.engine_harness import World as HarnessWorld
from tests.reference.interpreter import Reference
from tests.reference.interpreter import World as ReferenceWorld
from tests.reference.strategies import EVENT_NAMES, journey_specs, worlds

# The profile columns of the generated worlds (tests/reference/strategies.py), typed, so an
# all-null column is not inferred as varchar.
PROFILE_TYPES = {
    "email": "varchar",
    "first_name": "varchar",
    "flag_a": "boolean",
    "flag_b": "boolean",
    "score": "bigint",
}

METRICS_COLUMNS: dict[str, tuple[str, ...]] = {
    "journey_tile_stats": tuple(c.name for c in tables.TILE_STATS),
    "journey_metrics": tuple(c.name for c in tables.JOURNEY_METRICS),
    "journey_conversions": tuple(c.name for c in tables.JOURNEY_CONVERSIONS),
}
"""The metrics models, compared between engines (the reference interpreter has none)."""

COLUMNS: dict[str, tuple[str, ...]] = {
    "journey_steps": (
        "journey_id", "spec_version", "member_id", "entry_seq", "tile_id", "tile_type",
        "from_tile", "via", "entered_at", "exit_reason", "tick_at",
    ),
    "due_actions": (
        "action_id", "journey_id", "member_id", "entry_seq", "tile_id", "tile_type",
        "destination", "action", "template", "payload", "due_at", "tick_at",
    ),
    "journey_state": (
        "journey_id", "member_id", "entry_seq", "status", "tile_id", "entered_tile_at",
        "entered_journey_at", "exited_at", "exit_reason", "updated_tick_at",
    ),
    "governed_actions": (
        "action_id", "journey_id", "member_id", "entry_seq", "tile_id", "channel",
        "due_at", "due_tick_at", "outcome", "reason", "deferred_until", "carried", "tick_at",
    ),
    "profile_updates": (
        "action_id", "journey_id", "member_id", "entry_seq", "tile_id", "column_name", "value",
        "updated_at",
    ),
    "journey_ticks": ("journey_id", "tick_at", "entered", "advanced", "exited", "actions"),
}

TABLES = tuple(t for t in COLUMNS if t != "governed_actions")
"""The journey tables every engine writes; governance's only where it is configured."""

_TIMESTAMP = re.compile(r"^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(\.0*)?$")


def _json_value(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, str):
        match = _TIMESTAMP.match(value)
        return f"{match[1]} {match[2]}" if match else value
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    return value


def payload_text(payload: Any) -> str:
    """A payload (JSON text or dict) as canonical JSON text."""
    if isinstance(payload, str):
        payload = json.loads(payload)
    return json.dumps(_json_value(payload), sort_keys=True)


def _sort_key(row: tuple) -> tuple:
    return tuple((value is not None, value) for value in row)


def canonical(table: str, rows: Iterable[dict], drop: Sequence[str] = ()) -> list[tuple]:
    """The rows of ``table`` as sorted tuples of its contract columns (minus ``drop``)."""
    columns = [c for c in {**COLUMNS, **METRICS_COLUMNS}[table] if c not in drop]
    out = []
    for row in rows:
        out.append(tuple(payload_text(row[c]) if c == "payload" else row[c] for c in columns))
    return sorted(out, key=_sort_key)


def harness_world(world: ReferenceWorld) -> HarnessWorld:
    """The reference's world as the engine harness loads it (audience models are not
    supported: generated worlds have none)."""
    assert not world.audiences, "audience models are not loaded by the harness"
    return HarnessWorld(
        profiles=[dict(p) for p in world.profiles],
        events=[dict(e) for e in world.events],
        manual_entries=[dict(r) for r in world.manual_entries],
        manual_removals=[dict(r) for r in world.manual_removals],
        columns=dict(PROFILE_TYPES),
    )


def run_reference(
    specs: Sequence[JourneySpec], world: ReferenceWorld, clocks: Sequence[datetime]
) -> dict[str, list[dict]]:
    ref = Reference(list(specs), world)
    for clock in clocks:
        ref.tick(clock)
    return {
        "journey_steps": ref.steps,
        "due_actions": ref.due_actions,
        "journey_state": list(ref.state.values()),
        "profile_updates": ref.profile_updates,
        "journey_ticks": ref.ticks,
    }


def engine_tables(engine: Engine) -> dict[str, list[dict]]:
    return {
        "journey_steps": engine.steps(),
        "due_actions": engine.due_actions(),
        "journey_state": engine.state(),
        "profile_updates": engine.profile_updates(),
        "journey_ticks": engine.ticks(),
    }


def run_engine(
    specs: Sequence[JourneySpec], world: ReferenceWorld, clocks: Sequence[datetime]
) -> dict[str, list[dict]]:
    return engine_tables(Engine(list(specs), harness_world(world)).tick(*clocks))


def canonical_tables(tables: dict[str, list[dict]]) -> dict[str, list[tuple]]:
    return {table: canonical(table, rows) for table, rows in tables.items()}


def describe_difference(
    table: str, expected: list[tuple], actual: list[tuple], drop: Sequence[str] = ()
) -> str:
    """A readable diff: rows only ``expected`` has (-) and rows only ``actual`` has (+)."""
    columns = [c for c in {**COLUMNS, **METRICS_COLUMNS}[table] if c not in drop]
    missing = [r for r in expected if r not in actual]
    extra = [r for r in actual if r not in expected]
    lines = [f"{table} differs ({len(expected)} expected rows, {len(actual)} actual); "
             f"columns {columns}"]
    lines += [f"  - expected only: {r}" for r in missing[:20]]
    lines += [f"  + actual only:   {r}" for r in extra[:20]]
    if not missing and not extra:
        lines.append("  (same rows, different multiplicities)")
    return "\n".join(lines)


def assert_same(
    table: str, expected: list[tuple], actual: list[tuple], drop: Sequence[str] = ()
) -> None:
    assert actual == expected, describe_difference(table, expected, actual, drop)


# --- whole-database snapshots (determinism) ---------------------------------------------


def state_relations(plans: Sequence[ModelPlan]) -> list[tuple[str, str]]:
    """The relations that outlive a tick: every output (schema ``journeys``), every
    incremental model and every model a later tick reads back (``prior``). The others are a
    tick's working set, rebuilt by every tick (a tick that is not due empties them)."""
    priors = {name for plan in plans for name in plan.dependencies()[1]}
    return sorted(
        (plan.schema, plan.name)
        for plan in plans
        if plan.schema == "journeys" or plan.materialized == "incremental" or plan.name in priors
    )


def all_relations(plans: Sequence[ModelPlan]) -> list[tuple[str, str]]:
    return sorted((plan.schema, plan.name) for plan in plans)


def snapshot(
    con: duckdb.DuckDBPyConnection, relations: Iterable[tuple[str, str]]
) -> dict[str, list[tuple]]:
    """Every row of every relation, as stored (JSON as its text), sorted; the wall-time
    ``duration_ms`` of journey_ticks is masked."""
    out = {}
    for schema, name in relations:
        cur = con.execute(f'select * from "{schema}"."{name}"')
        columns = [d[0] for d in cur.description]
        rows = [
            tuple(None if c == "duration_ms" else v for c, v in zip(columns, row, strict=True))
            for row in cur.fetchall()
        ]
        out[f"{schema}.{name}"] = [tuple(columns), *sorted(rows, key=repr)]
    return out


def differing(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> list[str]:
    """Names of the relations whose snapshots differ (or exist in only one)."""
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


# --- the seed journeys on a warehouse file ----------------------------------------------

SEED_JOURNEYS = (
    "event_upsell", "onboarding_nudge_test", "post_purchase", "re_engagement",
    "renewal_reminders", "welcome_series",
)


def seed_plans(con: duckdb.DuckDBPyConnection) -> list[ModelPlan]:
    """The seed journeys (journey_specs/*.yml) compiled for the warehouse's profiles."""
    columns = frozenset(
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'main' and table_name = 'profiles'"
        ).fetchall()
    )
    return compile_plans({jid: seed_spec(jid) for jid in SEED_JOURNEYS}, columns)


def tick_warehouse(path: str | Path, clocks: Sequence[datetime]) -> None:
    """Tick the seed journeys in-process on a DuckDB warehouse file at every clock."""
    con = duckdb.connect(str(path))
    try:
        engine = InProcessEngine(con, seed_plans(con))
        for clock in clocks:
            engine.tick(clock)
    finally:
        con.close()


def local_time_tiles(spec: JourneySpec) -> int:
    """How many ``wait until`` and ``branch time`` tiles a spec has. Each adds tens of KB of
    DST-aware SQL to the walk's step of its level, the largest of any tile (before issue 21
    it was added to every step, so the SQL grew quadratically with them); tests that run
    many generated specs keep them few."""
    return sum(
        1
        for tile in spec.tiles.values()
        if (isinstance(tile, WaitTile) and tile.kind == "until")
        or (isinstance(tile, BranchTile) and tile.kind == "time")
    )


def draw_specs(
    draw: st.DrawFn,
    ids: Sequence[str],
    *,
    sub_journeys: bool = True,
    frequencies: tuple[str, ...] = ("once", "recurring"),
    local_time_budget: int = 1,
) -> list[JourneySpec]:
    """Generated specs ``ids`` (``ids[i]`` may lead into any later one through
    ``sub_journey`` tiles) with at most ``local_time_budget`` local-time tiles in all."""
    specs = []
    for i, jid in enumerate(ids):
        targets = tuple(ids[i + 1 :]) if sub_journeys else ()
        budget = local_time_budget
        spec = draw(
            journey_specs(
                journey_id=jid, sub_journey_targets=targets, frequencies=frequencies
            ).filter(lambda s, budget=budget: local_time_tiles(s) <= budget)
        )
        local_time_budget -= local_time_tiles(spec)
        specs.append(spec)
    return specs


def draw_world(
    draw: st.DrawFn, start: datetime, ids: Sequence[str], clocks: Sequence[datetime]
) -> ReferenceWorld:
    """A generated world (strategies.worlds) whose events and requests cover the clocks and
    six hours beyond the last. Examples are few, so it gets 4–16 more events (some exactly
    at a tick clock: the window boundaries), to make most examples enter and move members."""
    horizon = max(clocks) - start + timedelta(hours=6)
    world = draw(worlds(start=start, journey_ids=tuple(ids), horizon=horizon))
    members = [p["member_id"] for p in world.profiles]
    minutes = int(horizon / timedelta(minutes=1))
    at = st.one_of(
        st.sampled_from(list(clocks)),
        st.integers(0, minutes).map(lambda n: start + timedelta(minutes=n)),
    )
    extra = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "member_id": st.sampled_from(members),
                    "event": st.sampled_from(EVENT_NAMES),
                    "occurred_at": at,
                    "properties": st.sampled_from([None, {"kind": "x"}, {"kind": "y"}]),
                }
            ),
            min_size=4,
            max_size=16,
        )
    )
    return replace(world, events=[*world.events, *extra])
