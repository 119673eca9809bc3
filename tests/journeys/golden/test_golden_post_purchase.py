"""Golden scenarios for ``journey_specs/post_purchase.yml``, worked out by hand.

The seed journey: members who ordered in the last day (as of the tick) enter; a day later the
order confirmation, a week later the check-in, two weeks later "reviewed since entering?":
yes, a loyalty webhook and a thank-you; no, a review request. Exits: unsubscribed event,
timeout 30d (the path takes 22 days). Recurring with a 30-day cooldown.

Ticks are daily at 00:00 UTC: waits count from logical times (S2), so only the entry (the
clock of the first tick that sees the order within the last day) depends on the grid.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.journeys.engine_harness import Engine, World, seed_spec, spec_from_yaml
from tests.journeys.golden.golden_support import (
    DAY,
    REPO_SPECS,
    action_id,
    actions_of,
    assert_logged_by_first_tick,
    assert_timeline,
    clocks,
    due,
    state_of,
    state_row,
)

J = "post_purchase"

ORDER = datetime(2026, 6, 1, 15)  # Monday 15:00
E = datetime(2026, 6, 2)  # the Tuesday 00:00 tick sees the order: entry
CONFIRM = datetime(2026, 6, 3)  # E + 1d
CHECK_IN = datetime(2026, 6, 10)  # + 7d
REVIEWED = datetime(2026, 6, 24)  # + 14d: "reviewed?"
TICKS = clocks(datetime(2026, 6, 1), REVIEWED, DAY)

MAIN = [
    (1, "start", "entry", E, None),
    (1, "wait_1d", "next", E, None),
    (1, "confirmation_email", "next", CONFIRM, None),
    (1, "wait_7d", "next", CONFIRM, None),
    (1, "check_in_email", "next", CHECK_IN, None),
    (1, "wait_14d", "next", CHECK_IN, None),
    (1, "reviewed", "next", REVIEWED, None),
]


def profile(member_id: str, last_order_at: datetime = ORDER) -> dict:
    return {"member_id": member_id, "timezone": None, "last_order_at": last_order_at,
            "first_name": member_id.capitalize(), "total_orders": 3,
            "email": f"{member_id}@example.com"}


def event(member_id: str, name: str, at: datetime) -> dict:
    return {"member_id": member_id, "event": name, "occurred_at": at, "properties": None}


def first_two_emails(member_id: str) -> list[dict]:
    name = member_id.capitalize()
    return [
        due(J, member_id, 1, "confirmation_email", due_at=CONFIRM,
            template="d-order-confirmation",
            payload={"first_name": name, "last_order_at": "2026-06-01 15:00:00",
                     "total_orders": 3}),
        due(J, member_id, 1, "check_in_email", due_at=CHECK_IN,
            template="d-how-is-your-product", payload={"first_name": name}),
    ]


def rewarded(member_id: str) -> list[dict]:
    return [
        due(J, member_id, 1, "loyalty_reward", due_at=REVIEWED, template=None,
            destination="rewards", action="custom_api", tile_type="webhook",
            payload={"member_id": member_id, "reward": "review_thank_you", "points": 100,
                     "email": f"{member_id}@example.com"}),
        due(J, member_id, 1, "thank_you_email", due_at=REVIEWED, template="d-review-thank-you",
            payload={"first_name": member_id.capitalize(), "points": 100}),
    ]


def asked_for_review(member_id: str) -> list[dict]:
    return [due(J, member_id, 1, "review_request", due_at=REVIEWED,
                template="d-review-request", payload={"first_name": member_id.capitalize()})]


@pytest.fixture(scope="module")
def seed() -> Engine:
    world = World(
        profiles=[profile("ada"), profile("bo"), profile("cy"), profile("dee"), profile("eve"),
                  profile("old", last_order_at=datetime(2026, 5, 20))],
        events=[
            event("ada", "review_submitted", datetime(2026, 6, 20, 12)),
            event("cy", "review_submitted", REVIEWED),
            event("dee", "review_submitted", datetime(2026, 6, 1, 20)),
            event("eve", "unsubscribed", datetime(2026, 6, 5, 9)),
        ],
    )
    return Engine([seed_spec(J)], world).tick(*TICKS)


def test_reviewed_since_entry_gets_the_reward_and_the_thank_you(seed: Engine) -> None:
    """Ada orders Monday 15:00; the Tuesday 00:00 tick admits her. Confirmation on Wednesday,
    check-in a week later (06-10), and on 06-24 "reviewed?": she reviewed on 06-20, so the
    loyalty webhook fires, then the thank-you email, and she completes."""
    assert_timeline(seed, J, "ada", MAIN + [
        (1, "loyalty_reward", "yes", REVIEWED, None),
        (1, "thank_you_email", "next", REVIEWED, None),
        (1, "done", "next", REVIEWED, "completed"),
    ])
    assert state_of(seed, J, "ada") == [state_row(
        J, "ada", 1, status="completed", tile_id="done", entered_tile_at=REVIEWED,
        entered_journey_at=E, exited_at=REVIEWED, exit_reason="completed",
        updated_tick_at=REVIEWED)]
    assert actions_of(seed, J, "ada") == first_two_emails("ada") + rewarded("ada")


def test_no_review_gets_the_review_request(seed: Engine) -> None:
    """Bo never reviews: on 06-24 the branch says no, the review request goes out and he
    completes."""
    assert_timeline(seed, J, "bo", MAIN + [
        (1, "review_request", "no", REVIEWED, None),
        (1, "done", "next", REVIEWED, "completed"),
    ])
    assert state_of(seed, J, "bo") == [state_row(
        J, "bo", 1, status="completed", tile_id="done", entered_tile_at=REVIEWED,
        entered_journey_at=E, exited_at=REVIEWED, exit_reason="completed",
        updated_tick_at=REVIEWED)]
    assert actions_of(seed, J, "bo") == first_two_emails("bo") + asked_for_review("bo")


def test_review_at_the_branch_instant_counts(seed: Engine) -> None:
    """Cy reviews at 06-24 00:00, the very instant she reaches "reviewed?": the look-back
    window [entry, arrival] includes its end, so yes."""
    assert_timeline(seed, J, "cy", MAIN + [
        (1, "loyalty_reward", "yes", REVIEWED, None),
        (1, "thank_you_email", "next", REVIEWED, None),
        (1, "done", "next", REVIEWED, "completed"),
    ])
    assert actions_of(seed, J, "cy") == first_two_emails("cy") + rewarded("cy")


def test_review_before_the_entry_does_not_count(seed: Engine) -> None:
    """Dee reviews Monday 20:00, after ordering but before the Tuesday 00:00 tick admits her:
    not "since entering", so no: review request."""
    assert_timeline(seed, J, "dee", MAIN + [
        (1, "review_request", "no", REVIEWED, None),
        (1, "done", "next", REVIEWED, "completed"),
    ])
    assert actions_of(seed, J, "dee") == first_two_emails("dee") + asked_for_review("dee")


def test_unsubscribe_exits_during_the_week_wait(seed: Engine) -> None:
    """Eve unsubscribes Friday 06-05 09:00, two days after her confirmation: exit 'event' from
    wait_7d; no check-in, no review request."""
    x = datetime(2026, 6, 5, 9)
    assert_timeline(seed, J, "eve", MAIN[:4] + [(1, "_exit", "exit_criteria", x, "event")])
    assert state_of(seed, J, "eve") == [state_row(
        J, "eve", 1, status="exited", tile_id="wait_7d", entered_tile_at=CONFIRM,
        entered_journey_at=E, exited_at=x, exit_reason="event",
        updated_tick_at=datetime(2026, 6, 6))]
    assert actions_of(seed, J, "eve") == first_two_emails("eve")[:1]


def test_an_old_order_never_enters(seed: Engine) -> None:
    """Old's last order is from 05-20: never within a day of a tick."""
    assert seed.timeline("old") == []


def test_steps_are_logged_by_the_first_tick_at_or_after_their_time(seed: Engine) -> None:
    assert_logged_by_first_tick(seed, TICKS)


# --- re-entry: entered on each order event, with a 2-day cooldown ----------------------------

SEED_TEXT = (REPO_SPECS / f"{J}.yml").read_text()
AUDIENCE = ('audience: { where: "last_order_at >= run_at - interval 1 day '
            'and last_order_at <= run_at" }')
assert SEED_TEXT.count(AUDIENCE) == 1 and SEED_TEXT.count("cooldown: 30d") == 1
EVENT_ENTRY = (SEED_TEXT.replace(AUDIENCE, "event: { name: order_completed }")
               .replace("cooldown: 30d", "cooldown: 2d"))

ACTIVATION = datetime(2026, 6, 1)  # the first tick: events from here on count
COOLDOWN_TICKS = clocks(ACTIVATION, datetime(2026, 6, 27), DAY)


@pytest.fixture(scope="module")
def by_event() -> Engine:
    world = World(
        profiles=[profile("kim"), profile("max"), profile("lou")],
        events=[
            event("kim", "order_completed", datetime(2026, 6, 1, 10)),
            event("kim", "order_completed", datetime(2026, 6, 12, 10)),  # in the journey
            event("kim", "order_completed", datetime(2026, 6, 24, 9)),  # in the cooldown
            event("kim", "order_completed", datetime(2026, 6, 25, 10)),  # cooldown over
            event("max", "order_completed", ACTIVATION),
            event("lou", "order_completed", datetime(2026, 5, 31, 20)),
        ],
    )
    return Engine([spec_from_yaml(EVENT_ENTRY)], world).tick(*COOLDOWN_TICKS)


def no_review_path(entry_seq: int, entered: datetime) -> list[tuple]:
    """The whole seed path of an entry at ``entered`` without a review (22 days)."""
    confirm, check_in, branch = entered + DAY, entered + 8 * DAY, entered + 22 * DAY
    return [
        (entry_seq, "start", "entry", entered, None),
        (entry_seq, "wait_1d", "next", entered, None),
        (entry_seq, "confirmation_email", "next", confirm, None),
        (entry_seq, "wait_7d", "next", confirm, None),
        (entry_seq, "check_in_email", "next", check_in, None),
        (entry_seq, "wait_14d", "next", check_in, None),
        (entry_seq, "reviewed", "next", branch, None),
        (entry_seq, "review_request", "no", branch, None),
        (entry_seq, "done", "next", branch, "completed"),
    ]


def test_re_entry_after_the_cooldown_not_inside_it(by_event: Engine) -> None:
    """Kim orders 06-01 10:00 and enters at the order's time. Her 06-12 order comes while she
    is in the journey: nothing. She completes 06-23 10:00 (no review). Her 06-24 09:00 order
    is inside the 2-day cooldown (until 06-25 10:00): nothing, and it is not kept for later.
    Her 06-25 10:00 order is exactly at exit + cooldown: entry 2, confirmation a day later,
    and she is waiting a week at the last tick."""
    e2 = datetime(2026, 6, 25, 10)
    assert_timeline(by_event, J, "kim", no_review_path(1, datetime(2026, 6, 1, 10)) + [
        (2, "start", "entry", e2, None),
        (2, "wait_1d", "next", e2, None),
        (2, "confirmation_email", "next", e2 + DAY, None),
        (2, "wait_7d", "next", e2 + DAY, None),
    ])
    done_1 = datetime(2026, 6, 23, 10)
    assert state_of(by_event, J, "kim") == [
        state_row(J, "kim", 1, status="completed", tile_id="done", entered_tile_at=done_1,
                  entered_journey_at=datetime(2026, 6, 1, 10), exited_at=done_1,
                  exit_reason="completed", updated_tick_at=datetime(2026, 6, 24)),
        state_row(J, "kim", 2, status="active", tile_id="wait_7d", entered_tile_at=e2 + DAY,
                  entered_journey_at=e2, updated_tick_at=datetime(2026, 6, 27)),
    ]
    assert [(a["action_id"], a["entry_seq"], a["tile_id"], a["due_at"])
            for a in actions_of(by_event, J, "kim")] == [
        (action_id(J, "kim", 1, "confirmation_email"), 1, "confirmation_email",
         datetime(2026, 6, 2, 10)),
        (action_id(J, "kim", 1, "check_in_email"), 1, "check_in_email",
         datetime(2026, 6, 9, 10)),
        (action_id(J, "kim", 1, "review_request"), 1, "review_request", done_1),
        (action_id(J, "kim", 2, "confirmation_email"), 2, "confirmation_email", e2 + DAY),
    ]


def test_event_entry_counts_from_the_activation(by_event: Engine) -> None:
    """The journey activates at its first tick, 06-01 00:00. Max's order at that very instant
    counts (entry at 00:00); Lou's order the evening before does not."""
    assert_timeline(by_event, J, "max", no_review_path(1, ACTIVATION))
    assert by_event.timeline("lou") == []


def test_event_entry_steps_are_logged_by_the_first_tick(by_event: Engine) -> None:
    assert_logged_by_first_tick(by_event, COOLDOWN_TICKS)
