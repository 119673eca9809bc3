"""Golden scenarios for ``journey_specs/renewal_reminders.yml``, worked out by hand.

The seed journey: subscribers whose subscription expires 29-30 days after the tick enter; the
30-day reminder at once, 23 days later "renewed since entering?": a confirmation, or the
7-day reminder and, 6 days later, "renewed?" again: done, or the final-day email and SMS.
Exits: unsubscribed event, timeout 35d (the path takes 29 days).

Ticks are daily at 00:00 UTC. A subscription expiring 07-01 00:00 is in the audience slice
(run_at + 29d, run_at + 30d] at the 06-01 00:00 tick: those members enter then, and every
later step is at its logical time (S2).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.journeys.engine_harness import Engine, World, seed_spec
from tests.journeys.golden.golden_support import (
    DAY,
    actions_of,
    assert_logged_by_first_tick,
    assert_timeline,
    clocks,
    due,
    state_of,
    state_row,
)

J = "renewal_reminders"

EXPIRES = datetime(2026, 7, 1)
E = datetime(2026, 6, 1)  # EXPIRES - 30d: the first tick, they enter
FIRST_CHECK = E + 23 * DAY  # 06-24: "renewed?"
SECOND_CHECK = FIRST_CHECK + 6 * DAY  # 06-30: "renewed again?", the day before expiry
TICKS = clocks(E, SECOND_CHECK, DAY)

OPENING = [
    (1, "start", "entry", E, None),
    (1, "reminder_30d", "next", E, None),
    (1, "wait_23d", "next", E, None),
    (1, "renewed", "next", FIRST_CHECK, None),
]
NOT_RENEWED_YET = [
    (1, "reminder_7d", "no", FIRST_CHECK, None),
    (1, "wait_6d", "next", FIRST_CHECK, None),
    (1, "renewed_again", "next", SECOND_CHECK, None),
]


PHONES = {"ada": "+15550100001", "bo": "+15550100002", "cy": "+15550100003",
          "dee": "+15550100004", "fay": "+15550100006", "gil": "+15550100007"}


def profile(member_id: str, expires: datetime = EXPIRES) -> dict:
    return {"member_id": member_id, "timezone": None, "subscription_expires_at": expires,
            "first_name": member_id.capitalize(), "plan": "annual",
            "phone": PHONES[member_id]}


def event(member_id: str, name: str, at: datetime) -> dict:
    return {"member_id": member_id, "event": name, "occurred_at": at, "properties": None}


def reminder(member_id: str, tile_id: str, template: str, at: datetime,
             expires: datetime = EXPIRES) -> dict:
    return due(J, member_id, 1, tile_id, due_at=at, template=template,
               payload={"first_name": member_id.capitalize(), "plan": "annual",
                        "expires_at": expires.strftime("%Y-%m-%d %H:%M:%S")})


def reminder_30d(member_id: str, at: datetime = E, expires: datetime = EXPIRES) -> dict:
    return reminder(member_id, "reminder_30d", "d-renewal-30d", at, expires)


def reminder_7d(member_id: str) -> dict:
    return reminder(member_id, "reminder_7d", "d-renewal-7d-urgent", FIRST_CHECK)


def final_day(member_id: str) -> list[dict]:
    return [
        reminder(member_id, "final_day_email", "d-renewal-final-day", SECOND_CHECK),
        due(J, member_id, 1, "final_day_sms", due_at=SECOND_CHECK, destination="twilio",
            action="send_sms", template="sms-renewal-final-day",
            payload={"phone": PHONES[member_id], "first_name": member_id.capitalize(),
                     "plan": "annual"}),
    ]


@pytest.fixture(scope="module")
def renewals() -> Engine:
    world = World(
        profiles=[profile("ada"), profile("bo"), profile("cy"), profile("dee"), profile("fay"),
                  profile("gil", expires=datetime(2026, 7, 10))],
        events=[
            event("bo", "subscription_renewed", datetime(2026, 6, 20, 16)),
            event("cy", "subscription_renewed", datetime(2026, 6, 27, 9)),
            event("dee", "unsubscribed", datetime(2026, 6, 10, 12)),
            event("fay", "subscription_renewed", datetime(2025, 7, 1)),
        ],
    )
    return Engine([seed_spec(J)], world).tick(*TICKS)


def test_no_renewal_gets_all_three_reminders_and_the_sms(renewals: Engine) -> None:
    """Ada's subscription ends 07-01. The 06-01 tick admits her: the 30-day reminder. 06-24,
    not renewed: the 7-day reminder. 06-30, still not: the final-day email and SMS, done."""
    assert_timeline(renewals, J, "ada", OPENING + NOT_RENEWED_YET + [
        (1, "final_day_email", "no", SECOND_CHECK, None),
        (1, "final_day_sms", "next", SECOND_CHECK, None),
        (1, "done", "next", SECOND_CHECK, "completed"),
    ])
    assert state_of(renewals, J, "ada") == [state_row(
        J, "ada", 1, status="completed", tile_id="done", entered_tile_at=SECOND_CHECK,
        entered_journey_at=E, exited_at=SECOND_CHECK, exit_reason="completed",
        updated_tick_at=SECOND_CHECK)]
    assert actions_of(renewals, J, "ada") == [
        reminder_30d("ada"), reminder_7d("ada"), *final_day("ada")]


def test_renewed_since_entry_gets_the_confirmation(renewals: Engine) -> None:
    """Bo renews 06-20 16:00; the 06-24 check says yes: the renewal confirmation, done."""
    assert_timeline(renewals, J, "bo", OPENING + [
        (1, "renewal_confirmation", "yes", FIRST_CHECK, None),
        (1, "done", "next", FIRST_CHECK, "completed"),
    ])
    assert state_of(renewals, J, "bo") == [state_row(
        J, "bo", 1, status="completed", tile_id="done", entered_tile_at=FIRST_CHECK,
        entered_journey_at=E, exited_at=FIRST_CHECK, exit_reason="completed",
        updated_tick_at=FIRST_CHECK)]
    assert actions_of(renewals, J, "bo") == [
        reminder_30d("bo"),
        due(J, "bo", 1, "renewal_confirmation", due_at=FIRST_CHECK,
            template="d-renewal-confirmed", payload={"first_name": "Bo", "plan": "annual"}),
    ]


def test_renewed_after_the_urgent_reminder_skips_the_final_day(renewals: Engine) -> None:
    """Cy renews 06-27 09:00, after the 7-day reminder: the 06-30 check says yes and she goes
    straight to done: no final-day email or SMS."""
    assert_timeline(renewals, J, "cy", OPENING + NOT_RENEWED_YET + [
        (1, "done", "yes", SECOND_CHECK, "completed"),
    ])
    assert actions_of(renewals, J, "cy") == [reminder_30d("cy"), reminder_7d("cy")]


def test_last_years_renewal_does_not_count(renewals: Engine) -> None:
    """Fay's only renewal event is from last year, before this entry: both checks say no."""
    assert_timeline(renewals, J, "fay", OPENING + NOT_RENEWED_YET + [
        (1, "final_day_email", "no", SECOND_CHECK, None),
        (1, "final_day_sms", "next", SECOND_CHECK, None),
        (1, "done", "next", SECOND_CHECK, "completed"),
    ])
    assert actions_of(renewals, J, "fay") == [
        reminder_30d("fay"), reminder_7d("fay"), *final_day("fay")]


def test_unsubscribe_exits_during_the_long_wait(renewals: Engine) -> None:
    """Dee unsubscribes 06-10 12:00: exit 'event' from wait_23d, no more reminders."""
    x = datetime(2026, 6, 10, 12)
    assert_timeline(renewals, J, "dee", OPENING[:3] + [(1, "_exit", "exit_criteria", x, "event")])
    assert state_of(renewals, J, "dee") == [state_row(
        J, "dee", 1, status="exited", tile_id="wait_23d", entered_tile_at=E,
        entered_journey_at=E, exited_at=x, exit_reason="event",
        updated_tick_at=datetime(2026, 6, 11))]
    assert actions_of(renewals, J, "dee") == [reminder_30d("dee")]


def test_enters_thirty_days_before_expiry(renewals: Engine) -> None:
    """Gil's subscription ends 07-10: he is in the one-day slice at the 06-10 tick only, enters
    then, gets the 30-day reminder and is still waiting at the last tick."""
    e = datetime(2026, 6, 10)
    assert_timeline(renewals, J, "gil", [
        (1, "start", "entry", e, None),
        (1, "reminder_30d", "next", e, None),
        (1, "wait_23d", "next", e, None),
    ])
    assert state_of(renewals, J, "gil") == [state_row(
        J, "gil", 1, status="active", tile_id="wait_23d", entered_tile_at=e,
        entered_journey_at=e, updated_tick_at=e)]
    assert actions_of(renewals, J, "gil") == [
        reminder_30d("gil", e, expires=datetime(2026, 7, 10))]


def test_steps_are_logged_by_the_first_tick_at_or_after_their_time(renewals: Engine) -> None:
    assert_logged_by_first_tick(renewals, TICKS)
