"""Golden scenarios for ``journey_specs/welcome_series.yml``, worked out by hand.

The seed journey: members who signed up in the last day (as of the tick) enter; 1h later the
welcome email, 3 days later "onboarded?" (profile flag at the tick): tips, or a reminder and,
2 days later, a final nudge unless onboarded by then. Exits: goal (onboarding_completed
event), unsubscribed event, timeout 30d, and a manual removal always applies.

Ticks are every 6 hours (00, 06, 12, 18 UTC). Waits count from logical times (S2), so the
steps are the same as with hourly ticks except the entry time, which for an audience is the
clock of the first tick that sees the member: everybody below who signs up Monday 09:30
enters at the Monday 12:00 tick.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.journeys.engine_harness import Engine, World, seed_spec, spec_from_yaml
from tests.journeys.golden.golden_support import (
    HOUR,
    REPO_SPECS,
    actions_of,
    assert_logged_by_first_tick,
    assert_timeline,
    clocks,
    due,
    state_of,
    state_row,
    tick_with_changes,
)

J = "welcome_series"

SIGNUP = datetime(2026, 6, 1, 9, 30)  # Monday 09:30
E = datetime(2026, 6, 1, 12)  # the Monday 12:00 tick sees them: entry
WELCOME = datetime(2026, 6, 1, 13)  # E + 1h
THU = datetime(2026, 6, 4, 13)  # WELCOME + 3d: "onboarded?"
SAT = datetime(2026, 6, 6, 13)  # THU + 2d: "onboarded again?"

TICKS = clocks(datetime(2026, 6, 1), datetime(2026, 6, 7), 6 * HOUR)

# Every entry of the seed journey starts the same way.
PREFIX = [
    (1, "start", "entry", E, None),
    (1, "wait_1h", "next", E, None),
    (1, "welcome_email", "next", WELCOME, None),
    (1, "wait_3d", "next", WELCOME, None),
]


def profile(member_id: str, *, signed_up_at: datetime = SIGNUP, onboarded: bool = False,
            timezone: str | None = None) -> dict:
    return {
        "member_id": member_id,
        "timezone": timezone,
        "signed_up_at": signed_up_at,
        "onboarding_completed": onboarded,
        "first_name": member_id.capitalize(),
        "company_name": "Acme",
        "plan": "free",
    }


def welcome(member_id: str) -> dict:
    return due(J, member_id, 1, "welcome_email", due_at=WELCOME, template="d-welcome",
               payload={"first_name": member_id.capitalize(), "company": "Acme",
                        "plan": "free"})


def reminder(member_id: str) -> dict:
    return due(J, member_id, 1, "reminder_email", due_at=THU,
               template="d-onboarding-reminder",
               payload={"first_name": member_id.capitalize(), "company": "Acme"})


def tips(member_id: str) -> dict:
    return due(J, member_id, 1, "tips_email", due_at=THU, template="d-tips",
               payload={"first_name": member_id.capitalize(), "plan": "free"})


def event(member_id: str, name: str, at: datetime) -> dict:
    return {"member_id": member_id, "event": name, "occurred_at": at, "properties": None}


# --- the seed journey, one world -------------------------------------------------------------

SEED_WORLD = dict(
    profiles=[
        profile("ada"),
        profile("bo", onboarded=True),
        profile("cleo"),
        profile("dan"),
        profile("eve"),
        profile("fay"),
        profile("gus", onboarded=True),
        profile("hal"),
        profile("ivy"),
        profile("jo"),
        profile("kai"),
        profile("lea", signed_up_at=datetime(2026, 5, 25, 9, 30)),
        profile("mo"),
    ],
    events=[
        event("eve", "onboarding_completed", datetime(2026, 6, 2, 15)),
        event("fay", "onboarding_completed", THU),
        event("gus", "onboarding_completed", datetime(2026, 6, 1, 11)),
        event("hal", "unsubscribed", datetime(2026, 6, 1, 14)),
        event("jo", "unsubscribed", datetime(2026, 6, 3, 8)),
        event("kai", "onboarding_completed", datetime(2026, 6, 2, 10)),
        event("kai", "unsubscribed", datetime(2026, 6, 2, 10)),
    ],
    manual_removals=[
        {"journey_id": J, "member_id": "ivy", "requested_at": datetime(2026, 6, 3, 8)},
        {"journey_id": J, "member_id": "jo", "requested_at": datetime(2026, 6, 3, 8)},
        {"journey_id": J, "member_id": "mo", "requested_at": E},
    ],
)


@pytest.fixture(scope="module")
def seed() -> Engine:
    engine = Engine([seed_spec(J)], World(**SEED_WORLD))
    return tick_with_changes(engine, TICKS, {
        # the CRM sync sets Dan's flag on Thursday 15:00 (between the 12:00 and 18:00 ticks)
        datetime(2026, 6, 4, 18): {"dan": {"onboarding_completed": True}},
        # ... and Cleo's on Friday evening
        datetime(2026, 6, 6): {"cleo": {"onboarding_completed": True}},
    })


def test_not_onboarded_gets_the_reminder_then_the_final_nudge(seed: Engine) -> None:
    """Ada signs up Monday 09:30; the 12:00 tick admits her. 1h later (13:00) the welcome
    email; Thursday 13:00 she has not onboarded: reminder; Saturday 13:00 still not: the final
    nudge, and she completes the journey."""
    assert_timeline(seed, J, "ada", PREFIX + [
        (1, "onboarded", "next", THU, None),
        (1, "reminder_email", "no", THU, None),
        (1, "wait_2d", "next", THU, None),
        (1, "onboarded_again", "next", SAT, None),
        (1, "final_nudge", "no", SAT, None),
        (1, "done", "next", SAT, "completed"),
    ])
    assert state_of(seed, J, "ada") == [state_row(
        J, "ada", 1, status="completed", tile_id="done", entered_tile_at=SAT,
        entered_journey_at=E, exited_at=SAT, exit_reason="completed",
        updated_tick_at=datetime(2026, 6, 6, 18))]
    assert actions_of(seed, J, "ada") == [
        welcome("ada"),
        reminder("ada"),
        due(J, "ada", 1, "final_nudge", due_at=SAT, template="d-onboarding-nudge",
            payload={"first_name": "Ada", "signed_up_at": "2026-06-01 09:30:00"}),
    ]


def test_onboarded_member_gets_tips_and_completes(seed: Engine) -> None:
    """Bo's profile says onboarding_completed (an import, no event): Thursday 13:00 the branch
    says yes, he gets the tips email and completes at once."""
    assert_timeline(seed, J, "bo", PREFIX + [
        (1, "onboarded", "next", THU, None),
        (1, "tips_email", "yes", THU, None),
        (1, "done", "next", THU, "completed"),
    ])
    assert state_of(seed, J, "bo") == [state_row(
        J, "bo", 1, status="completed", tile_id="done", entered_tile_at=THU,
        entered_journey_at=E, exited_at=THU, exit_reason="completed",
        updated_tick_at=datetime(2026, 6, 4, 18))]
    assert actions_of(seed, J, "bo") == [welcome("bo"), tips("bo")]


def test_onboarded_between_the_branches_skips_the_final_nudge(seed: Engine) -> None:
    """Cleo is not onboarded on Thursday (reminder) but is by Saturday: the second branch
    says yes and she goes straight to done, no nudge."""
    assert_timeline(seed, J, "cleo", PREFIX + [
        (1, "onboarded", "next", THU, None),
        (1, "reminder_email", "no", THU, None),
        (1, "wait_2d", "next", THU, None),
        (1, "onboarded_again", "next", SAT, None),
        (1, "done", "yes", SAT, "completed"),
    ])
    assert actions_of(seed, J, "cleo") == [welcome("cleo"), reminder("cleo")]


def test_branch_condition_reads_the_profile_at_the_tick(seed: Engine) -> None:
    """Dan reaches "onboarded?" at Thursday 13:00 (logical time), but the branch is evaluated
    by the 18:00 tick, and his flag was set at 15:00: the profile at the tick T counts, so he
    goes the yes way (the one place where the tick grid shows, C6 S15)."""
    assert_timeline(seed, J, "dan", PREFIX + [
        (1, "onboarded", "next", THU, None),
        (1, "tips_email", "yes", THU, None),
        (1, "done", "next", THU, "completed"),
    ])
    assert actions_of(seed, J, "dan") == [welcome("dan"), tips("dan")]


def test_goal_event_exits_before_the_next_step(seed: Engine) -> None:
    """Eve completes onboarding Tuesday 15:00, while waiting 3 days: she exits with the goal at
    15:00, from wait_3d; no branch, no reminder."""
    assert_timeline(seed, J, "eve", PREFIX + [
        (1, "_exit", "exit_criteria", datetime(2026, 6, 2, 15), "goal"),
    ])
    assert state_of(seed, J, "eve") == [state_row(
        J, "eve", 1, status="exited", tile_id="wait_3d", entered_tile_at=WELCOME,
        entered_journey_at=E, exited_at=datetime(2026, 6, 2, 15), exit_reason="goal",
        updated_tick_at=datetime(2026, 6, 2, 18))]
    assert actions_of(seed, J, "eve") == [welcome("eve")]


def test_a_goal_at_the_same_instant_as_a_step_wins(seed: Engine) -> None:
    """Fay completes onboarding on Thursday 13:00 sharp, the instant her 3-day wait ends: a tie
    goes to the exit, so she never reaches "onboarded?"."""
    assert_timeline(seed, J, "fay", PREFIX + [
        (1, "_exit", "exit_criteria", THU, "goal"),
    ])
    assert state_of(seed, J, "fay") == [state_row(
        J, "fay", 1, status="exited", tile_id="wait_3d", entered_tile_at=WELCOME,
        entered_journey_at=E, exited_at=THU, exit_reason="goal",
        updated_tick_at=datetime(2026, 6, 4, 18))]
    assert actions_of(seed, J, "fay") == [welcome("fay")]


def test_a_goal_event_before_the_entry_does_not_count(seed: Engine) -> None:
    """Gus completes onboarding Monday 11:00, before the 12:00 tick admits him: the goal
    counts events at or after the entry only, so he goes the whole way (flag set: tips)."""
    assert_timeline(seed, J, "gus", PREFIX + [
        (1, "onboarded", "next", THU, None),
        (1, "tips_email", "yes", THU, None),
        (1, "done", "next", THU, "completed"),
    ])
    assert actions_of(seed, J, "gus") == [welcome("gus"), tips("gus")]


def test_unsubscribe_exits_and_once_means_no_re_entry(seed: Engine) -> None:
    """Hal unsubscribes Monday 14:00, an hour after his welcome email: exit 'event' at 14:00.
    He is still in the audience (signed up within a day) at the 18:00, 00:00 and 06:00 ticks,
    but the journey is `once`: no second entry."""
    assert_timeline(seed, J, "hal", PREFIX + [
        (1, "_exit", "exit_criteria", datetime(2026, 6, 1, 14), "event"),
    ])
    assert state_of(seed, J, "hal") == [state_row(
        J, "hal", 1, status="exited", tile_id="wait_3d", entered_tile_at=WELCOME,
        entered_journey_at=E, exited_at=datetime(2026, 6, 1, 14), exit_reason="event",
        updated_tick_at=datetime(2026, 6, 1, 18))]
    assert actions_of(seed, J, "hal") == [welcome("hal")]


def test_manual_removal_exits_at_its_requested_time(seed: Engine) -> None:
    """Support removes Ivy on Wednesday 08:00 (a manual_removals row): exit 'manual' at 08:00,
    written by the 12:00 tick."""
    assert_timeline(seed, J, "ivy", PREFIX + [
        (1, "_exit", "exit_criteria", datetime(2026, 6, 3, 8), "manual"),
    ])
    assert state_of(seed, J, "ivy") == [state_row(
        J, "ivy", 1, status="exited", tile_id="wait_3d", entered_tile_at=WELCOME,
        entered_journey_at=E, exited_at=datetime(2026, 6, 3, 8), exit_reason="manual",
        updated_tick_at=datetime(2026, 6, 3, 12))]


def test_manual_removal_loses_a_tie_with_a_written_criterion(seed: Engine) -> None:
    """Jo unsubscribes Wednesday 08:00, the very instant support removes her: between criteria
    at the same time the first written wins, and a manual removal comes last: 'event'."""
    assert_timeline(seed, J, "jo", PREFIX + [
        (1, "_exit", "exit_criteria", datetime(2026, 6, 3, 8), "event"),
    ])


def test_goal_is_written_before_unsubscribe(seed: Engine) -> None:
    """Kai completes onboarding and unsubscribes in the same instant (Tuesday 10:00): `goal`
    is the first criterion written, so the reason is 'goal'."""
    assert_timeline(seed, J, "kai", PREFIX + [
        (1, "_exit", "exit_criteria", datetime(2026, 6, 2, 10), "goal"),
    ])


def test_removed_at_the_entry_instant_enters_and_exits_at_once(seed: Engine) -> None:
    """Mo's removal is requested at Monday 12:00, the clock that admits him: the entry step
    always happens, the exit wins the tie with wait_1h, so he enters and exits at once."""
    assert_timeline(seed, J, "mo", [
        (1, "start", "entry", E, None),
        (1, "_exit", "exit_criteria", E, "manual"),
    ])
    assert state_of(seed, J, "mo") == [state_row(
        J, "mo", 1, status="exited", tile_id="start", entered_tile_at=E,
        entered_journey_at=E, exited_at=E, exit_reason="manual", updated_tick_at=E)]
    assert actions_of(seed, J, "mo") == []


def test_an_old_signup_never_enters(seed: Engine) -> None:
    """Lea signed up a week before the first tick: never in the audience, no rows at all."""
    assert seed.timeline("lea") == []
    assert state_of(seed, J, "lea") == []


def test_steps_are_logged_by_the_first_tick_at_or_after_their_time(seed: Engine) -> None:
    assert_logged_by_first_tick(seed, TICKS)


# --- timeout: the seed journey with a 4-day timeout ------------------------------------------

SHORT_TIMEOUT = (REPO_SPECS / f"{J}.yml").read_text()
assert SHORT_TIMEOUT.count("timeout: 30d") == 1
SHORT_TIMEOUT = SHORT_TIMEOUT.replace("timeout: 30d", "timeout: 4d")
TIMEOUT_TICKS = clocks(datetime(2026, 6, 1), datetime(2026, 6, 6), 6 * HOUR)


@pytest.fixture(scope="module")
def short_timeout() -> Engine:
    engine = Engine([spec_from_yaml(SHORT_TIMEOUT)], World(profiles=[profile("max")]))
    return engine.tick(*TIMEOUT_TICKS)


def test_timeout_exits_while_waiting(short_timeout: Engine) -> None:
    """With `timeout: 4d`, Max (entered Monday 12:00, never onboarded) gets the welcome and
    the Thursday reminder, then times out on Friday 12:00 in wait_2d: no final nudge."""
    x = datetime(2026, 6, 5, 12)
    assert_timeline(short_timeout, J, "max", PREFIX + [
        (1, "onboarded", "next", THU, None),
        (1, "reminder_email", "no", THU, None),
        (1, "wait_2d", "next", THU, None),
        (1, "_exit", "exit_criteria", x, "timeout"),
    ])
    assert state_of(short_timeout, J, "max") == [state_row(
        J, "max", 1, status="exited", tile_id="wait_2d", entered_tile_at=THU,
        entered_journey_at=E, exited_at=x, exit_reason="timeout", updated_tick_at=x)]
    assert actions_of(short_timeout, J, "max") == [welcome("max"), reminder("max")]
    assert_logged_by_first_tick(short_timeout, TIMEOUT_TICKS)


# --- local time: the welcome email waits for a local wall-clock time -------------------------

LOCAL_TIME_SPEC = """
id: {id}
name: Welcome at a local time
timezone: Europe/Berlin            # for members without a (valid) time zone
entry:
  audience: {{ where: "signed_up_at >= run_at - interval 1 day and signed_up_at <= run_at" }}
  frequency: once
goal: {{ event: onboarding_completed }}
exit_criteria:
  - goal: true
tiles:
  start: {{ type: entry, next: wait_local }}
  wait_local: {{ type: wait, until: {{ time: "{time}" }}, next: welcome_email }}
  welcome_email:
    type: action
    destination: sendgrid
    action: send_email
    template: d-welcome
    fields: {{ first_name: first_name, company: company_name, plan: plan }}
    next: done
  done: {{ type: exit }}
"""
MORNING = "welcome_morning"  # waits until 09:00 local
NIGHT = "welcome_night"  # waits until 02:30 local: inside the spring-forward gap

# Three 6-hourly spans: the US spring change (Sunday 2026-03-08, 02:00 EST -> 03:00 EDT), the
# EU spring change (Sunday 2026-03-29, 02:00 CET -> 03:00 CEST) and the EU autumn change
# (Sunday 2026-10-25, 03:00 CEST -> 02:00 CET: 02:00-03:00 happens twice).
DST_TICKS = (clocks(datetime(2026, 3, 7), datetime(2026, 3, 9), 6 * HOUR)
             + clocks(datetime(2026, 3, 28), datetime(2026, 3, 30), 6 * HOUR)
             + clocks(datetime(2026, 10, 24), datetime(2026, 10, 26), 6 * HOUR))
US_SIGNUP = datetime(2026, 3, 7, 17)  # Saturday; the 18:00 UTC tick admits them
US_E = datetime(2026, 3, 7, 18)
EU_SIGNUP = datetime(2026, 3, 28, 10)  # Saturday; the 12:00 UTC tick admits her
EU_E = datetime(2026, 3, 28, 12)
FALL_SIGNUP = datetime(2026, 10, 24, 10)  # Saturday; the 12:00 UTC tick admits him
FALL_E = datetime(2026, 10, 24, 12)


@pytest.fixture(scope="module")
def local_time() -> Engine:
    world = World(profiles=[
        profile("nia", signed_up_at=US_SIGNUP, timezone="America/New_York"),
        profile("bea", signed_up_at=EU_SIGNUP, timezone="Europe/Berlin"),
        profile("ole", signed_up_at=FALL_SIGNUP, timezone="Europe/Berlin"),
        profile("nil", signed_up_at=US_SIGNUP, timezone=None),
        profile("zed", signed_up_at=US_SIGNUP, timezone="Mars/Olympus"),
        profile("uma", signed_up_at=US_SIGNUP, timezone="UTC"),
    ])
    specs = [spec_from_yaml(LOCAL_TIME_SPEC.format(id=MORNING, time="09:00")),
             spec_from_yaml(LOCAL_TIME_SPEC.format(id=NIGHT, time="02:30"))]
    return Engine(specs, world).tick(*DST_TICKS)


def local_timeline(journey_id: str, entered: datetime, sent: datetime) -> list[tuple]:
    return [
        (1, "start", "entry", entered, None),
        (1, "wait_local", "next", entered, None),
        (1, "welcome_email", "next", sent, None),
        (1, "done", "next", sent, "completed"),
    ]


@pytest.mark.parametrize(
    ("member_id", "entered", "morning", "night"),
    [
        # New York, entered Saturday 13:00 EST. Sunday 09:00 is EDT (UTC-4): 13:00 UTC, not
        # the 14:00 UTC it was on Saturday. Sunday 02:30 does not exist (02:00 -> 03:00): the
        # instant the clocks jump, 03:00 EDT = 07:00 UTC.
        pytest.param("nia", US_E, datetime(2026, 3, 8, 13), datetime(2026, 3, 8, 7),
                     id="new_york_spring_forward"),
        # Berlin, entered Saturday 13:00 CET. Sunday 09:00 is CEST (UTC+2): 07:00 UTC. Sunday
        # 02:30 does not exist: 03:00 CEST = 01:00 UTC.
        pytest.param("bea", EU_E, datetime(2026, 3, 29, 7), datetime(2026, 3, 29, 1),
                     id="berlin_spring_forward"),
        # Berlin, entered Saturday 14:00 CEST. Sunday 09:00 is CET again (UTC+1): 08:00 UTC.
        # Sunday 02:30 happens twice (00:30 UTC in CEST, 01:30 UTC in CET): the first one.
        pytest.param("ole", FALL_E, datetime(2026, 10, 25, 8), datetime(2026, 10, 25, 0, 30),
                     id="berlin_fall_back"),
        # No time zone: the spec's (Europe/Berlin, still CET on March 8, UTC+1). Entered
        # Saturday 19:00 CET: Sunday 09:00 CET = 08:00 UTC, 02:30 CET = 01:30 UTC.
        pytest.param("nil", US_E, datetime(2026, 3, 8, 8), datetime(2026, 3, 8, 1, 30),
                     id="no_timezone_uses_the_spec_timezone"),
        # 'Mars/Olympus' is not an IANA zone: same as no time zone.
        pytest.param("zed", US_E, datetime(2026, 3, 8, 8), datetime(2026, 3, 8, 1, 30),
                     id="invalid_timezone_uses_the_spec_timezone"),
        # UTC: 09:00 and 02:30 UTC on Sunday (the control).
        pytest.param("uma", US_E, datetime(2026, 3, 8, 9), datetime(2026, 3, 8, 2, 30),
                     id="utc_member"),
    ],
)
def test_wait_until_local_time(local_time: Engine, member_id: str, entered: datetime,
                               morning: datetime, night: datetime) -> None:
    """Each member signs up on a Saturday and waits for the next 09:00 (morning journey) or
    02:30 (night journey) in their own time zone, across the night the clocks change."""
    for journey_id, sent in ((MORNING, morning), (NIGHT, night)):
        assert_timeline(local_time, journey_id, member_id,
                        local_timeline(journey_id, entered, sent))
        assert [a["due_at"] for a in actions_of(local_time, journey_id, member_id)] == [sent]
        assert state_of(local_time, journey_id, member_id)[0]["exited_at"] == sent


def test_local_time_steps_are_logged_by_the_first_tick(local_time: Engine) -> None:
    assert_logged_by_first_tick(local_time, DST_TICKS)
