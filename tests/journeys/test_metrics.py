"""The metrics models (C7 ``journey_tile_stats``, ``journey_metrics``, the A/B readout) on
the real compiled engine, against numbers worked out by hand.

The trial journey: members wait up to 2 days for a click; a click sends an offer, a time-out
goes to a 50/50 split whose treatment path sends a reminder. Unsubscribing exits early; the
goal is a purchase (not an exit criterion, so a member can convert and stay).

    start → nudge_wait ─next→ offer → done
                       └timeout→ ab ─control→ done
                                    └treatment→ reminder → done

Members (manual entries at T0 unless said), their split path by the S10 bucket:
    m1  clicks +5h (offer, done); purchases +3h: converted during the entry
    m2  times out at +2d; ab → treatment → reminder → done
    m3  clicks +10h; purchases +20h, after it completed: not converted
    m4  unsubscribes +1d: exits early at nudge_wait; purchases +2d, after: not converted
    m5  enters +1d12h: still waiting at the last tick (+2d)
    m6  purchases +1h (converted, still waiting); times out at +2d; ab → control → done
    m7  clicks +2h;  m8 clicks +4h (offer, done)
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import datetime, timedelta

import pytest

from journeys.spec.governance import GovernanceSpec
from journeys.spec.models import JourneySpec
from tests.journeys.engine_harness import Engine, World

T0 = datetime(2026, 3, 2)
H = timedelta(hours=1)
CLOCKS = [T0, T0 + 6 * H, T0 + 12 * H, T0 + 24 * H, T0 + 36 * H, T0 + 48 * H]

TRIAL = JourneySpec.model_validate({
    "id": "trial", "name": "Trial nudges",
    "entry": {"manual": True},
    "goal": {"event": "purchased"},
    "exit_criteria": [{"event": {"name": "unsubscribed"}}],
    "tiles": {
        "start": {"type": "entry", "next": "nudge_wait"},
        "nudge_wait": {"type": "wait", "until_event": {"name": "clicked"}, "timeout": "2d",
                       "next": "offer", "on_timeout": "ab"},
        "offer": {"type": "action", "destination": "d", "action": "send_email",
                  "template": "d-offer", "next": "done"},
        "ab": {"type": "split", "paths": {"control": {"percent": 50, "next": "done"},
                                          "treatment": {"percent": 50, "next": "reminder"}}},
        "reminder": {"type": "action", "destination": "d", "action": "send_email",
                     "template": "d-reminder", "next": "done"},
        "done": {"type": "exit"},
    },
})


def event(member: str, name: str, hours: float) -> dict:
    return {"member_id": member, "event": name, "occurred_at": T0 + hours * H}


def trial_world() -> World:
    members = [f"m{i}" for i in range(1, 9)]
    return World(
        profiles=[{"member_id": m, "timezone": None} for m in members],
        manual_entries=[{"journey_id": "trial", "member_id": m,
                         "requested_at": T0 + (36 * H if m == "m5" else timedelta())}
                        for m in members],
        events=[event("m1", "clicked", 5), event("m1", "purchased", 3),
                event("m3", "clicked", 10), event("m3", "purchased", 20),
                event("m4", "unsubscribed", 24), event("m4", "purchased", 48),
                event("m6", "purchased", 1), event("m7", "clicked", 2),
                event("m8", "clicked", 4)])


def action_id(member: str, tile: str) -> str:
    return hashlib.md5(f"trial:{member}:1:{tile}".encode()).hexdigest()


def log_deliveries(engine: Engine) -> None:
    """What dispatch would have written: m1's offer sent on its second attempt, m3's dead
    after three, m7's suppressed (consent), m8's deferred, m2's reminder retrying."""
    rows = [("m1", "offer", 1, "retrying"), ("m1", "offer", 2, "sent"),
            ("m3", "offer", 1, "retrying"), ("m3", "offer", 2, "retrying"),
            ("m3", "offer", 3, "dead"), ("m7", "offer", 0, "suppressed"),
            ("m8", "offer", 0, "deferred"), ("m2", "reminder", 1, "retrying")]
    for n, (member, tile, attempt, status) in enumerate(rows):
        engine.session.execute(
            "insert into journeys.delivery_log (action_id, attempt, status, attempted_at, "
            "journey_id, member_id, tile_id) values (?, ?, ?, ?, 'trial', ?, ?)",
            [action_id(member, tile), attempt, status, T0 + 50 * H + n * H, member, tile])


@pytest.fixture(scope="module")
def trial() -> Engine:
    engine = Engine([TRIAL], trial_world(), metrics=True)
    engine.tick(*CLOCKS)
    log_deliveries(engine)
    return engine


def tile_rows(engine: Engine) -> dict[str, dict]:
    return {r["tile_id"]: r for r in engine.rows("journey_tile_stats", "tile_order")}


ZERO_DELIVERY = {"actions_due": 0, "sent": 0, "delivery_errors": 0, "retrying": 0,
                 "gave_up": 0, "suppressed": 0, "deferred": 0}


def test_tile_stats_count_steps_waiting_members_exits_and_the_ways_out(trial: Engine) -> None:
    counts = {tid: {k: r[k] for k in ("tile_type", "depth", "tile_order", "reached", "active",
                                      "passed_through", "exited_here", "exited_early_here",
                                      "branch_distribution")}
              for tid, r in tile_rows(trial).items()}
    assert counts == {
        "start": dict(tile_type="entry", depth=0, tile_order=0, reached=8, active=0,
                      passed_through=8, exited_here=0, exited_early_here=0,
                      branch_distribution=None),
        "nudge_wait": dict(tile_type="wait", depth=1, tile_order=1, reached=8, active=1,
                           passed_through=6, exited_here=1, exited_early_here=1,
                           branch_distribution='{"next": 4, "timeout": 2}'),
        "offer": dict(tile_type="action", depth=2, tile_order=2, reached=4, active=0,
                      passed_through=4, exited_here=0, exited_early_here=0,
                      branch_distribution=None),
        "ab": dict(tile_type="split", depth=2, tile_order=3, reached=2, active=0,
                   passed_through=2, exited_here=0, exited_early_here=0,
                   branch_distribution='{"control": 1, "treatment": 1}'),
        "done": dict(tile_type="exit", depth=4, tile_order=4, reached=6, active=0,
                     passed_through=0, exited_here=6, exited_early_here=0,
                     branch_distribution=None),
        "reminder": dict(tile_type="action", depth=3, tile_order=5, reached=1, active=0,
                         passed_through=1, exited_here=0, exited_early_here=0,
                         branch_distribution=None),
    }
    assert json.loads(counts["ab"]["branch_distribution"]) == {"control": 1, "treatment": 1}


def test_tile_stats_show_where_each_actions_delivery_stands(trial: Engine) -> None:
    delivery = {tid: {k: r[k] for k in ZERO_DELIVERY} for tid, r in tile_rows(trial).items()}
    assert delivery["offer"] == dict(actions_due=4, sent=1, delivery_errors=1, retrying=0,
                                     gave_up=1, suppressed=1, deferred=1)
    assert delivery["reminder"] == dict(actions_due=1, sent=0, delivery_errors=1, retrying=1,
                                        gave_up=0, suppressed=0, deferred=0)
    for tile in ("start", "nudge_wait", "ab", "done"):
        assert delivery[tile] == ZERO_DELIVERY


def test_journey_metrics_count_entries_outcomes_conversion_and_duration(trial: Engine) -> None:
    [row] = trial.rows("journey_metrics", "journey_id")
    hours_in_journey = 5 + 10 + 2 + 4 + 48 + 48 + 24  # m1 m3 m7 m8 m2 m6, m4 exited at +1d
    assert row == {
        "journey_id": "trial", "journey_name": "Trial nudges", "entered": 8, "active": 1,
        "completed": 6, "exited_early": 1, "converted": 2, "conversion_rate": 0.25,
        "avg_duration_s": pytest.approx(hours_in_journey * 3600 / 7),
        "last_tick_at": T0 + 48 * H,
    }


def test_a_conversion_is_the_goal_reached_during_the_entry(trial: Engine) -> None:
    rows = trial.rows("journey_conversions", "member_id")
    assert [(r["member_id"], r["entry_seq"], r["converted_at"], r["tick_at"]) for r in rows] == [
        ("m1", 1, T0 + 3 * H, T0 + 6 * H),  # before its click ended the entry at +5h
        ("m6", 1, T0 + 1 * H, T0 + 6 * H),  # while waiting; the entry goes on
    ]  # m3 bought after completing, m4 after exiting: not conversions of those entries


def test_a_goal_condition_converts_at_the_first_tick_it_holds() -> None:
    spec = JourneySpec.model_validate({
        "id": "upgrade", "name": "Upgrade", "entry": {"manual": True},
        "goal": {"where": "plan = 'pro'"},
        "tiles": {"start": {"type": "entry", "next": "wait_1d"},
                  "wait_1d": {"type": "wait", "duration": "1d", "next": "done"},
                  "done": {"type": "exit"}}})
    world = World(profiles=[{"member_id": m, "timezone": None, "plan": "free"}
                            for m in ("a", "b", "c")],
                  manual_entries=[{"journey_id": "upgrade", "member_id": m,
                                   "requested_at": T0} for m in ("a", "b", "c")])
    engine = Engine([spec], world, metrics=True).tick(T0, T0 + 6 * H)
    engine.update_profile("a", plan="pro")
    engine.tick(T0 + 12 * H)
    engine.update_profile("b", plan="pro")  # after b's entry ended at +1d: too late
    engine.tick(T0 + 30 * H, T0 + 36 * H)
    rows = engine.rows("journey_conversions", "member_id")
    assert [(r["member_id"], r["converted_at"], r["tick_at"]) for r in rows] == [
        ("a", T0 + 12 * H, T0 + 12 * H)]
    [metrics] = engine.rows("journey_metrics", "journey_id")
    assert (metrics["converted"], metrics["conversion_rate"]) == (1, pytest.approx(1 / 3))


def test_a_journey_without_a_goal_has_no_conversion_rate() -> None:
    spec = JourneySpec.model_validate({
        "id": "plain", "name": "Plain", "entry": {"manual": True},
        "tiles": {"start": {"type": "entry", "next": "done"}, "done": {"type": "exit"}}})
    world = World(profiles=[{"member_id": "a", "timezone": None}],
                  manual_entries=[{"journey_id": "plain", "member_id": "a", "requested_at": T0}])
    [row] = Engine([spec], world, metrics=True).tick(T0).rows("journey_metrics", "journey_id")
    assert (row["entered"], row["completed"], row["converted"], row["conversion_rate"],
            row["avg_duration_s"]) == (1, 1, 0, None, 0.0)


def test_every_tile_has_a_row_before_the_first_tick(trial: Engine) -> None:
    engine = Engine([TRIAL], World(profiles=[{"member_id": "x", "timezone": None}]),
                    metrics=True)
    engine.tick(T0)
    rows = engine.rows("journey_tile_stats", "tile_order")
    assert [r["tile_id"] for r in rows] == ["start", "nudge_wait", "offer", "ab", "done",
                                            "reminder"]
    assert all(r["reached"] == r["active"] == r["sent"] == 0 for r in rows)
    [metrics] = engine.rows("journey_metrics", "journey_id")
    assert (metrics["entered"], metrics["conversion_rate"], metrics["avg_duration_s"]) == (
        0, None, None)


# --- the A/B readout ------------------------------------------------------------------------

AB = JourneySpec.model_validate({
    "id": "ab_test", "name": "Subject line test", "entry": {"manual": True},
    "goal": {"event": "purchased"},
    "tiles": {"start": {"type": "entry", "next": "ab"},
              "ab": {"type": "split", "paths": {"control": {"percent": 50, "next": "hold"},
                                                "treatment": {"percent": 50, "next": "hold"}}},
              "hold": {"type": "wait", "duration": "1d", "next": "done"},
              "done": {"type": "exit"}}})


def split_path(member: str) -> str:
    """S10: the md5 bucket of ab_test:ab:<member>:1 (used only to pick the members)."""
    bucket = int(hashlib.md5(f"ab_test:ab:{member}:1".encode()).hexdigest()[:8], 16) % 10000
    return "control" if bucket < 5000 else "treatment"


def test_the_ab_interval_matches_the_worked_example() -> None:
    """Control 4 of 20 converted (0.20), treatment 10 of 20 (0.50): the difference 0.30,
    its standard error sqrt(0.2·0.8/20 + 0.5·0.5/20) = sqrt(0.0205) = 0.143178, so the 95%
    interval is 0.30 ± 1.96 · 0.143178 = [0.019371, 0.580629]."""
    arms: dict[str, list[str]] = {"control": [], "treatment": []}
    n = 0
    while min(len(v) for v in arms.values()) < 20:
        member = f"u{n:03d}"
        if len(arms[split_path(member)]) < 20:
            arms[split_path(member)].append(member)
        n += 1
    members = arms["control"] + arms["treatment"]
    buyers = arms["control"][:4] + arms["treatment"][:10]
    world = World(profiles=[{"member_id": m, "timezone": None} for m in members],
                  manual_entries=[{"journey_id": "ab_test", "member_id": m, "requested_at": T0}
                                  for m in members],
                  events=[{"member_id": m, "event": "purchased", "occurred_at": T0 + H}
                          for m in buyers])
    engine = Engine([AB], world, metrics=True).tick(T0, T0 + 2 * H)
    rows = {r["path"]: r for r in engine.rows("journey_split_readout", "path")}
    control, treatment = rows["control"], rows["treatment"]
    assert (control["entered"], control["converted"], control["conversion_rate"]) == (
        20, 4, pytest.approx(0.20))
    assert (control["is_baseline"], control["diff"], control["ci_low"]) == (True, None, None)
    assert treatment["baseline_path"] == "control" and treatment["is_baseline"] is False
    assert (treatment["entered"], treatment["converted"]) == (20, 10)
    assert treatment["conversion_rate"] == pytest.approx(0.50)
    assert treatment["diff"] == pytest.approx(0.30)
    assert treatment["ci_low"] == pytest.approx(0.019371, abs=1e-6)
    assert treatment["ci_high"] == pytest.approx(0.580629, abs=1e-6)


def test_the_holdout_is_read_out_against_the_members_messaged() -> None:
    """With a 20% holdout, m2 and m6 (buckets 1029 and 1276) are held out: 1 of 2 converted
    (m6); of the 6 messaged, 1 (m1). The difference 1/6 − 1/2 = −1/3, its standard error
    sqrt((1/6)(5/6)/6 + (1/2)(1/2)/2) = 0.384900, so [−1.087738, 0.421071]."""
    engine = Engine([TRIAL], trial_world(), metrics=True,
                    governance=GovernanceSpec.model_validate({"holdout": {"percent": 20}}))
    engine.tick(*CLOCKS)
    rows = {(r["tile_id"], r["path"]): r for r in engine.rows("journey_split_readout",
                                                              "tile_id, path")}
    held, messaged = rows[("_holdout", "holdout")], rows[("_holdout", "messaged")]
    assert (held["entered"], held["converted"], held["is_baseline"]) == (2, 1, True)
    assert (messaged["entered"], messaged["converted"], messaged["baseline_path"]) == (
        6, 1, "holdout")
    se = math.sqrt((1 / 6) * (5 / 6) / 6 + 0.25 / 2)
    assert se == pytest.approx(0.384900, abs=1e-6)
    assert messaged["diff"] == pytest.approx(-1 / 3)
    assert (messaged["ci_low"], messaged["ci_high"]) == (
        pytest.approx(-1.087738, abs=1e-6), pytest.approx(0.421071, abs=1e-6))
    split = rows[("ab", "treatment")]  # the split's own readout is there too
    assert (split["entered"], split["converted"], split["diff"]) == (1, 0, 0.0)


def test_a_conversion_before_the_split_does_not_count_for_its_path(trial: Engine) -> None:
    """m6 bought at +1h, while waiting; the time-out took it into the split's control path
    at +2d. The entry converted, but not after taking the path: control has 1 entry and 0
    conversions (what the path did cannot have caused it)."""
    rows = {r["path"]: r for r in trial.rows("journey_split_readout", "path")}
    assert (rows["control"]["entered"], rows["control"]["converted"]) == (1, 0)
    assert (rows["treatment"]["entered"], rows["treatment"]["converted"]) == (1, 0)
    assert [r["member_id"] for r in trial.rows("journey_conversions", "member_id")] == [
        "m1", "m6"]
