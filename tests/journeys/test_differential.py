"""Differential test: the compiled SQL engine and the reference interpreter
(tests/reference/interpreter.py, docs/semantics.md in executable form) write the same tables
for the same journeys, warehouse and tick clocks.

Compared after canonicalization (tests/journeys/compare.py: contract columns only, rows
sorted by their full tuple, payload JSON parsed and normalized): ``journey_steps``,
``due_actions``, ``journey_state``, ``profile_updates`` (without ``tick_at``, which the
reference does not record) and ``journey_ticks`` (without the wall-time ``duration_ms``).

Each engine construction compiles the plans and each tick costs tens of milliseconds, so the
examples are modest: ``JOURNEYS_DIFF_EXAMPLES`` (default 40) examples of at most
``MAX_TICKS`` clocks. A failure prints the falsifying scenario (hypothesis) and the specs as
JSON (``note``); ``tests/journeys/compare.py`` shows the differing rows.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from journeys.spec.models import JourneySpec
from tests.journeys.compare import (
    TABLES,
    assert_same,
    canonical_tables,
    draw_specs,
    draw_world,
    run_engine,
    run_reference,
)
from tests.reference.interpreter import World
from tests.reference.strategies import CONDITIONS, STARTS

EXAMPLES = int(os.environ.get("JOURNEYS_DIFF_EXAMPLES", "40"))
LOCAL_TIME_TILES = int(os.environ.get("JOURNEYS_DIFF_LOCAL_TILES", "1"))
"""At most this many wait-until / branch-time tiles per scenario (compile and tick time grow
fast with them: see compare.local_time_tiles); raise it for a slower, broader run."""
MAX_TICKS = 24
H = timedelta(hours=1)
M = timedelta(minutes=1)


@st.composite
def clock_schedules(draw: st.DrawFn, start: datetime) -> list[datetime]:
    """At most ``MAX_TICKS`` clocks from ``start``: hourly for up to a day, every few hours
    for up to five days, or random gaps (minutes to ten hours). Sometimes a clock is ticked
    again, or an earlier one after it (S1: such a tick changes nothing), and sometimes a
    long silence ends the schedule (one tick catching up on days)."""
    mode = draw(st.sampled_from(["hourly", "every", "random"]))
    if mode == "hourly":
        clocks = [start + i * H for i in range(draw(st.integers(1, 24)) + 1)]
    elif mode == "every":
        step = draw(st.sampled_from([2, 3, 6, 12, 24]))
        clocks = [start + i * step * H for i in range(min(MAX_TICKS - 2, 120 // step + 1))]
    else:
        gaps = draw(st.lists(st.integers(1, 600), max_size=MAX_TICKS - 3))
        clocks = [start]
        for gap in gaps:
            clocks.append(clocks[-1] + gap * M)
    if draw(st.integers(0, 3)) == 0:
        clocks.append(clocks[-1] + draw(st.sampled_from([1, 2, 3])) * 24 * H)
    if len(clocks) > 1 and draw(st.integers(0, 3)) == 0:
        i = draw(st.integers(1, len(clocks) - 1))
        stale = clocks[i - draw(st.integers(0, min(i, 2)))]  # the same clock or an earlier one
        clocks.insert(i + 1, stale)
    return clocks


@st.composite
def clock_conditions(draw: st.DrawFn, start: datetime, horizon: timedelta) -> str:
    """A profile condition, sometimes combined with a bound on ``run_at`` so that it
    changes over the clocks (members join and leave audiences, goals start to hold)."""
    condition = draw(st.sampled_from(CONDITIONS))
    if draw(st.booleans()):
        return condition
    at = start + draw(st.integers(0, int(horizon / M))) * M
    bound = draw(st.sampled_from(["run_at < '{}'", "run_at >= '{}'",
                                  "run_at - interval 2 hour > '{}'"]))
    join = draw(st.sampled_from(["and", "or"]))
    return f"({condition}) {join} {bound.format(at.strftime('%Y-%m-%d %H:%M:%S'))}"


@st.composite
def at_tick_clocks(
    draw: st.DrawFn, spec: JourneySpec, start: datetime, horizon: timedelta
) -> JourneySpec:
    """``spec``, sometimes with what the generated specs leave out because it happens at
    tick clocks (irrelevant here: both sides tick at the same clocks): an audience entry
    (``where`` on profiles and ``run_at``), ``audience_exit``, a goal ``where`` with
    ``goal: true``, and ``run_at`` in action fields and webhook bodies."""
    d: dict[str, Any] = spec.model_dump(mode="json", by_alias=True, exclude_none=True)
    if draw(st.integers(0, 2)) == 0:
        entry = {k: v for k, v in d["entry"].items() if k in ("frequency", "cooldown")}
        d["entry"] = {**entry, "audience": {"where": draw(clock_conditions(start, horizon))}}
        if draw(st.booleans()):
            criteria = list(d.get("exit_criteria", []))
            criteria.insert(draw(st.integers(0, len(criteria))), {"audience_exit": True})
            d["exit_criteria"] = criteria
    if draw(st.integers(0, 3)) == 0:
        d["goal"] = {"where": draw(clock_conditions(start, horizon))}
        criteria = [c for c in d.get("exit_criteria", []) if "goal" not in c]
        criteria.insert(draw(st.integers(0, len(criteria))), {"goal": True})
        d["exit_criteria"] = criteria
    if draw(st.integers(0, 3)) == 0:
        for tile in d["tiles"].values():
            if tile["type"] == "action":
                tile["fields"]["at"] = "run_at"
            elif tile["type"] == "webhook":
                tile["body"]["at"] = "run_at + interval 1 day"
    return JourneySpec.model_validate(d)


@st.composite
def differential_scenarios(draw: st.DrawFn) -> tuple[list[JourneySpec], World, list[datetime]]:
    """1–3 journeys (``j<i>`` may lead into a later ``j<k>`` through ``sub_journey`` tiles;
    some with audience entries and tick-clock conditions), a world whose events and
    requests cover the clocks (and a little beyond the last), and the clocks."""
    start = draw(st.sampled_from(STARTS))
    ids = [f"j{i + 1}" for i in range(draw(st.integers(1, 3)))]
    specs = draw_specs(draw, ids, local_time_budget=LOCAL_TIME_TILES)
    clocks = draw(clock_schedules(start))
    horizon = max(clocks) - start + 6 * H
    specs = [draw(at_tick_clocks(spec, start, horizon)) for spec in specs]
    return specs, draw_world(draw, start, ids, clocks), clocks


def spec_json(specs: list[JourneySpec]) -> str:
    return json.dumps(
        [s.model_dump(mode="json", by_alias=True, exclude_none=True) for s in specs], indent=1
    )


def assert_engine_matches_reference(
    specs: list[JourneySpec], world: World, clocks: list[datetime]
) -> None:
    expected = canonical_tables(run_reference(specs, world, clocks))
    actual = canonical_tables(run_engine(specs, world, clocks))
    for table in TABLES:  # steps and due_actions first: the most telling differences
        assert_same(table, expected[table], actual[table])


# --- hand-picked scenarios --------------------------------------------------------------

D = datetime(2026, 6, 1)  # a Monday


def _spec(tiles: dict[str, Any], **fields: Any) -> JourneySpec:
    return JourneySpec.model_validate(
        {"id": "j1", "name": "J", "entry": {"event": {"name": "ev_a"}}, "tiles": tiles, **fields}
    )


def _profile(member_id: str, **columns: Any) -> dict[str, Any]:
    return {
        "member_id": member_id,
        "timezone": None,
        "email": f"{member_id}@example.com",
        "first_name": "Ann",
        "flag_a": True,
        "flag_b": None,
        "score": 5,
        **columns,
    }


def _event(member_id: str, name: str, at: datetime, **properties: Any) -> dict[str, Any]:
    return {"member_id": member_id, "event": name, "occurred_at": at,
            "properties": properties or None}


ACTION_CHAIN = _spec(
    {
        "start": {"type": "entry", "next": "mail"},
        "mail": {"type": "action", "destination": "outbox", "action": "send_email",
                 "template": "t1", "fields": {"score": "score", "flag": "flag_a",
                                              "who": "coalesce(first_name, 'friend')"},
                 "next": "wait"},
        "wait": {"type": "wait", "duration": "2h", "next": "hook"},
        "hook": {"type": "webhook", "destination": "hook", "body": {"email": "email"},
                 "next": "set"},
        "set": {"type": "update_profile", "set": {"flag_b": "flag_a", "score": "score"},
                "next": "done"},
        "done": {"type": "exit"},
    },
    entry={"event": {"name": "ev_a"}, "frequency": "recurring", "cooldown": "1h"},
    exit_criteria=[{"event": {"name": "ev_b"}}],
)
"""Actions, a webhook and a profile update; re-entry after a cooldown; an exit event at the
very time a wait ends (the exit wins the tie)."""

ACTION_WORLD = World(
    profiles=[_profile("m1"), _profile("m2", score=None, first_name=None, flag_a=None)],
    events=[
        _event("m1", "ev_a", D),
        _event("m1", "ev_a", D + 2 * H + 30 * M),  # after completing at D+2h, cooldown 1h
        _event("m1", "ev_a", D + 3 * H + 30 * M),
        _event("m2", "ev_a", D + 10 * M),
        _event("m2", "ev_b", D + 2 * H + 10 * M),  # exactly when the wait ends
    ],
)

SUB_JOURNEYS = [
    _spec(
        {
            "start": {"type": "entry", "next": "wait"},
            "wait": {"type": "wait", "duration": "45m", "next": "sub"},
            "sub": {"type": "sub_journey", "journey": "j2", "next": "done"},
            "done": {"type": "exit"},
        },
    ),
    JourneySpec.model_validate(
        {
            "id": "j2",
            "name": "J2",
            "entry": {"event": {"name": "ev_b"}, "frequency": "recurring"},
            "tiles": {
                "start": {"type": "entry", "next": "branch"},
                "branch": {"type": "branch", "event": {"name": "ev_a"}, "within": "1h",
                           "yes": "done", "no": "done"},
                "done": {"type": "exit"},
            },
        }
    ),
]
"""Sub-journey entries picked up by the target's next tick (at the sub_journey step's time),
after a manual entry, or losing to a direct entry that ends after the sub-journey step's
time (no longer eligible at that entry time)."""

SUB_WORLD = World(
    profiles=[_profile("m1"), _profile("m2"), _profile("m3")],
    events=[
        _event("m1", "ev_a", D),
        _event("m2", "ev_a", D),
        _event("m2", "ev_b", D + 50 * M),  # direct entry into j2 after the sub-journey step
        _event("m3", "ev_a", D),
        _event("m3", "ev_b", D + 30 * M),  # direct entry into j2 before it
        _event("m1", "ev_a", D + 90 * M),
    ],
    manual_entries=[{"journey_id": "j2", "member_id": "m1", "requested_at": D - 2 * H}],
)

HOURLY = [D + i * H for i in range(7)]

LOCAL_TIMES = _spec(
    {
        "start": {"type": "entry", "next": "night"},
        "night": {"type": "wait", "until": {"time": "02:30"}, "next": "early"},
        "early": {"type": "branch", "time": {"between": "03:00-04:00", "timezone": "member"},
                  "yes": "done", "no": "late"},
        "late": {"type": "action", "destination": "outbox", "action": "send_email",
                 "template": "t", "fields": {}, "next": "done"},
        "done": {"type": "exit"},
    },
    entry={"event": {"name": "ev_a"}, "frequency": "recurring"},
    timezone="Europe/Berlin",
)
"""02:30 local in DST gaps (New York 2026-03-08, Berlin 2026-03-29: 03:00 new time, inside
the 03:00-04:00 window) and a fold (Berlin 2026-10-25: the first 02:30, 00:30 UTC, which is
also a tick clock); an invalid member zone falls back to the spec's; an empty payload."""

WINDOWS = _spec(
    {
        "start": {"type": "entry", "next": "wait"},
        "wait": {"type": "wait", "until_event": {"name": "ev_b", "where": "properties.kind = 'x'"},
                 "timeout": "2h", "on_timeout": "done", "next": "hook"},
        "hook": {"type": "webhook", "destination": "hook",
                 "body": {"who": "member_id", "score": "score"}, "next": "done"},
        "done": {"type": "exit"},
    },
    entry={"event": {"name": "ev_a"}, "frequency": "recurring", "cooldown": "30m"},
    goal={"event": "ev_c"},
    exit_criteria=[{"timeout": "90m"}, {"goal": True}],
)
"""Entry windows at their boundaries, a filtered wait event, ties, cooldown, removals."""

WINDOWS_WORLD = World(
    profiles=[_profile(m) for m in ("m1", "m2", "m3", "m4", "m5", "m6")],
    events=[
        _event("m1", "ev_a", D - M),  # before activation: never admitted
        _event("m1", "ev_a", D + H),  # exactly at the second tick: in (D, D+1h]
        _event("m2", "ev_a", D),  # exactly at the first tick: in [T, T]
        _event("m2", "ev_b", D + 30 * M, kind="y"),  # filtered out
        _event("m2", "ev_b", D + 90 * M, kind="x"),  # ties with the 90m timeout: exit wins
        _event("m3", "ev_a", D + 10 * M),
        _event("m3", "ev_c", D + 40 * M),  # goal
        _event("m3", "ev_a", D + 60 * M),  # loses to 00:10 (one entry per tick), then gone
        _event("m3", "ev_a", D + 70 * M),  # exactly when the 30m cooldown ends: re-enters
        _event("m4", "ev_a", D + 20 * M),
        _event("m4", "ev_b", D + 50 * M, kind="x"),  # to the webhook
        _event("m6", "ev_a", D + 20 * M),
        _event("ghost", "ev_a", D + 20 * M),  # no profile: not a member
    ],
    manual_entries=[{"journey_id": "j1", "member_id": "m5", "requested_at": D - 5 * H}],
    manual_removals=[{"journey_id": "j1", "member_id": "m5", "requested_at": D - 4 * H},
                     {"journey_id": "j1", "member_id": "m6", "requested_at": D + 20 * M}],
)

NY_SPRING, EU_SPRING, EU_FALL = datetime(2026, 3, 7, 12), datetime(2026, 3, 28, 12), datetime(
    2026, 10, 24, 12
)
LOCAL_WORLD = World(
    profiles=[_profile("ny", timezone="America/New_York"), _profile("bad", timezone="Not/AZone"),
              _profile("kol", timezone="Asia/Kolkata")],
    events=[_event("ny", "ev_a", NY_SPRING), _event("kol", "ev_a", NY_SPRING),
            _event("bad", "ev_a", EU_SPRING), _event("bad", "ev_a", EU_FALL)],
)
LOCAL_CLOCKS = [NY_SPRING, NY_SPRING + 20 * H, EU_SPRING, EU_SPRING + 18 * H, EU_FALL,
                datetime(2026, 10, 25, 0, 30), datetime(2026, 10, 25, 3)]


@pytest.mark.parametrize(
    ("specs", "world", "clocks"),
    [
        pytest.param([ACTION_CHAIN], ACTION_WORLD, HOURLY, id="actions-hourly"),
        pytest.param([ACTION_CHAIN], ACTION_WORLD, [D, D + 6 * H], id="actions-catch-up"),
        pytest.param(SUB_JOURNEYS, SUB_WORLD, HOURLY, id="sub-journeys-hourly"),
        pytest.param(SUB_JOURNEYS, SUB_WORLD, [D, D + 3 * H, D + H, D + 4 * H],
                     id="sub-journeys-stale-tick"),
        pytest.param([WINDOWS], WINDOWS_WORLD, HOURLY[:5], id="windows-and-ties"),
        pytest.param([LOCAL_TIMES], LOCAL_WORLD, LOCAL_CLOCKS, id="dst-gap-and-fold"),
    ],
)
def test_hand_picked_scenarios_match_the_reference(
    specs: list[JourneySpec], world: World, clocks: list[datetime]
) -> None:
    assert_engine_matches_reference(specs, world, clocks)


# --- the property -------------------------------------------------------------------------


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(differential_scenarios())
def test_engine_writes_what_the_reference_writes(
    scenario: tuple[list[JourneySpec], World, list[datetime]],
) -> None:
    specs, world, clocks = scenario
    note(f"specs: {spec_json(specs)}")
    note(f"clocks: {[c.isoformat() for c in clocks]}")
    assert_engine_matches_reference(specs, world, clocks)
