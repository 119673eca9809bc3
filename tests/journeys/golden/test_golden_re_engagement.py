"""Golden scenarios for ``journey_specs/re_engagement.yml``, worked out by hand.

The seed journey: past buyers inactive for 30+ days (and not unsubscribed) enter; the
"we miss you" email at once, 5 days later "purchased since entering?": thanks, or a push
nudge and 3 days later "purchased since entering?" again: late thanks, or a final offer.
Exits: unsubscribed event, timeout 30d. Recurring with a 30-day cooldown.

Audience entries happen at tick clocks (S3): every inactive buyer is in the audience at the
first tick, Monday 2026-06-01 00:00, and enters then. Ticks are daily at 00:00 UTC, so an
entry (or an audience exit) is always at a midnight; every other step is at its logical time.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.journeys.engine_harness import Engine, World, seed_spec, spec_from_yaml
from tests.journeys.golden.golden_support import (
    DAY,
    MINUTE,
    REPO_SPECS,
    actions_of,
    assert_logged_by_first_tick,
    assert_timeline,
    bucket,
    clocks,
    due,
    state_of,
    state_row,
    tick_with_changes,
)

J = "re_engagement"
SEED_TEXT = (REPO_SPECS / f"{J}.yml").read_text()

E = datetime(2026, 6, 1)  # the first tick: every inactive buyer enters
FIRST_CHECK = E + 5 * DAY  # 06-06 00:00: "purchased?"
SECOND_CHECK = FIRST_CHECK + 3 * DAY  # 06-09 00:00: "purchased again?"
LONG_AGO = datetime(2026, 4, 15)  # last activity of the inactive buyers

OPENING = [
    (1, "start", "entry", E, None),
    (1, "we_miss_you", "next", E, None),
    (1, "wait_5d", "next", E, None),
]
NO_PURCHASE_YET = [
    (1, "purchased", "next", FIRST_CHECK, None),
    (1, "push_nudge", "no", FIRST_CHECK, None),
    (1, "wait_3d", "next", FIRST_CHECK, None),
    (1, "purchased_again", "next", SECOND_CHECK, None),
]


def profile(member_id: str, *, last_active_at: datetime = LONG_AGO,
            total_orders: int = 2) -> dict:
    return {"member_id": member_id, "timezone": None, "last_active_at": last_active_at,
            "total_orders": total_orders, "unsubscribed": False,
            "first_name": member_id.capitalize(), "discount_code": f"BACK-{member_id.upper()}"}


def event(member_id: str, name: str, at: datetime) -> dict:
    return {"member_id": member_id, "event": name, "occurred_at": at, "properties": None}


def we_miss_you(member_id: str, at: datetime = E, entry_seq: int = 1,
                journey_id: str = J) -> dict:
    return due(journey_id, member_id, entry_seq, "we_miss_you", due_at=at,
               template="d-we-miss-you",
               payload={"first_name": member_id.capitalize(),
                        "discount_code": f"BACK-{member_id.upper()}"})


def push_nudge(member_id: str, at: datetime = FIRST_CHECK, journey_id: str = J) -> dict:
    return due(journey_id, member_id, 1, "push_nudge", due_at=at, destination="braze",
               action="send_push", template="push-we-miss-you",
               payload={"first_name": member_id.capitalize(),
                        "discount_code": f"BACK-{member_id.upper()}"})


def thanks(member_id: str, tile_id: str, at: datetime, journey_id: str = J) -> dict:
    return due(journey_id, member_id, 1, tile_id, due_at=at, template="d-thank-you",
               payload={"first_name": member_id.capitalize()})


def final_offer(member_id: str, at: datetime = SECOND_CHECK, journey_id: str = J) -> dict:
    return due(journey_id, member_id, 1, "final_offer", due_at=at, template="d-final-offer",
               payload={"first_name": member_id.capitalize(),
                        "discount_code": f"BACK-{member_id.upper()}"})


# --- the seed journey, with a month later for re-entries ------------------------------------

# Daily over the first entries, then daily again around the end of the 30-day cooldowns.
SEED_TICKS = (clocks(E, SECOND_CHECK, DAY)
              + clocks(datetime(2026, 7, 5), datetime(2026, 7, 9), DAY))
ADA_ORDER = datetime(2026, 6, 4, 10)
CY_ORDER = datetime(2026, 6, 7, 12)
ADA_E2 = datetime(2026, 7, 6)  # her exit (06-06 00:00) + the 30-day cooldown
LATE_E2 = datetime(2026, 7, 9)  # Bo's and Cy's exit (06-09 00:00) + 30 days


def second_entry(at: datetime) -> list[tuple]:
    """Entry 2, admitted at the tick ``at``: the email, then waiting 5 days."""
    return [
        (2, "start", "entry", at, None),
        (2, "we_miss_you", "next", at, None),
        (2, "wait_5d", "next", at, None),
    ]


@pytest.fixture(scope="module")
def seed() -> Engine:
    world = World(
        profiles=[profile("ada"), profile("bo"), profile("cy"), profile("dee"),
                  profile("eve", last_active_at=datetime(2026, 6, 20)),
                  profile("pat", total_orders=0)],
        events=[
            event("ada", "order_completed", ADA_ORDER),
            event("cy", "order_completed", CY_ORDER),
            event("dee", "unsubscribed", datetime(2026, 6, 2, 8)),
        ],
    )
    # the warehouse catches up with what the members did before the next tick
    return tick_with_changes(Engine([seed_spec(J)], world), SEED_TICKS, {
        datetime(2026, 6, 3): {"dee": {"unsubscribed": True}},
        datetime(2026, 6, 5): {"ada": {"last_active_at": ADA_ORDER}},
        datetime(2026, 6, 8): {"cy": {"last_active_at": CY_ORDER}},
    })


def test_purchase_within_five_days_gets_thanks(seed: Engine) -> None:
    """Ada gets "we miss you" Monday 00:00 and buys on Thursday 10:00. She is no longer
    inactive, but this journey has no audience exit, so she stays: Saturday 00:00
    "purchased?" says yes, the thank-you, done."""
    assert_timeline(seed, J, "ada", OPENING + [
        (1, "purchased", "next", FIRST_CHECK, None),
        (1, "thank_you", "yes", FIRST_CHECK, None),
        (1, "done", "next", FIRST_CHECK, "completed"),
        *second_entry(ADA_E2),
    ])
    assert actions_of(seed, J, "ada") == [
        we_miss_you("ada"),
        thanks("ada", "thank_you", FIRST_CHECK),
        we_miss_you("ada", ADA_E2, entry_seq=2),
    ]


def test_no_purchase_gets_the_push_and_the_final_offer(seed: Engine) -> None:
    """Bo never buys: push nudge on Saturday, final offer on Tuesday 06-09, done."""
    assert_timeline(seed, J, "bo", OPENING + NO_PURCHASE_YET + [
        (1, "final_offer", "no", SECOND_CHECK, None),
        (1, "done", "next", SECOND_CHECK, "completed"),
        *second_entry(LATE_E2),
    ])
    assert actions_of(seed, J, "bo") == [
        we_miss_you("bo"), push_nudge("bo"), final_offer("bo"),
        we_miss_you("bo", LATE_E2, entry_seq=2),
    ]


def test_purchase_after_the_push_gets_the_late_thanks(seed: Engine) -> None:
    """Cy buys Sunday 06-07 12:00: too late for the first check (Saturday 00:00, no: the push),
    in time for the second (Tuesday 00:00, yes: the late thank-you)."""
    assert_timeline(seed, J, "cy", OPENING + NO_PURCHASE_YET + [
        (1, "thank_you_late", "yes", SECOND_CHECK, None),
        (1, "done", "next", SECOND_CHECK, "completed"),
        *second_entry(LATE_E2),
    ])
    assert actions_of(seed, J, "cy") == [
        we_miss_you("cy"), push_nudge("cy"), thanks("cy", "thank_you_late", SECOND_CHECK),
        we_miss_you("cy", LATE_E2, entry_seq=2)]


def test_re_entry_is_at_the_first_tick_after_the_cooldown(seed: Engine) -> None:
    """A month later, still (or again) inactive, each re-enters at the first tick at which the
    30-day cooldown since the exit is over and the member is in the audience:

    - Ada completed 06-06 00:00; her purchase (06-04 10:00) is 30 days old on 07-04 10:00:
      the 07-05 tick is inside her cooldown, the 07-06 tick (exactly exit + 30d) admits her.
    - Bo completed 06-09 00:00: nothing on 07-05 … 07-08, entry 2 at 07-09 (exit + 30d).
    - Cy completed 06-09 00:00, her purchase (06-07 12:00) is 30 days old by then: 07-09.
    """
    assert [(s["member_id"], s["entry_seq"], s["status"], s["entered_journey_at"])
            for s in seed.state() if s["entry_seq"] == 2] == [
        ("ada", 2, "active", ADA_E2),
        ("bo", 2, "active", LATE_E2),
        ("cy", 2, "active", LATE_E2),
    ]
    assert state_of(seed, J, "bo") == [
        state_row(J, "bo", 1, status="completed", tile_id="done", entered_tile_at=SECOND_CHECK,
                  entered_journey_at=E, exited_at=SECOND_CHECK, exit_reason="completed",
                  updated_tick_at=SECOND_CHECK),
        state_row(J, "bo", 2, status="active", tile_id="wait_5d", entered_tile_at=LATE_E2,
                  entered_journey_at=LATE_E2, updated_tick_at=LATE_E2),
    ]


def test_unsubscribe_exits_and_keeps_out(seed: Engine) -> None:
    """Dee unsubscribes Tuesday 08:00: exit 'event' from wait_5d. The warehouse marks her
    unsubscribed, so she is never back in the audience."""
    x = datetime(2026, 6, 2, 8)
    assert_timeline(seed, J, "dee", OPENING + [(1, "_exit", "exit_criteria", x, "event")])
    assert state_of(seed, J, "dee") == [state_row(
        J, "dee", 1, status="exited", tile_id="wait_5d", entered_tile_at=E,
        entered_journey_at=E, exited_at=x, exit_reason="event",
        updated_tick_at=datetime(2026, 6, 3))]
    assert actions_of(seed, J, "dee") == [we_miss_you("dee")]


def test_active_members_and_non_buyers_never_enter(seed: Engine) -> None:
    """Eve was active on 06-20 (never 30 days quiet by 07-09); Pat never ordered."""
    assert seed.timeline("eve") == [] and seed.timeline("pat") == []


def test_seed_steps_are_logged_by_the_first_tick(seed: Engine) -> None:
    assert_logged_by_first_tick(seed, SEED_TICKS)


# --- audience exit: leaving the audience ends the entry at that tick -------------------------

EXITS = "exit_criteria:\n  - event: { name: unsubscribed }\n"
assert SEED_TEXT.count(EXITS) == 1
AUDIENCE_EXIT = SEED_TEXT.replace(EXITS, EXITS + "  - audience_exit: true\n")
# Daily, except that no tick runs on 06-05 and 06-06 (say the scheduler was down).
AUDIENCE_EXIT_TICKS = clocks(E, datetime(2026, 6, 4), DAY) + [datetime(2026, 6, 7)]


@pytest.fixture(scope="module")
def audience_exit() -> Engine:
    world = World(profiles=[profile("max"), profile("ola"), profile("ned")],
                  events=[event("max", "order_completed", datetime(2026, 6, 3, 10))])
    return tick_with_changes(Engine([spec_from_yaml(AUDIENCE_EXIT)], world),
                             AUDIENCE_EXIT_TICKS, {
        datetime(2026, 6, 4): {"max": {"last_active_at": datetime(2026, 6, 3, 10)}},
        datetime(2026, 6, 7): {"ola": {"last_active_at": datetime(2026, 6, 6, 15)}},
    })


def test_becoming_active_exits_at_the_tick_that_sees_it(audience_exit: Engine) -> None:
    """With `audience_exit: true`, Max comes back and buys on Wednesday 10:00. The Thursday
    00:00 tick is the first to see him out of the audience: he exits then, 'audience_exit' at
    the tick clock (not at 10:00), from wait_5d."""
    x = datetime(2026, 6, 4)
    assert_timeline(audience_exit, J, "max", OPENING + [
        (1, "_exit", "exit_criteria", x, "audience_exit")])
    assert state_of(audience_exit, J, "max") == [state_row(
        J, "max", 1, status="exited", tile_id="wait_5d", entered_tile_at=E,
        entered_journey_at=E, exited_at=x, exit_reason="audience_exit", updated_tick_at=x)]
    assert actions_of(audience_exit, J, "max") == [we_miss_you("max")]


def test_steps_before_a_tick_known_exit_still_happen(audience_exit: Engine) -> None:
    """Ola comes back on Saturday 15:00, but no tick runs until Sunday 06-07 00:00. That tick
    first takes her through the steps due before it (Saturday 00:00: "purchased?" no, the
    push, the 3-day wait), then exits her at its own clock: the audience exit is only known
    at a tick, so its time is the tick's."""
    x = datetime(2026, 6, 7)
    assert_timeline(audience_exit, J, "ola", OPENING + NO_PURCHASE_YET[:3] + [
        (1, "_exit", "exit_criteria", x, "audience_exit")])
    assert state_of(audience_exit, J, "ola") == [state_row(
        J, "ola", 1, status="exited", tile_id="wait_3d", entered_tile_at=FIRST_CHECK,
        entered_journey_at=E, exited_at=x, exit_reason="audience_exit", updated_tick_at=x)]
    assert actions_of(audience_exit, J, "ola") == [we_miss_you("ola"), push_nudge("ola")]


def test_staying_in_the_audience_keeps_going(audience_exit: Engine) -> None:
    """Ned stays quiet: at the last tick he has had the push and waits 3 more days."""
    assert_timeline(audience_exit, J, "ned", OPENING + NO_PURCHASE_YET[:3])
    assert state_of(audience_exit, J, "ned") == [state_row(
        J, "ned", 1, status="active", tile_id="wait_3d", entered_tile_at=FIRST_CHECK,
        entered_journey_at=E, updated_tick_at=datetime(2026, 6, 7))]
    assert_logged_by_first_tick(audience_exit, AUDIENCE_EXIT_TICKS)


# --- window branch: "purchased within 5 days" instead of a 5-day wait and a look-back --------

WAIT_AND_LOOK_BACK = (
    "    next: wait_5d\n"
    "  wait_5d: { type: wait, duration: 5d, next: purchased }\n"
    "  purchased: { type: branch, event: { name: order_completed }, yes: thank_you, "
    "no: push_nudge }\n"
)
WINDOW = (
    "    next: purchased\n"
    "  purchased: { type: branch, event: { name: order_completed }, within: 5d, "
    "yes: thank_you, no: push_nudge }\n"
)
assert SEED_TEXT.count(WAIT_AND_LOOK_BACK) == 1
WINDOW_SPEC = SEED_TEXT.replace(WAIT_AND_LOOK_BACK, WINDOW)
WINDOW_TICKS = clocks(E, SECOND_CHECK, DAY)
WINDOW_END = E + 5 * DAY  # 06-06 00:00: arrival (06-01 00:00) + within


@pytest.fixture(scope="module")
def window() -> Engine:
    world = World(
        profiles=[profile("ana"), profile("ben"), profile("cat"), profile("dot"),
                  profile("eli")],
        events=[
            event("ana", "order_completed", datetime(2026, 6, 3, 15)),
            event("ben", "order_completed", WINDOW_END),
            event("cat", "order_completed", WINDOW_END + MINUTE),
            event("dot", "order_completed", datetime(2026, 5, 30)),
            event("eli", "order_completed", E),
        ],
    )
    return Engine([spec_from_yaml(WINDOW_SPEC)], world).tick(*WINDOW_TICKS)


WINDOW_OPENING = [
    (1, "start", "entry", E, None),
    (1, "we_miss_you", "next", E, None),
    (1, "purchased", "next", E, None),
]


def test_purchase_inside_the_window_takes_yes_at_its_time(window: Engine) -> None:
    """Ana buys Wednesday 15:00, inside [06-01 00:00, 06-06 00:00]: yes at 15:00, right away
    (no waiting for the window to close); thanks, done."""
    at = datetime(2026, 6, 3, 15)
    assert_timeline(window, J, "ana", WINDOW_OPENING + [
        (1, "thank_you", "yes", at, None),
        (1, "done", "next", at, "completed"),
    ])
    assert actions_of(window, J, "ana") == [we_miss_you("ana"), thanks("ana", "thank_you", at)]


def test_purchase_exactly_at_the_window_end_counts(window: Engine) -> None:
    """Ben buys at 06-06 00:00 sharp, the end of the window: the boundary counts, yes."""
    assert_timeline(window, J, "ben", WINDOW_OPENING + [
        (1, "thank_you", "yes", WINDOW_END, None),
        (1, "done", "next", WINDOW_END, "completed"),
    ])


def test_purchase_at_the_window_start_counts(window: Engine) -> None:
    """Eli buys at 06-01 00:00, the instant he enters (and reaches the branch): the window's
    start counts too, so the first tick takes him all the way to done."""
    assert_timeline(window, J, "eli", WINDOW_OPENING + [
        (1, "thank_you", "yes", E, None),
        (1, "done", "next", E, "completed"),
    ])
    assert state_of(window, J, "eli") == [state_row(
        J, "eli", 1, status="completed", tile_id="done", entered_tile_at=E,
        entered_journey_at=E, exited_at=E, exit_reason="completed", updated_tick_at=E)]


def test_purchase_just_after_the_window_is_a_no_then_a_late_yes(window: Engine) -> None:
    """Cat buys at 06-06 00:01, a minute after the window: no at 06-06 00:00 (the push). The
    second check (06-09, a look-back since entry) sees the purchase: the late thanks."""
    assert_timeline(window, J, "cat", WINDOW_OPENING + [
        (1, "push_nudge", "no", WINDOW_END, None),
        (1, "wait_3d", "next", WINDOW_END, None),
        (1, "purchased_again", "next", SECOND_CHECK, None),
        (1, "thank_you_late", "yes", SECOND_CHECK, None),
        (1, "done", "next", SECOND_CHECK, "completed"),
    ])
    assert actions_of(window, J, "cat") == [
        we_miss_you("cat"), push_nudge("cat", WINDOW_END),
        thanks("cat", "thank_you_late", SECOND_CHECK)]


def test_purchase_before_the_window_does_not_count(window: Engine) -> None:
    """Dot's only purchase is from 05-30, before the entry: no, no, the final offer."""
    assert_timeline(window, J, "dot", WINDOW_OPENING + [
        (1, "push_nudge", "no", WINDOW_END, None),
        (1, "wait_3d", "next", WINDOW_END, None),
        (1, "purchased_again", "next", SECOND_CHECK, None),
        (1, "final_offer", "no", SECOND_CHECK, None),
        (1, "done", "next", SECOND_CHECK, "completed"),
    ])
    assert state_of(window, J, "dot") == [state_row(
        J, "dot", 1, status="completed", tile_id="done", entered_tile_at=SECOND_CHECK,
        entered_journey_at=E, exited_at=SECOND_CHECK, exit_reason="completed",
        updated_tick_at=SECOND_CHECK)]


def test_window_steps_are_logged_by_the_first_tick(window: Engine) -> None:
    assert_logged_by_first_tick(window, WINDOW_TICKS)


# --- split: a 30/70 test of the discount email ------------------------------------------------

START_LINE = "  start: { type: entry, next: we_miss_you }\n"
SPLIT = (
    "  start: { type: entry, next: offer_test }\n"
    "  offer_test:\n"
    "    type: split\n"
    "    paths:\n"
    "      discount: { percent: 30, next: we_miss_you }\n"
    "      control: { percent: 70, next: wait_5d }\n"
)
assert SEED_TEXT.count(START_LINE) == 1
SPLIT_SPEC = SEED_TEXT.replace(START_LINE, SPLIT)
SPLIT_TICKS = clocks(E, E + DAY, DAY)

# S10: bucket = int(md5("re_engagement:offer_test:{member}:1")[:8], 16) % 10000;
# discount holds buckets [0, 3000), control [3000, 10000).
BUCKETS = {"ada": 806, "bo": 2861, "dee": 6183, "ivy": 3889, "fay": 7024}
PATHS = {"ada": "discount", "bo": "discount", "dee": "control", "ivy": "control",
         "fay": "control"}


def split_world() -> World:
    return World(profiles=[profile(m) for m in BUCKETS])


def split_timeline(member_id: str) -> list[tuple]:
    if PATHS[member_id] == "discount":
        return [
            (1, "start", "entry", E, None),
            (1, "offer_test", "next", E, None),
            (1, "we_miss_you", "discount", E, None),
            (1, "wait_5d", "next", E, None),
        ]
    return [
        (1, "start", "entry", E, None),
        (1, "offer_test", "next", E, None),
        (1, "wait_5d", "control", E, None),
    ]


@pytest.fixture(scope="module")
def split() -> Engine:
    return Engine([spec_from_yaml(SPLIT_SPEC)], split_world()).tick(*SPLIT_TICKS)


def test_split_buckets_follow_the_s10_formula() -> None:
    for member_id, expected in BUCKETS.items():
        assert bucket(J, "offer_test", member_id, 1) == expected
        assert PATHS[member_id] == ("discount" if expected < 3000 else "control")


@pytest.mark.parametrize("member_id", sorted(BUCKETS))
def test_split_path_matches_the_bucket(split: Engine, member_id: str) -> None:
    """Discount members get the "we miss you" email, control members go straight to the
    5-day wait (no email)."""
    assert_timeline(split, J, member_id, split_timeline(member_id))
    expected = [we_miss_you(member_id)] if PATHS[member_id] == "discount" else []
    assert actions_of(split, J, member_id) == expected


def test_split_is_the_same_on_a_re_run(split: Engine) -> None:
    """A second engine over the same world, ticking at other clocks after the same first
    one, takes every member down the same path."""
    again = Engine([spec_from_yaml(SPLIT_SPEC)], split_world())
    again.tick(E, E + DAY / 2, E + DAY)
    for member_id in BUCKETS:
        assert again.timeline(member_id, J) == split.timeline(member_id, J)
