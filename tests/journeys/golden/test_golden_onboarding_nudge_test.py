"""Golden scenarios for ``journey_specs/onboarding_nudge_test.yml``, worked out by hand.

The seed A/B test: a signup enters at its `signed_up` event, gets the tips email 2 hours
later, then the split `nudge_test` sends half to 5 quiet days (`email_only`) and half to an
SMS nudge a day later (`email_and_sms`), then 4 days, then the end. Onboarding (the goal)
exits at once; so does unsubscribing.

The split path is the S10 bucket of ``onboarding_nudge_test:nudge_test:<member>:1``:
ana 2197, ben 3050, fox 3956 (< 5000: email_only); dot 8780, eli 6248 (email_and_sms).
Ticks every 6 hours from Monday 2026-06-01 00:00 (the journey's activation).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.journeys.engine_harness import Engine, World, seed_spec
from tests.journeys.golden.golden_support import (
    DAY,
    actions_of,
    assert_logged_by_first_tick,
    assert_timeline,
    bucket,
    clocks,
    due,
    state_of,
    state_row,
)

J = "onboarding_nudge_test"
E = datetime(2026, 6, 1)
S = datetime(2026, 6, 1, 9, 30)  # everyone signs up then
EMAIL = S + timedelta(hours=2)
TICKS = clocks(E, datetime(2026, 6, 7), timedelta(hours=6))

TO_THE_SPLIT = [
    (1, "start", "entry", S, None),
    (1, "wait_2h", "next", S, None),
    (1, "tips_email", "next", EMAIL, None),
    (1, "nudge_test", "next", EMAIL, None),
]


def event(member_id: str, name: str, at: datetime) -> dict:
    return {"member_id": member_id, "event": name, "occurred_at": at, "properties": None}


def tips(member_id: str) -> dict:
    return due(J, member_id, 1, "tips_email", due_at=EMAIL, template="d-onboarding-tips",
               payload={"first_name": member_id.capitalize()})


@pytest.fixture(scope="module")
def nudge() -> Engine:
    members = ("ana", "ben", "cal", "dot", "eli", "fox")
    world = World(
        profiles=[{"member_id": m, "timezone": None, "first_name": m.capitalize()}
                  for m in members],
        events=[event(m, "signed_up", S) for m in ("ana", "ben", "dot", "eli", "fox")] + [
            event("cal", "signed_up", E - timedelta(hours=1)),
            event("ben", "onboarding_completed", S + timedelta(minutes=30)),
            event("eli", "onboarding_completed", datetime(2026, 6, 2, 8)),
            event("fox", "unsubscribed", datetime(2026, 6, 3, 12)),
        ],
    )
    return Engine([seed_spec(J)], world, metrics=True).tick(*TICKS)


def test_the_split_paths_are_the_members_buckets() -> None:
    assert [bucket(J, "nudge_test", m, 1) < 5000 for m in ("ana", "ben", "fox", "dot", "eli")
            ] == [True, True, True, False, False]


def test_email_only_waits_five_days_and_completes(nudge: Engine) -> None:
    done = EMAIL + 5 * DAY
    assert_timeline(nudge, J, "ana", TO_THE_SPLIT + [
        (1, "wait_5d", "email_only", EMAIL, None),
        (1, "done", "next", done, "completed"),
    ])
    assert state_of(nudge, J, "ana") == [state_row(
        J, "ana", 1, status="completed", tile_id="done", entered_tile_at=done,
        entered_journey_at=S, exited_at=done, exit_reason="completed",
        updated_tick_at=datetime(2026, 6, 6, 12))]
    assert actions_of(nudge, J, "ana") == [tips("ana")]


def test_email_and_sms_gets_the_sms_a_day_later(nudge: Engine) -> None:
    sms = EMAIL + DAY
    assert_timeline(nudge, J, "dot", TO_THE_SPLIT + [
        (1, "wait_1d", "email_and_sms", EMAIL, None),
        (1, "sms_nudge", "next", sms, None),
        (1, "wait_4d", "next", sms, None),
        (1, "done", "next", sms + 4 * DAY, "completed"),
    ])
    assert actions_of(nudge, J, "dot") == [
        tips("dot"),
        due(J, "dot", 1, "sms_nudge", due_at=sms, template="sms-finish-setup",
            payload={"first_name": "Dot"}, destination="twilio", action="send_sms"),
    ]


def test_onboarding_before_the_sms_exits_with_the_goal(nudge: Engine) -> None:
    """Eli onboards Tuesday 08:00, before his SMS at 11:30: he exits (goal), no SMS."""
    assert_timeline(nudge, J, "eli", TO_THE_SPLIT + [
        (1, "wait_1d", "email_and_sms", EMAIL, None),
        (1, "_exit", "exit_criteria", datetime(2026, 6, 2, 8), "goal"),
    ])
    assert actions_of(nudge, J, "eli") == [tips("eli")]


def test_onboarding_before_the_email_leaves_before_the_test(nudge: Engine) -> None:
    """Ben onboards half an hour after signing up: he never reaches the split."""
    assert_timeline(nudge, J, "ben", [
        (1, "start", "entry", S, None),
        (1, "wait_2h", "next", S, None),
        (1, "_exit", "exit_criteria", S + timedelta(minutes=30), "goal"),
    ])
    assert actions_of(nudge, J, "ben") == []


def test_unsubscribing_exits_and_a_signup_before_activation_never_enters(nudge: Engine) -> None:
    assert_timeline(nudge, J, "fox", TO_THE_SPLIT + [
        (1, "wait_5d", "email_only", EMAIL, None),
        (1, "_exit", "exit_criteria", datetime(2026, 6, 3, 12), "event"),
    ])
    assert_timeline(nudge, J, "cal", [])


def test_the_ab_readout_compares_the_sms_path_with_email_only(nudge: Engine) -> None:
    """email_only: ana, fox (0 onboarded); email_and_sms: dot, eli (eli onboarded): +50
    points, standard error sqrt(0 + 0.5·0.5/2) = 0.353553, 95% interval
    0.5 ± 0.692965 = [−0.192965, 1.192965]: two members per arm prove nothing."""
    rows = {r["path"]: r for r in nudge.rows("journey_split_readout", "path")
            if r["tile_id"] == "nudge_test"}
    assert (rows["email_only"]["entered"], rows["email_only"]["converted"]) == (2, 0)
    assert (rows["email_and_sms"]["entered"], rows["email_and_sms"]["converted"]) == (2, 1)
    sms = rows["email_and_sms"]
    assert (sms["diff"], sms["ci_low"], sms["ci_high"]) == (
        pytest.approx(0.5), pytest.approx(-0.192965, abs=1e-6),
        pytest.approx(1.192965, abs=1e-6))


def test_every_step_is_logged_by_the_first_tick_after_it(nudge: Engine) -> None:
    assert_logged_by_first_tick(nudge, TICKS)
