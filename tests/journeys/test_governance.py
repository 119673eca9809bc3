"""Governance (CONTRACT C9) on the real compiled engine: one worked scenario per rule.

Each journey here is the smallest that emits an action: a manual entry, an action tile,
then an exit (or a wait, to keep the entry open). Governance decides at every tick what
the actions due then, and those it deferred, become: ``send``, ``deferred`` or
``suppressed`` with a reason.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import duckdb

from journeys.spec.governance import GovernanceSpec
from journeys.spec.models import JourneySpec
from journeys.warehouse.setup import ensure_delivery_log
from reverse_etl import queue
from tests.journeys.engine_harness import Engine, World

D1 = datetime(2026, 3, 2)


def journey(journey_id: str, action: str = "send_email", *, keep_open: bool = False,
            timezone: str = "UTC") -> JourneySpec:
    after = "wait" if keep_open else "done"
    tiles: dict = {
        "start": {"type": "entry", "next": "send"},
        "send": {"type": "action", "destination": "d", "action": action, "template": "d-t",
                 "next": after},
        "done": {"type": "exit"},
    }
    if keep_open:
        tiles["wait"] = {"type": "wait", "duration": "3d", "next": "done"}
    return JourneySpec.model_validate({
        "id": journey_id, "name": journey_id, "timezone": timezone,
        "entry": {"manual": True, "frequency": "recurring"}, "tiles": tiles})


def governance(**parts: object) -> GovernanceSpec:
    return GovernanceSpec.model_validate(parts)


def enter(journey_id: str, member_id: str, at: datetime) -> dict:
    return {"journey_id": journey_id, "member_id": member_id, "requested_at": at}


def decisions(engine: Engine) -> dict[tuple[str, str], list[tuple]]:
    """(journey, member) -> [(tick_at, outcome, reason, deferred_until), …]."""
    out: dict[tuple[str, str], list[tuple]] = {}
    for row in engine.governed():
        out.setdefault((row["journey_id"], row["member_id"]), []).append(
            (row["tick_at"], row["outcome"], row["reason"], row["deferred_until"]))
    return out


def final(engine: Engine) -> dict[tuple[str, str], tuple]:
    """(journey, member) -> (outcome, reason) of the latest decision."""
    return {key: rows[-1][1:3] for key, rows in decisions(engine).items()}


# --- frequency caps ---------------------------------------------------------------------


def test_a_cap_counts_releases_inside_the_window_and_not_one_exactly_at_its_edge() -> None:
    # email: at most 1 a day. Both members got journey a's email at D1 10:00. m1's next
    # email falls due 23 hours later (inside the window): suppressed. m2's falls due exactly
    # 24 hours later: the first one is at the window's open edge, so it no longer counts.
    world = World(profiles=[{"member_id": "m1"}, {"member_id": "m2"}], manual_entries=[
        enter("a", "m1", D1 + timedelta(hours=10)), enter("a", "m2", D1 + timedelta(hours=10)),
        enter("b", "m1", D1 + timedelta(hours=33)), enter("b", "m2", D1 + timedelta(hours=34))])
    engine = Engine([journey("a"), journey("b")], world, governance=governance(
        frequency_caps=[{"channel": "email", "max": 1, "per": "1d"}]))
    engine.tick(D1 + timedelta(hours=10), D1 + timedelta(hours=33), D1 + timedelta(hours=34))
    assert final(engine) == {
        ("a", "m1"): ("send", None), ("a", "m2"): ("send", None),
        ("b", "m1"): ("suppressed", "frequency_cap"), ("b", "m2"): ("send", None)}


def test_a_release_the_delivery_log_says_failed_frees_its_slot() -> None:
    world = World(profiles=[{"member_id": "m1"}], manual_entries=[
        enter("a", "m1", D1 + timedelta(hours=10)), enter("b", "m1", D1 + timedelta(hours=12))])
    con = duckdb.connect()
    engine = Engine([journey("a"), journey("b")], world, con=con, governance=governance(
        frequency_caps=[{"channel": "any", "max": 1, "per": "7d"}]))
    engine.tick(D1 + timedelta(hours=10))
    ensure_delivery_log(con)
    (action_id,) = [r["action_id"] for r in engine.governed()]
    con.execute("insert into journeys.delivery_log (action_id, attempt, status, attempted_at) "
                "values (?, 1, 'failed', ?)", [action_id, D1 + timedelta(hours=10, minutes=1)])
    engine.tick(D1 + timedelta(hours=12))
    assert final(engine)[("b", "m1")] == ("send", None)


def test_two_journeys_competing_for_one_slot_go_by_priority_then_due_at() -> None:
    # one action a day on any channel. m1: three journeys due at once; b is listed first.
    # m2: a (listed) beats c (not listed) although c fell due earlier. m3: c and d are both
    # unlisted, so the earlier due_at wins.
    at = D1 + timedelta(hours=10)
    world = World(profiles=[{"member_id": m} for m in ("m1", "m2", "m3")], manual_entries=[
        enter("a", "m1", at), enter("b", "m1", at), enter("c", "m1", at),
        enter("a", "m2", at), enter("c", "m2", at - timedelta(minutes=30)),
        enter("d", "m3", at - timedelta(minutes=30)), enter("c", "m3", at - timedelta(minutes=15))])
    engine = Engine([journey(j, "send_sms" if j == "a" else "send_email") for j in "abcd"],
                    world, governance=governance(
                        frequency_caps=[{"channel": "any", "max": 1, "per": "1d"}],
                        priority=["b", "a"]))
    engine.tick(at)
    capped = ("suppressed", "frequency_cap")
    assert final(engine) == {
        ("a", "m1"): capped, ("b", "m1"): ("send", None), ("c", "m1"): capped,
        ("a", "m2"): ("send", None), ("c", "m2"): capped,
        ("c", "m3"): capped, ("d", "m3"): ("send", None)}


def test_a_channel_cap_does_not_spend_the_slots_of_a_cap_on_any_channel() -> None:
    # email 1 a day, any channel 2 a day: the second email is capped by the email cap, so
    # it does not take the second slot of the any cap, which the SMS then gets.
    at = D1 + timedelta(hours=10)
    world = World(profiles=[{"member_id": "m1"}], manual_entries=[
        enter("a", "m1", at - timedelta(minutes=20)), enter("b", "m1", at - timedelta(minutes=10)),
        enter("c", "m1", at)])
    engine = Engine([journey("a"), journey("b"), journey("c", "send_sms")], world,
                    governance=governance(frequency_caps=[
                        {"channel": "email", "max": 1, "per": "1d"},
                        {"channel": "any", "max": 2, "per": "1d"}]))
    engine.tick(at)
    assert final(engine) == {("a", "m1"): ("send", None),
                             ("b", "m1"): ("suppressed", "frequency_cap"),
                             ("c", "m1"): ("send", None)}


# --- quiet hours ------------------------------------------------------------------------

QUIET = {"quiet_hours": {"channels": ["sms"], "between": "21:00-08:00", "timezone": "member"}}


def _hours(start: datetime, end: datetime) -> list[datetime]:
    return [start + timedelta(hours=h) for h in range(int((end - start).total_seconds() // 3600)
                                                       + 1)]


def _quiet_world() -> World:
    return World(profiles=[
        {"member_id": "berlin", "timezone": "Europe/Berlin"},
        {"member_id": "berlin_early", "timezone": "Europe/Berlin"},
        {"member_id": "new_york", "timezone": "America/New_York"},
        {"member_id": "no_zone", "timezone": None},
    ], manual_entries=[
        # 22:30 CEST the night summer time ends in Europe (2026-10-25, 03:00 -> 02:00)
        enter("sms", "berlin", datetime(2026, 10, 24, 20, 30)),
        enter("mail", "berlin", datetime(2026, 10, 24, 20, 30)),
        # 06:30 CET, after the change: inside the window until 08:00 CET = 07:00 UTC
        enter("sms", "berlin_early", datetime(2026, 10, 25, 5, 30)),
        # 22:30 EDT the night summer time ends in the US (2026-11-01, 02:00 -> 01:00)
        enter("sms", "new_york", datetime(2026, 11, 1, 2, 30)),
        # no time zone: the journey's (UTC)
        enter("sms", "no_zone", datetime(2026, 11, 1, 22, 0)),
    ])


QUIET_CLOCKS = (_hours(datetime(2026, 10, 24, 20), datetime(2026, 10, 25, 9))
                + _hours(datetime(2026, 11, 1, 2), datetime(2026, 11, 2, 9)))


def test_quiet_hours_defer_across_midnight_and_dst_to_the_local_end_of_the_window() -> None:
    engine = Engine([journey("sms", "send_sms"), journey("mail")], _quiet_world(),
                    governance=governance(**QUIET))
    engine.tick(*QUIET_CLOCKS)
    seen = decisions(engine)

    def first_and_release(key: tuple[str, str]) -> tuple:
        rows = seen[key]
        assert all(r[1] == "deferred" for r in rows[:-1]), rows
        return rows[0][0], rows[0][3], rows[-1][0], rows[-1][1]

    # 08:00 CET on the day summer time ended is 07:00 UTC (it would be 06:00 in CEST)
    assert first_and_release(("sms", "berlin")) == (
        datetime(2026, 10, 24, 21), datetime(2026, 10, 25, 7), datetime(2026, 10, 25, 7), "send")
    assert first_and_release(("sms", "berlin_early")) == (
        datetime(2026, 10, 25, 6), datetime(2026, 10, 25, 7), datetime(2026, 10, 25, 7), "send")
    # 08:00 EST on the day summer time ended is 13:00 UTC (12:00 in EDT)
    assert first_and_release(("sms", "new_york")) == (
        datetime(2026, 11, 1, 3), datetime(2026, 11, 1, 13), datetime(2026, 11, 1, 13), "send")
    assert first_and_release(("sms", "no_zone")) == (
        datetime(2026, 11, 1, 22), datetime(2026, 11, 2, 8), datetime(2026, 11, 2, 8), "send")
    # email is not a quiet channel: sent at night
    assert seen[("mail", "berlin")] == [(datetime(2026, 10, 24, 21), "send", None, None)]


def test_a_batch_of_clocks_decides_as_ticks_one_by_one() -> None:
    one_by_one = Engine([journey("sms", "send_sms"), journey("mail")], _quiet_world(),
                        con=duckdb.connect(), governance=governance(**QUIET))
    one_by_one.tick(*QUIET_CLOCKS)
    batched = Engine([journey("sms", "send_sms"), journey("mail")], _quiet_world(),
                     con=duckdb.connect(), governance=governance(**QUIET))
    batched.run(QUIET_CLOCKS[:14], QUIET_CLOCKS[14:])
    assert batched.governed() == one_by_one.governed()


# --- consent, suppression, holdout, exited ----------------------------------------------


def test_a_member_without_consent_for_a_channel_gets_nothing_on_it() -> None:
    at = D1 + timedelta(hours=10)
    world = World(profiles=[
        {"member_id": "yes", "email_opt_in": True, "sms_opt_in": True},
        {"member_id": "email_only", "email_opt_in": True, "sms_opt_in": False},
        {"member_id": "unknown", "email_opt_in": None, "sms_opt_in": None},
    ], manual_entries=[enter(j, m, at) for j in ("mail", "sms")
                       for m in ("yes", "email_only", "unknown")])
    engine = Engine([journey("mail"), journey("sms", "send_sms")], world, governance=governance(
        consent={"email": "email_opt_in", "sms": "sms_opt_in"}))
    engine.tick(at)
    no = ("suppressed", "consent")
    assert final(engine) == {
        ("mail", "yes"): ("send", None), ("sms", "yes"): ("send", None),
        ("mail", "email_only"): ("send", None), ("sms", "email_only"): no,
        ("mail", "unknown"): no, ("sms", "unknown"): no}


def test_a_suppressed_member_gets_nothing_from_any_of_three_journeys() -> None:
    at = D1 + timedelta(hours=10)
    world = World(profiles=[{"member_id": "listed"}, {"member_id": "other"}], manual_entries=[
        enter(j, m, at) for j in ("mail", "sms", "push") for m in ("listed", "other")])
    con = duckdb.connect()
    engine = Engine([journey("mail"), journey("sms", "send_sms"), journey("push", "send_push")],
                    world, con=con, governance=governance(suppression={"model": "do_not_contact"}))
    con.execute("create table main.do_not_contact as select 'listed' as member_id")
    engine.tick(at)
    assert final(engine) == {
        **{(j, "listed"): ("suppressed", "suppression_list") for j in ("mail", "sms", "push")},
        **{(j, "other"): ("send", None) for j in ("mail", "sms", "push")}}
    # suppressed, but still moving through the journeys: they completed
    assert {(s["journey_id"], s["status"]) for s in engine.state()
            if s["member_id"] == "listed"} == {(j, "completed") for j in ("mail", "sms", "push")}


def _holdout_members(count: int, percent: float) -> set[str]:
    """The contract's bucket (S10's md5, salted with ``holdout``), computed in Python."""
    return {f"m{i:06d}" for i in range(count)
            if int(hashlib.md5(f"holdout:m{i:06d}".encode()).hexdigest()[:8], 16) % 10000
            < percent * 100}


def _holdout_run(count: int) -> tuple[Engine, set[str]]:
    con = duckdb.connect()
    spec = JourneySpec.model_validate({
        "id": "promo", "name": "promo", "entry": {"audience": {"where": "plan = 'free'"}},
        "tiles": {"start": {"type": "entry", "next": "send"},
                  "send": {"type": "action", "destination": "d", "action": "send_email",
                           "template": "t", "next": "done"},
                  "done": {"type": "exit"}}})
    engine = Engine([spec], World(profiles=[{"member_id": "x", "plan": "free"}]), con=con,
                    governance=governance(holdout={"percent": 5}))
    con.execute("delete from main.profiles")
    con.execute("insert into main.profiles select printf('m%06d', i), null, 'free' "
                f"from range({count}) t(i)")
    engine.tick(D1)
    held = {r["member_id"] for r in engine.governed() if r["reason"] == "holdout"}
    return engine, held


def test_the_holdout_is_the_salted_bucket_stable_across_runs_and_near_its_percent() -> None:
    count = 100_000
    engine, held = _holdout_run(count)
    assert held == _holdout_members(count, 5)
    # 5% of 100,000: 5,000 with a standard deviation of 69
    assert abs(len(held) - 5000) < 300
    _, again = _holdout_run(count)
    assert again == held
    outcomes = {(r["outcome"], r["reason"]) for r in engine.governed()}
    assert outcomes == {("send", None), ("suppressed", "holdout")}
    # held out, but still moving through the journey and counted
    assert sum(1 for s in engine.state() if s["status"] == "completed") == count


def test_an_action_deferred_then_exited_early_is_suppressed_but_completion_is_not() -> None:
    # S15b: a deferred action whose entry exits early before its release is suppressed
    # (exited); one whose entry completed normally is still sent in the morning.
    world = World(profiles=[{"member_id": "removed"}, {"member_id": "completed"}],
                  manual_entries=[enter("open", "removed", datetime(2026, 3, 2, 22)),
                                  enter("sms", "completed", datetime(2026, 3, 2, 22))],
                  manual_removals=[enter("open", "removed", datetime(2026, 3, 2, 23, 30))])
    engine = Engine([journey("open", "send_sms", keep_open=True), journey("sms", "send_sms")],
                    world, governance=governance(**QUIET))
    engine.tick(*_hours(datetime(2026, 3, 2, 22), datetime(2026, 3, 3, 8)))
    seen = decisions(engine)
    assert [r[1:3] for r in seen[("open", "removed")]] == [
        ("deferred", "quiet_hours"), ("deferred", "quiet_hours"), ("suppressed", "exited")]
    assert seen[("sms", "completed")][-1][:3] == (datetime(2026, 3, 3, 8), "send", None)


def test_re_running_a_clock_already_decided_changes_nothing() -> None:
    # decided again, the email would count its own release and be capped
    at = D1 + timedelta(hours=10)
    world = World(profiles=[{"member_id": "m1"}], manual_entries=[enter("a", "m1", at)])
    engine = Engine([journey("a")], world, governance=governance(
        frequency_caps=[{"channel": "email", "max": 1, "per": "1d"}]))
    engine.tick(at)
    before = engine.governed()
    engine.tick(at)
    assert engine.governed() == before
    assert [(r["outcome"], r["decision_seq"]) for r in before] == [("send", 1)]


def test_journeys_ticking_in_jobs_of_their_own_at_one_clock_are_each_decided_once() -> None:
    # Dagster runs a job per journey: a's job decides at 10:00 and dispatch reads it; then
    # b's job ticks at the same clock. b's action is decided too (numbered after a's), and
    # counts a's release against the cap; dispatch's cursor then finds it.
    at = D1 + timedelta(hours=10)
    con = duckdb.connect()
    world = World(profiles=[{"member_id": "m1"}, {"member_id": "m2"}], manual_entries=[
        enter("a", "m1", at), enter("b", "m1", at), enter("b", "m2", at)])
    caps = governance(frequency_caps=[{"channel": "any", "max": 1, "per": "1d"}])
    Engine([journey("a")], world, con=con, governance=caps).tick(at)
    queue.ensure_tables(con)
    first = queue.enqueue(con, "d1", governed=True)
    job_b = Engine([journey("b")], world, con=con, governance=caps).tick(at)
    second = queue.enqueue(con, "d2", governed=True)
    assert [(r["journey_id"], r["member_id"], r["outcome"], r["reason"], r["decision_seq"])
            for r in job_b.governed()] == [
        ("a", "m1", "send", None, 1),
        ("b", "m1", "suppressed", "frequency_cap", 2), ("b", "m2", "send", None, 2)]
    assert (first.queued, second.queued) == (1, 1)
    assert second.logged == {("d", "suppressed", "frequency_cap"): 1}
