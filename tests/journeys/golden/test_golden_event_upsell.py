"""Golden scenarios for ``journey_specs/event_upsell.yml``, worked out by hand.

The seed journey: free-plan members enter; they wait until they hit a feature limit (at most
30 days, else they leave through `no_limit_reached`); then the upgrade email, 3 days, and
"started a trial since entering?": yes, 12 days later the trial-ending email; no, a case
study. Only an unsubscribed event exits early (the trial goal is a metric, not an exit).

Ticks are daily at 00:00 UTC. Nothing here depends on the tick grid except the entry time
(S2): all members are free at the first tick, so all enter at Monday 2026-06-01 00:00, and
their wait for the limit times out at Wednesday 2026-07-01 00:00.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.journeys.engine_harness import Engine, World, seed_spec
from tests.journeys.golden.golden_support import (
    DAY,
    MINUTE,
    actions_of,
    assert_logged_by_first_tick,
    assert_timeline,
    clocks,
    due,
    state_of,
    state_row,
)

J = "event_upsell"
E = datetime(2026, 6, 1)  # the first tick: every free member enters
DEADLINE = datetime(2026, 7, 1)  # E + 30d: the until-event wait times out
TICKS = clocks(E, datetime(2026, 7, 4), DAY)

START = [
    (1, "start", "entry", E, None),
    (1, "wait_for_limit", "next", E, None),
]


def profile(member_id: str, plan: str = "free") -> dict:
    return {"member_id": member_id, "timezone": None, "plan": plan,
            "first_name": member_id.capitalize(), "company_name": f"{member_id.capitalize()} Inc"}


def event(member_id: str, name: str, at: datetime) -> dict:
    return {"member_id": member_id, "event": name, "occurred_at": at, "properties": None}


def upgrade(member_id: str, at: datetime) -> dict:
    return due(J, member_id, 1, "upgrade_email", due_at=at, template="d-upgrade-trial-offer",
               payload={"first_name": member_id.capitalize(),
                        "company": f"{member_id.capitalize()} Inc", "offer": "pro_trial_14d"})


def case_study(member_id: str, at: datetime) -> dict:
    return due(J, member_id, 1, "case_study_email", due_at=at, template="d-case-study",
               payload={"first_name": member_id.capitalize(),
                        "company": f"{member_id.capitalize()} Inc"})


@pytest.fixture(scope="module")
def upsell() -> Engine:
    world = World(
        profiles=[profile("ada"), profile("bo"), profile("cy"), profile("dee"), profile("eve"),
                  profile("fay"), profile("gia"), profile("pat", plan="pro")],
        events=[
            event("ada", "feature_limit_reached", datetime(2026, 6, 3, 14, 20)),
            event("ada", "trial_started", datetime(2026, 6, 4, 9)),
            event("bo", "feature_limit_reached", datetime(2026, 6, 2, 10)),
            event("bo", "trial_started", datetime(2026, 6, 6)),
            event("cy", "feature_limit_reached", datetime(2026, 5, 31, 23)),
            event("dee", "feature_limit_reached", DEADLINE),
            event("eve", "feature_limit_reached", DEADLINE + MINUTE),
            event("fay", "unsubscribed", datetime(2026, 6, 10, 8)),
            event("gia", "feature_limit_reached", E),
            event("pat", "feature_limit_reached", datetime(2026, 6, 2)),
        ],
    )
    return Engine([seed_spec(J)], world).tick(*TICKS)


def test_limit_then_trial_gets_the_trial_ending_email(upsell: Engine) -> None:
    """Ada hits a limit Wednesday 06-03 14:20: the upgrade offer goes out at once. She starts
    a trial Thursday 09:00; on Saturday 14:20 (3 days after the offer) "started a trial?" says
    yes, and 12 days later, 06-18 14:20, the trial-ending email. The trial is the goal but
    not an exit criterion, so she carries on after it."""
    limit = datetime(2026, 6, 3, 14, 20)
    branch = datetime(2026, 6, 6, 14, 20)
    ending = datetime(2026, 6, 18, 14, 20)
    assert_timeline(upsell, J, "ada", START + [
        (1, "upgrade_email", "next", limit, None),
        (1, "wait_3d", "next", limit, None),
        (1, "started_trial", "next", branch, None),
        (1, "wait_12d", "yes", branch, None),
        (1, "trial_ending_email", "next", ending, None),
        (1, "done", "next", ending, "completed"),
    ])
    assert state_of(upsell, J, "ada") == [state_row(
        J, "ada", 1, status="completed", tile_id="done", entered_tile_at=ending,
        entered_journey_at=E, exited_at=ending, exit_reason="completed",
        updated_tick_at=datetime(2026, 6, 19))]
    assert actions_of(upsell, J, "ada") == [
        upgrade("ada", limit),
        due(J, "ada", 1, "trial_ending_email", due_at=ending, template="d-trial-ending",
            payload={"first_name": "Ada"}),
    ]


def test_trial_after_the_branch_does_not_count(upsell: Engine) -> None:
    """Bo hits a limit Tuesday 10:00; at Friday 10:00 he has no trial yet (he starts one on
    Saturday): the branch looks at events between entry and arrival only, so no: the case
    study, and he completes."""
    limit = datetime(2026, 6, 2, 10)
    branch = datetime(2026, 6, 5, 10)
    assert_timeline(upsell, J, "bo", START + [
        (1, "upgrade_email", "next", limit, None),
        (1, "wait_3d", "next", limit, None),
        (1, "started_trial", "next", branch, None),
        (1, "case_study_email", "no", branch, None),
        (1, "done", "next", branch, "completed"),
    ])
    assert actions_of(upsell, J, "bo") == [upgrade("bo", limit), case_study("bo", branch)]


def test_no_limit_in_30_days_takes_the_timeout_path(upsell: Engine) -> None:
    """Cy hit a limit on Sunday 05-31 23:00, an hour before she entered: the wait counts events
    from her arrival only. Nothing after: at entry + 30d (07-01 00:00) she leaves via
    `timeout` to `no_limit_reached` and completes; no email."""
    assert_timeline(upsell, J, "cy", START + [
        (1, "no_limit_reached", "timeout", DEADLINE, "completed"),
    ])
    assert state_of(upsell, J, "cy") == [state_row(
        J, "cy", 1, status="completed", tile_id="no_limit_reached", entered_tile_at=DEADLINE,
        entered_journey_at=E, exited_at=DEADLINE, exit_reason="completed",
        updated_tick_at=DEADLINE)]
    assert actions_of(upsell, J, "cy") == []


def test_event_exactly_at_the_timeout_counts_as_the_event(upsell: Engine) -> None:
    """Dee hits a limit at 07-01 00:00 sharp, the timeout instant: an event on the boundary
    counts, so she gets the upgrade offer (via `next`), and 3 days later the case study."""
    branch = DEADLINE + 3 * DAY
    assert_timeline(upsell, J, "dee", START + [
        (1, "upgrade_email", "next", DEADLINE, None),
        (1, "wait_3d", "next", DEADLINE, None),
        (1, "started_trial", "next", branch, None),
        (1, "case_study_email", "no", branch, None),
        (1, "done", "next", branch, "completed"),
    ])
    assert actions_of(upsell, J, "dee") == [upgrade("dee", DEADLINE),
                                            case_study("dee", branch)]


def test_event_a_minute_after_the_timeout_is_too_late(upsell: Engine) -> None:
    """Eve hits a limit at 07-01 00:01, one minute past her deadline: timeout path."""
    assert_timeline(upsell, J, "eve", START + [
        (1, "no_limit_reached", "timeout", DEADLINE, "completed"),
    ])
    assert actions_of(upsell, J, "eve") == []


def test_unsubscribe_exits_while_waiting_for_the_limit(upsell: Engine) -> None:
    """Fay unsubscribes 06-10 08:00 while waiting for a limit: exit 'event' from
    wait_for_limit, written by the next day's tick."""
    x = datetime(2026, 6, 10, 8)
    assert_timeline(upsell, J, "fay", START + [(1, "_exit", "exit_criteria", x, "event")])
    assert state_of(upsell, J, "fay") == [state_row(
        J, "fay", 1, status="exited", tile_id="wait_for_limit", entered_tile_at=E,
        entered_journey_at=E, exited_at=x, exit_reason="event",
        updated_tick_at=datetime(2026, 6, 11))]
    assert actions_of(upsell, J, "fay") == []


def test_event_at_the_arrival_instant_counts(upsell: Engine) -> None:
    """Gia hits a limit at 06-01 00:00, the instant she enters and starts waiting: the wait's
    window includes its start, so the first tick already sends her the upgrade offer."""
    branch = E + 3 * DAY
    assert_timeline(upsell, J, "gia", START + [
        (1, "upgrade_email", "next", E, None),
        (1, "wait_3d", "next", E, None),
        (1, "started_trial", "next", branch, None),
        (1, "case_study_email", "no", branch, None),
        (1, "done", "next", branch, "completed"),
    ])
    assert actions_of(upsell, J, "gia") == [upgrade("gia", E), case_study("gia", branch)]


def test_paying_members_never_enter(upsell: Engine) -> None:
    """Pat is on the pro plan: not in the audience, no rows even though he hits a limit."""
    assert upsell.timeline("pat") == []
    assert state_of(upsell, J, "pat") == []


def test_steps_are_logged_by_the_first_tick_at_or_after_their_time(upsell: Engine) -> None:
    assert_logged_by_first_tick(upsell, TICKS)
