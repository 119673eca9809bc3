"""Hand-worked scenarios for the reference interpreter (docs/semantics.md, section by section),
plus properties that must hold for any generated scenario."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeys.spec.models import JourneySpec
from tests.reference.expressions import Row, evaluate, holds, parse, value_of
from tests.reference.interpreter import (
    Reference,
    World,
    action_id,
    local_to_utc,
    split_bucket,
)
from tests.reference.strategies import journey_specs, scenarios, worlds

D = datetime(2026, 6, 1)  # a Monday
H = timedelta(hours=1)
M = timedelta(minutes=1)


def at(hh: int, mm: int = 0, day: int = 0) -> datetime:
    return D + timedelta(days=day, hours=hh, minutes=mm)


def make_spec(tiles: dict[str, Any], **fields: Any) -> JourneySpec:
    spec = {
        "id": "j",
        "name": "J",
        "entry": {"event": {"name": "ev_a"}},
        "tiles": tiles,
        **fields,
    }
    return JourneySpec.model_validate(spec)


def profile(member_id: str, **columns: Any) -> dict[str, Any]:
    return {
        "member_id": member_id,
        "timezone": None,
        "email": f"{member_id}@example.com",
        "first_name": None,
        "flag_a": None,
        "flag_b": None,
        "score": None,
        **columns,
    }


def event(member_id: str, name: str, occurred_at: datetime, **properties: Any) -> dict:
    return {
        "member_id": member_id,
        "event": name,
        "occurred_at": occurred_at,
        "properties": properties or None,
    }


def run(specs: list[JourneySpec], world: World, clocks: list[datetime], **kw: Any) -> Reference:
    ref = Reference(specs, world, **kw)
    for clock in clocks:
        ref.tick(clock)
    return ref


def hourly(start: datetime, hours: int) -> list[datetime]:
    return [start + i * H for i in range(hours + 1)]


def path(ref: Reference, member_id: str, entry_seq: int = 1) -> list[tuple]:
    """(tile_id, via, entered_at, exit_reason) of one entry, in order."""
    return [
        (s["tile_id"], s["via"], s["entered_at"], s["exit_reason"])
        for s in ref.steps
        if s["member_id"] == member_id and s["entry_seq"] == entry_seq
    ]


LINEAR = {
    "start": {"type": "entry", "next": "wait_1h"},
    "wait_1h": {"type": "wait", "duration": "1h", "next": "email"},
    "email": {
        "type": "action",
        "destination": "outbox",
        "action": "send_email",
        "template": "t_welcome",
        "fields": {"to": "email", "name": "coalesce(first_name, 'friend')", "score": "score"},
        "next": "wait_2h",
    },
    "wait_2h": {"type": "wait", "duration": "2h", "next": "done"},
    "done": {"type": "exit"},
}


# --- §4 waits and logical time --------------------------------------------------------------


def test_wait_durations_count_from_logical_times_not_ticks() -> None:
    spec = make_spec(LINEAR)
    world = World(profiles=[profile("m1", score=7)], events=[event("m1", "ev_a", at(10, 7))])
    ref = run([spec], world, hourly(at(10), 4))

    assert path(ref, "m1") == [
        ("start", "entry", at(10, 7), None),
        ("wait_1h", "next", at(10, 7), None),
        ("email", "next", at(11, 7), None),
        ("wait_2h", "next", at(11, 7), None),
        ("done", "next", at(13, 7), "completed"),
    ]
    # the first tick (10:00) only sees events at exactly 10:00; 10:07 is seen at 11:00
    assert [s["tick_at"] for s in ref.steps] == [at(11), at(11), at(12), at(12), at(14)]
    assert ref.steps[0]["from_tile"] is None and ref.steps[2]["from_tile"] == "wait_1h"
    assert {s["spec_version"] for s in ref.steps} == {spec.spec_version}

    assert ref.due_actions == [
        {
            "action_id": "194af84a1c5234b4fb189dd7772b8125",  # md5("j:m1:1:email")
            "journey_id": "j",
            "member_id": "m1",
            "entry_seq": 1,
            "tile_id": "email",
            "tile_type": "action",
            "destination": "outbox",
            "action": "send_email",
            "template": "t_welcome",
            "payload": {"to": "m1@example.com", "name": "friend", "score": 7},
            "due_at": at(11, 7),
            "tick_at": at(12),
        }
    ]
    assert action_id("j", "m1", 1, "email") == "194af84a1c5234b4fb189dd7772b8125"
    assert ref.state[("j", "m1", 1)] == {
        "journey_id": "j",
        "member_id": "m1",
        "entry_seq": 1,
        "status": "completed",
        "tile_id": "done",
        "entered_tile_at": at(13, 7),
        "entered_journey_at": at(10, 7),
        "exited_at": at(13, 7),
        "exit_reason": "completed",
        "updated_tick_at": at(14),
    }
    assert [
        (t["tick_at"], t["entered"], t["advanced"], t["exited"], t["actions"]) for t in ref.ticks
    ] == [
        (at(10), 0, 0, 0, 0),
        (at(11), 1, 1, 0, 0),
        (at(12), 0, 2, 0, 1),
        (at(13), 0, 0, 0, 0),
        (at(14), 0, 1, 1, 0),
    ]


def test_one_tick_advances_through_every_step_that_is_due() -> None:
    spec = make_spec(LINEAR)
    world = World(profiles=[profile("m1")], events=[event("m1", "ev_a", at(10, 7))])
    coarse = run([spec], world, [at(10), at(20)])
    fine = run([spec], world, hourly(at(10), 10))
    assert path(coarse, "m1") == path(fine, "m1")
    assert {s["tick_at"] for s in coarse.steps} == {at(20)}


# --- §3 / §5 exit criteria -------------------------------------------------------------------


def test_a_step_at_the_exit_time_loses_to_the_exit() -> None:
    spec = make_spec(LINEAR, exit_criteria=[{"timeout": "1h"}])
    world = World(profiles=[profile("m1")], events=[event("m1", "ev_a", at(10, 7))])
    ref = run([spec], world, hourly(at(10), 4))

    assert path(ref, "m1") == [
        ("start", "entry", at(10, 7), None),
        ("wait_1h", "next", at(10, 7), None),
        ("_exit", "exit_criteria", at(11, 7), "timeout"),
    ]
    exit_row = ref.steps[-1]
    assert (exit_row["tile_type"], exit_row["from_tile"]) == ("exit", "wait_1h")
    assert ref.due_actions == []  # the action at 11:07 never happened
    state = ref.state[("j", "m1", 1)]
    assert (state["status"], state["tile_id"], state["exited_at"]) == (
        "exited",
        "wait_1h",
        at(11, 7),
    )


def test_member_meeting_a_criterion_on_entry_enters_and_exits_at_once() -> None:
    # the entry event is also the goal event; the event criterion is written first and ties
    spec = make_spec(
        LINEAR,
        goal={"event": "ev_a"},
        exit_criteria=[{"event": {"name": "ev_a"}}, {"goal": True}],
    )
    world = World(
        profiles=[profile("m1"), profile("m2")],
        events=[event("m1", "ev_a", at(10, 7))],
    )
    ref = run([spec], world, hourly(at(10), 2))
    assert path(ref, "m1") == [
        ("start", "entry", at(10, 7), None),
        ("_exit", "exit_criteria", at(10, 7), "event"),
    ]
    assert ref.steps[-1]["from_tile"] == "start"

    reordered = make_spec(
        LINEAR,
        goal={"event": "ev_a"},
        exit_criteria=[{"goal": True}, {"event": {"name": "ev_a"}}],
    )
    ref = run([reordered], world, hourly(at(10), 2))
    assert path(ref, "m1")[-1] == ("_exit", "exit_criteria", at(10, 7), "goal")


def test_goal_event_later_exits_at_its_time() -> None:
    spec = make_spec(LINEAR, goal={"event": "ev_g"}, exit_criteria=[{"goal": True}])
    world = World(
        profiles=[profile("m1")],
        events=[event("m1", "ev_a", at(10, 7)), event("m1", "ev_g", at(11, 7))],
    )
    ref = run([spec], world, hourly(at(10), 4))
    # the action at 11:07 ties with the goal at 11:07: the goal wins
    assert path(ref, "m1")[-1] == ("_exit", "exit_criteria", at(11, 7), "goal")
    assert ref.due_actions == []


def test_manual_entry_and_removal() -> None:
    spec = make_spec(LINEAR, entry={"manual": True})
    world = World(
        profiles=[profile("m1"), profile("m2")],
        events=[],
        manual_entries=[
            {"journey_id": "j", "member_id": "m1", "requested_at": at(8)},  # before the first tick
            {"journey_id": "j", "member_id": "m2", "requested_at": at(10, 30)},
            {"journey_id": "other", "member_id": "m2", "requested_at": at(10, 30)},
        ],
        manual_removals=[
            {"journey_id": "j", "member_id": "m1", "requested_at": at(8, 30)},
            {"journey_id": "j", "member_id": "m2", "requested_at": at(10)},  # before E: ignored
        ],
    )
    ref = run([spec], world, hourly(at(10), 4))
    assert path(ref, "m1") == [
        ("start", "entry", at(8), None),
        ("wait_1h", "next", at(8), None),
        ("_exit", "exit_criteria", at(8, 30), "manual"),
    ]
    assert path(ref, "m2")[-1] == ("done", "next", at(13, 30), "completed")


# --- §4 until_event and within: both boundaries count ---------------------------------------


def test_until_event_at_the_timeout_boundary_counts_as_the_event() -> None:
    spec = make_spec(
        {
            "start": {"type": "entry", "next": "wait_ev"},
            "wait_ev": {
                "type": "wait",
                "until_event": {"name": "ev_b", "where": "properties.kind = 'x'"},
                "timeout": "1h",
                "on_timeout": "late",
                "next": "done",
            },
            "late": {"type": "exit"},
            "done": {"type": "exit"},
        }
    )
    world = World(
        profiles=[profile(m) for m in ("m1", "m2", "m3", "m4")],
        events=[
            *(event(m, "ev_a", at(10)) for m in ("m1", "m2", "m3", "m4")),
            event("m1", "ev_b", at(11), kind="x"),  # exactly at the deadline
            event("m2", "ev_b", at(11, 1), kind="x"),  # after it
            event("m3", "ev_b", at(10, 30), kind="y"),  # does not match the filter
            event("m4", "ev_b", at(10), kind="x"),  # at the arrival
        ],
    )
    ref = run([spec], world, hourly(at(10), 3))
    assert path(ref, "m1")[-1] == ("done", "next", at(11), "completed")
    assert path(ref, "m2")[-1] == ("late", "timeout", at(11), "completed")
    assert path(ref, "m3")[-1] == ("late", "timeout", at(11), "completed")
    assert path(ref, "m4")[-1] == ("done", "next", at(10), "completed")


def test_event_branch_windows() -> None:
    tiles = {
        "start": {"type": "entry", "next": "wait"},
        "wait": {"type": "wait", "duration": "1h", "next": "within"},
        "within": {
            "type": "branch",
            "event": {"name": "ev_b"},
            "within": "30m",
            "yes": "past",
            "no": "past",
        },
        "past": {"type": "branch", "event": {"name": "ev_c"}, "yes": "y", "no": "n"},
        "y": {"type": "exit"},
        "n": {"type": "exit"},
    }
    spec = make_spec(tiles)
    members = ("m1", "m2", "m3", "m4")
    world = World(
        profiles=[profile(m) for m in members],
        events=[
            *(event(m, "ev_a", at(10)) for m in members),
            event("m1", "ev_b", at(11)),  # at the arrival: yes at 11:00
            event("m2", "ev_b", at(11, 30)),  # at the window's end: yes at 11:30
            event("m3", "ev_b", at(11, 31)),  # after it: no at 11:30
            event("m4", "ev_b", at(10, 59)),  # before the arrival: no at 11:30
            event("m1", "ev_c", at(10)),  # at the entry: counts for the past-event branch
            event("m2", "ev_c", at(9, 59)),  # before the entry: does not
            event("m3", "ev_c", at(11, 30)),  # at the arrival (11:30): counts
            event("m4", "ev_c", at(11, 31)),  # after the arrival: does not
        ],
    )
    ref = run([spec], world, hourly(at(10), 3))
    assert path(ref, "m1")[2:] == [
        ("within", "next", at(11), None),
        ("past", "yes", at(11), None),
        ("y", "yes", at(11), "completed"),
    ]
    assert path(ref, "m2")[3:] == [
        ("past", "yes", at(11, 30), None),
        ("n", "no", at(11, 30), "completed"),
    ]
    assert path(ref, "m3")[3:] == [
        ("past", "no", at(11, 30), None),
        ("y", "yes", at(11, 30), "completed"),
    ]
    assert path(ref, "m4")[3:] == [
        ("past", "no", at(11, 30), None),
        ("n", "no", at(11, 30), "completed"),
    ]


def test_member_waits_while_the_window_is_open_after_the_clock() -> None:
    spec = make_spec(
        {
            "start": {"type": "entry", "next": "within"},
            "within": {
                "type": "branch",
                "event": {"name": "ev_b"},
                "within": "1d",
                "yes": "y",
                "no": "n",
            },
            "y": {"type": "exit"},
            "n": {"type": "exit"},
        }
    )
    world = World(
        profiles=[profile("m1")], events=[event("m1", "ev_a", at(10)), event("m1", "ev_b", at(20))]
    )
    ref = run([spec], world, [at(10), at(15)])
    assert ref.state[("j", "m1", 1)]["status"] == "active"
    ref.tick(at(21))
    assert path(ref, "m1")[-1] == ("y", "yes", at(20), "completed")


# --- §4 split buckets --------------------------------------------------------------------------


def test_split_bucket_is_the_md5_of_the_documented_key() -> None:
    # md5("j:pick:m1:1") = 5ad4e12d… -> 0x5ad4e12d = 1523900717 -> bucket 717
    assert split_bucket("j", "pick", "m1", 1) == 717
    assert split_bucket("j", "pick", "m2", 1) == 3920  # e565f370…
    assert split_bucket("j", "pick", "m3", 1) == 4864  # d25a7a20…
    spec = make_spec(
        {
            "start": {"type": "entry", "next": "pick"},
            "pick": {
                "type": "split",
                "paths": {
                    "small": {"percent": 10, "next": "a"},  # buckets [0, 1000)
                    "medium": {"percent": 30, "next": "b"},  # [1000, 4000)
                    "large": {"percent": 60, "next": "c"},  # [4000, 10000)
                },
            },
            "a": {"type": "exit"},
            "b": {"type": "exit"},
            "c": {"type": "exit"},
        }
    )
    members = ("m1", "m2", "m3")
    world = World(
        profiles=[profile(m) for m in members], events=[event(m, "ev_a", at(10)) for m in members]
    )
    ref = run([spec], world, [at(10)])
    assert [path(ref, m)[-1][:2] for m in members] == [
        ("a", "small"),
        ("b", "medium"),
        ("c", "large"),
    ]


# --- §2 admission -----------------------------------------------------------------------------

INSTANT = {"start": {"type": "entry", "next": "done"}, "done": {"type": "exit"}}


def test_recurring_cooldown_allows_reentry_exactly_at_exit_plus_cooldown() -> None:
    spec = make_spec(
        INSTANT, entry={"event": {"name": "ev_a"}, "frequency": "recurring", "cooldown": "1h"}
    )
    world = World(
        profiles=[profile("m1")],
        events=[event("m1", "ev_a", t) for t in (at(10), at(10, 59), at(11))],
    )
    ref = run([spec], world, hourly(at(10), 2))
    entries = [(s["entry_seq"], s["entered_at"]) for s in ref.steps if s["via"] == "entry"]
    # 10:59 is inside the cooldown (10:00 + 1h > 10:59); 11:00 is allowed (== exit + cooldown)
    assert entries == [(1, at(10)), (2, at(11))]


def test_once_means_one_entry_ever() -> None:
    spec = make_spec(INSTANT, entry={"event": {"name": "ev_a"}, "frequency": "once"})
    world = World(
        profiles=[profile("m1")],
        events=[event("m1", "ev_a", t) for t in (at(10), at(12), at(15))],
        manual_entries=[{"journey_id": "j", "member_id": "m1", "requested_at": at(13)}],
    )
    ref = run([spec], world, hourly(at(10), 6))
    assert [s["entry_seq"] for s in ref.steps if s["via"] == "entry"] == [1]


def test_no_entry_while_open_and_earliest_candidate_wins() -> None:
    spec = make_spec(LINEAR, entry={"event": {"name": "ev_a"}, "frequency": "recurring"})
    world = World(
        profiles=[profile("m1")],
        events=[event("m1", "ev_a", t) for t in (at(10, 5), at(10, 50), at(11, 30), at(13, 30))],
        manual_entries=[{"journey_id": "j", "member_id": "m1", "requested_at": at(13, 30)}],
    )
    ref = run([spec], world, hourly(at(10), 18))
    entries = [(s["entry_seq"], s["entered_at"]) for s in ref.steps if s["via"] == "entry"]
    # 10:50 and 11:30 arrive while entry 1 is open (it completes at 13:05); at 13:30 the
    # event and the manual entry tie: one entry
    assert entries == [(1, at(10, 5)), (2, at(13, 30))]


def test_at_most_one_new_entry_per_tick_makes_recurring_entries_tick_dependent() -> None:
    # §2 (choice): one new entry per member per tick. Two entry events inside one tick window
    # give one entry (the earliest); the later one is not retried at the next tick. With ticks
    # between them, both enter. This is the one way steps depend on tick frequency for
    # event-entry journeys (the property test below therefore uses frequency: once).
    spec = make_spec(INSTANT, entry={"event": {"name": "ev_a"}, "frequency": "recurring"})
    world = World(
        profiles=[profile("m1")],
        events=[event("m1", "ev_a", at(10, 10)), event("m1", "ev_a", at(10, 20))],
    )
    coarse = run([spec], world, [at(10), at(11), at(12)])
    fine = run([spec], world, [at(10) + 5 * i * M for i in range(25)])
    assert [s["entered_at"] for s in coarse.steps if s["via"] == "entry"] == [at(10, 10)]
    assert [s["entered_at"] for s in fine.steps if s["via"] == "entry"] == [
        at(10, 10),
        at(10, 20),
    ]


def test_audience_entry_goal_where_and_audience_exit() -> None:
    in_model = {"m1": (at(0), at(23)), "m2": (at(0), at(11, 30)), "m3": (at(11), at(23))}

    def vips(clock: datetime) -> set[str]:
        return {m for m, (since, until) in in_model.items() if since <= clock < until}

    spec = make_spec(
        LINEAR,
        entry={"audience": {"model": "vips"}},
        goal={"where": "flag_b"},
        exit_criteria=[{"goal": True}, {"audience_exit": True}],
    )
    world = World(
        profiles=[profile("m1"), profile("m2"), profile("m3", flag_b=True), profile("m4")],
        events=[],
        audiences={"vips": vips},
    )
    ref = run([spec], world, hourly(at(10), 4))
    assert path(ref, "m1")[0] == ("start", "entry", at(10), None)  # in it at the first tick
    assert path(ref, "m1")[-1] == ("done", "next", at(13), "completed")
    # m2 leaves the audience at 11:30; the condition is only known at the 12:00 tick
    assert path(ref, "m2")[-1] == ("_exit", "exit_criteria", at(12), "audience_exit")
    assert [s["tile_id"] for s in ref.steps if s["member_id"] == "m2"] == [
        "start",
        "wait_1h",
        "email",
        "wait_2h",
        "_exit",
    ]
    # m3 joins at 11:00 and meets the goal condition on entry: enters and exits at once
    assert path(ref, "m3") == [
        ("start", "entry", at(11), None),
        ("_exit", "exit_criteria", at(11), "goal"),
    ]
    assert path(ref, "m4") == []

    where_spec = make_spec(INSTANT, entry={"audience": {"where": "score >= 5"}})
    world = World(profiles=[profile("m1", score=5), profile("m2", score=4)], events=[])
    assert [s["member_id"] for s in run([where_spec], world, [at(10)]).steps] == ["m1", "m1"]


def test_member_without_a_profile_never_enters() -> None:
    spec = make_spec(INSTANT)
    world = World(profiles=[profile("m1")], events=[event("ghost", "ev_a", at(10))])
    assert run([spec], world, [at(10), at(11)]).steps == []


# --- local time --------------------------------------------------------------------------------


def test_local_to_utc_gap_and_fold() -> None:
    new_york = ZoneInfo("America/New_York")
    # 2026-03-08 02:30 does not exist in New York: the clocks jump at 07:00 UTC (02:00 EST)
    assert local_to_utc(datetime(2026, 3, 8, 2, 30), new_york) == datetime(2026, 3, 8, 7, 0)
    assert local_to_utc(datetime(2026, 3, 8, 3, 0), new_york) == datetime(2026, 3, 8, 7, 0)
    assert local_to_utc(datetime(2026, 3, 8, 1, 59), new_york) == datetime(2026, 3, 8, 6, 59)
    # 2026-11-01 01:30 happens twice: the first (EDT, 05:30 UTC) counts
    assert local_to_utc(datetime(2026, 11, 1, 1, 30), new_york) == datetime(2026, 11, 1, 5, 30)
    berlin = ZoneInfo("Europe/Berlin")
    assert local_to_utc(datetime(2026, 3, 29, 2, 15), berlin) == datetime(2026, 3, 29, 1, 0)
    kolkata = ZoneInfo("Asia/Kolkata")
    assert local_to_utc(datetime(2026, 6, 1, 9, 0), kolkata) == datetime(2026, 6, 1, 3, 30)


def test_wait_until_in_a_dst_gap_leaves_when_the_clocks_jump() -> None:
    spec = make_spec(
        {
            "start": {"type": "entry", "next": "night"},
            "night": {"type": "wait", "until": {"time": "02:30"}, "next": "done"},
            "done": {"type": "exit"},
        }
    )
    world = World(
        profiles=[profile("m1", timezone="America/New_York")],
        events=[event("m1", "ev_a", datetime(2026, 3, 7, 12, 0))],  # Sat 07:00 EST
    )
    ref = run([spec], world, hourly(datetime(2026, 3, 7, 12, 0), 24))
    assert path(ref, "m1")[-1] == ("done", "next", datetime(2026, 3, 8, 7, 0), "completed")


def test_wait_until_weekdays_and_the_arrival_instant_itself() -> None:
    spec = make_spec(
        {
            "start": {"type": "entry", "next": "monday"},
            "monday": {
                "type": "wait",
                "until": {"weekdays": ["mon"], "time": "10:00", "timezone": "UTC"},
                "next": "done",
            },
            "done": {"type": "exit"},
        }
    )
    world = World(
        profiles=[profile("m1"), profile("m2")],
        events=[event("m1", "ev_a", at(10)), event("m2", "ev_a", at(10, 1))],  # Monday
    )
    ref = run([spec], world, hourly(at(10), 24 * 8))
    assert path(ref, "m1")[-1][2] == at(10)  # the arrival itself matches: ≥ arrival
    assert path(ref, "m2")[-1][2] == at(10, day=7)  # next Monday


def test_member_timezone_falls_back_to_the_spec_and_tile_zone_overrides() -> None:
    tiles = {
        "start": {"type": "entry", "next": "morning"},
        "morning": {"type": "wait", "until": {"time": "09:00"}, "next": "fixed"},
        "fixed": {
            "type": "wait",
            "until": {"time": "09:00", "timezone": "Europe/Berlin"},
            "next": "done",
        },
        "done": {"type": "exit"},
    }
    spec = make_spec(tiles, timezone="Asia/Kolkata")
    world = World(
        profiles=[
            profile("m1", timezone=None),  # -> Asia/Kolkata (spec)
            profile("m2", timezone="Not/AZone"),  # invalid -> Asia/Kolkata (spec)
            profile("m3", timezone="America/New_York"),
        ],
        events=[event(m, "ev_a", at(0)) for m in ("m1", "m2", "m3")],
    )
    ref = run([spec], world, hourly(at(0), 48))
    assert path(ref, "m1")[2][2] == at(3, 30)  # 09:00 IST
    assert path(ref, "m2")[2][2] == at(3, 30)
    assert path(ref, "m3")[2][2] == at(13)  # 09:00 EDT
    # Berlin (CEST, UTC+2) 09:00 = 07:00 UTC, the first one at or after the arrival
    assert path(ref, "m1")[3][2] == at(7)  # arrived 03:30: the same day
    assert path(ref, "m3")[3][2] == at(7, day=1)  # arrived 13:00: the next day


def test_time_branch_crossing_midnight_uses_the_local_arrival() -> None:
    spec = make_spec(
        {
            "start": {"type": "entry", "next": "night"},
            "night": {
                "type": "branch",
                "time": {"between": "22:00-06:00", "weekdays": ["tue"]},
                "yes": "y",
                "no": "n",
            },
            "y": {"type": "exit"},
            "n": {"type": "exit"},
        },
        timezone="Europe/Berlin",
    )
    # Berlin is UTC+2 in June. Arrival local times: Tue 01:00 (yes), Tue 06:00 (end: no),
    # Mon 23:00 (Monday: no), Tue 22:00 (start: yes).
    arrivals = {"m1": at(23), "m2": at(4, day=1), "m3": at(21), "m4": at(20, day=1)}
    world = World(
        profiles=[profile(m) for m in arrivals],
        events=[event(m, "ev_a", t) for m, t in arrivals.items()],
    )
    ref = run([spec], world, hourly(at(0), 48))
    assert {m: path(ref, m)[-1][0] for m in arrivals} == {
        "m1": "y",
        "m2": "n",
        "m3": "n",
        "m4": "y",
    }


# --- §0 monotonic ticks, §6 outputs ------------------------------------------------------------


def test_a_clock_not_after_the_last_tick_changes_nothing() -> None:
    spec = make_spec(LINEAR)
    world = World(
        profiles=[profile("m1")],
        events=[event("m1", "ev_a", at(10, 7)), event("m1", "ev_a", at(10, 30))],
    )
    ref = run([spec], world, [at(10), at(12)])
    before = (list(ref.steps), dict(ref.state), list(ref.due_actions), list(ref.ticks))
    ref.tick(at(11))
    ref.tick(at(12))
    assert (ref.steps, ref.state, ref.due_actions, ref.ticks) == before


def test_update_profile_rows_and_webhook_payload() -> None:
    spec = make_spec(
        {
            "start": {"type": "entry", "next": "tag"},
            "tag": {
                "type": "update_profile",
                "set": {
                    "first_name": "'vip'",
                    "flag_b": "flag_a",
                    "score": "score",
                    "email": "first_name",
                },
                "next": "hook",
            },
            "hook": {
                "type": "webhook",
                "destination": "hook",
                "body": {"flag": "flag_a", "at": "run_at", "none": "first_name"},
                "next": "done",
            },
            "done": {"type": "exit"},
        }
    )
    world = World(
        profiles=[profile("m1", flag_a=True, score=3)], events=[event("m1", "ev_a", at(9, 45))]
    )
    ref = run([spec], world, [at(9), at(10)])
    assert [(u["column_name"], u["value"], u["updated_at"]) for u in ref.profile_updates] == [
        ("first_name", "vip", at(9, 45)),
        ("flag_b", "true", at(9, 45)),
        ("score", "3", at(9, 45)),
        ("email", None, at(9, 45)),
    ]
    assert {u["action_id"] for u in ref.profile_updates} == {action_id("j", "m1", 1, "tag")}
    [hook] = ref.due_actions
    assert (hook["tile_type"], hook["destination"], hook["action"], hook["template"]) == (
        "webhook",
        "hook",
        "custom_api",
        None,
    )
    assert hook["payload"] == {"flag": True, "at": "2026-06-01 10:00:00", "none": None}
    assert ref.ticks[-1]["actions"] == 1  # profile updates are not due actions


# --- sub-journeys: the order journeys run in does not matter ------------------------------------


def test_sub_journey_entry_is_picked_up_by_the_next_tick_in_any_order() -> None:
    parent = make_spec(
        {
            "start": {"type": "entry", "next": "wait"},
            "wait": {"type": "wait", "duration": "30m", "next": "handoff"},
            "handoff": {"type": "sub_journey", "journey": "child", "next": "done"},
            "done": {"type": "exit"},
        },
        id="parent",
    )
    child = make_spec(LINEAR, id="child", entry={"manual": True})
    world = World(profiles=[profile("m1")], events=[event("m1", "ev_a", at(10, 10))])
    clocks = hourly(at(10), 6)
    forward = run([parent, child], world, clocks)
    backward = run([parent, child], world, clocks, journey_order=["child", "parent"])
    assert forward.order == ["parent", "child"]  # source before target, though ids sort otherwise
    assert _same_rows(forward.steps, backward.steps)
    child_steps = [s for s in forward.steps if s["journey_id"] == "child"]
    assert child_steps[0]["entered_at"] == at(10, 40)  # the handoff step's time
    assert child_steps[0]["tick_at"] == at(12)  # the tick after the one that wrote it


def _same_rows(a: list[dict], b: list[dict]) -> bool:
    def key(row: dict) -> str:
        return repr(sorted(row.items()))

    return sorted(map(key, a)) == sorted(map(key, b))


# --- expressions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("flag_a and flag_b", None),  # true and null
        ("flag_a or flag_b", True),
        ("not flag_b", None),
        ("flag_b is null", True),
        ("flag_a is not null", True),
        ("score in (1, 2, null)", None),
        ("score in (7, null)", True),
        ("score between 7 and 8", True),
        ("email like 'm1@%.com'", True),
        ("email like 'm_@example_com'", True),
        ("email not like '%zz%'", True),
        ("lower(first_name) = 'ann'", True),
        ("upper(first_name) = 'ANN'", True),
        ("coalesce(flag_b, false) = false", True),
        ("case when flag_b then 1 when flag_a then 2 else 3 end = 2", True),
        ("run_at - interval 1 day < run_at", True),
        ("run_at + interval '2 hours' = run_at + interval 120 minute", True),
        ("score > 6.5 and score <> 8 and -score < 0", True),
    ],
)
def test_expressions_follow_sql_three_valued_logic(text: str, expected: bool | None) -> None:
    row = Row(profile=profile("m1", flag_a=True, first_name="Ann", score=7), run_at=at(12))
    assert evaluate(parse(text), row) is expected
    assert holds(text, row) is (expected is True)


def test_event_properties_read_as_text() -> None:
    ev = event("m1", "ev_a", at(10), kind="x", n=5, ok=True)
    row = Row(profile=profile("m1"), run_at=at(12), event=ev)
    assert holds("properties.kind = 'x'", row, on_events=True)
    assert holds("properties.n = '5'", row, on_events=True)
    assert holds("properties.n = 5", row, on_events=True)  # text cast to a number
    assert holds("properties.ok = 'true'", row, on_events=True)
    assert not holds("properties.missing = 'x'", row, on_events=True)
    assert value_of("'spring_sale'", Row(profile=profile("m1"), run_at=at(12))) == "spring_sale"
    with pytest.raises(NotImplementedError):
        evaluate(parse("abs(score) > 1"), Row(profile=profile("m1", score=1), run_at=at(12)))


# --- properties -----------------------------------------------------------------------------

PROPERTY_SETTINGS = settings(
    max_examples=int(os.environ.get("REFERENCE_EXAMPLES", "50")),  # more: REFERENCE_EXAMPLES=1000
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _without_tick_at(ref: Reference) -> list[str]:
    return sorted(repr(sorted((k, v) for k, v in s.items() if k != "tick_at")) for s in ref.steps)


@st.composite
def _once_event_scenarios(draw: st.DrawFn) -> tuple[list[JourneySpec], World, datetime]:
    start = datetime(2026, 3, 5, 0, 0)
    specs = [
        draw(journey_specs(journey_id=jid, entries=("event",), frequencies=("once",)))
        for jid in ("j1", "j2")
    ]
    return specs, draw(worlds(start=start, journey_ids=("j1", "j2"))), start


@PROPERTY_SETTINGS
@given(_once_event_scenarios())
def test_hourly_and_six_hourly_ticks_give_the_same_steps(
    scenario: tuple[list[JourneySpec], World, datetime],
) -> None:
    specs, world, start = scenario
    hours = 5 * 24
    hourly_ref = run(specs, world, [start + i * H for i in range(hours + 1)])
    six_hourly_ref = run(specs, world, [start + i * 6 * H for i in range(hours // 6 + 1)])
    assert _without_tick_at(hourly_ref) == _without_tick_at(six_hourly_ref)
    assert {
        k: {c: v for c, v in s.items() if c != "updated_tick_at"}
        for k, s in hourly_ref.state.items()
    } == {
        k: {c: v for c, v in s.items() if c != "updated_tick_at"}
        for k, s in six_hourly_ref.state.items()
    }


@PROPERTY_SETTINGS
@given(scenarios(max_journeys=3, sub_journeys=True))
def test_the_order_journeys_run_in_does_not_matter(
    scenario: tuple[list[JourneySpec], World, list[datetime]],
) -> None:
    specs, world, clocks = scenario
    forward = run(specs, world, clocks)
    backward = run(specs, world, clocks, journey_order=sorted((s.id for s in specs), reverse=True))
    assert _same_rows(forward.steps, backward.steps)
    assert _same_rows(forward.due_actions, backward.due_actions)
    assert forward.state == backward.state


@PROPERTY_SETTINGS
@given(scenarios(max_journeys=2))
def test_generated_scenarios_are_well_formed(
    scenario: tuple[list[JourneySpec], World, list[datetime]],
) -> None:
    specs, world, clocks = scenario
    ref = run(specs, world, clocks)
    by_id = {s.id: s for s in specs}
    for row in ref.steps:
        assert row["entered_at"] <= row["tick_at"]
        if row["tile_id"] != "_exit":
            assert by_id[row["journey_id"]].tiles[row["tile_id"]].type == row["tile_type"]
    for (jid, member_id, seq), state in ref.state.items():
        rows = [
            s
            for s in ref.steps
            if (s["journey_id"], s["member_id"], s["entry_seq"]) == (jid, member_id, seq)
        ]
        assert rows[0]["via"] == "entry"
        assert [r["entered_at"] for r in rows] == sorted(r["entered_at"] for r in rows)
        ended = [r for r in rows if r["exit_reason"] is not None]
        assert len(ended) == (0 if state["status"] == "active" else 1)
        if ended:
            assert ended[0] is rows[-1] and state["exited_at"] == ended[0]["entered_at"]
    for entries in ref.entries.values():
        assert sum(e.status == "active" for e in entries) <= 1
        for earlier, later in zip(entries, entries[1:], strict=False):
            assert earlier.exited_at is not None and earlier.exited_at <= later.entered_at
    assert len({a["action_id"] for a in ref.due_actions}) == len(ref.due_actions)
