"""S18 in the compiled engine: what a tick does with a draft, paused, resumed or archived
journey. One hand-worked timeline per rule, on the real in-process engine."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.journeys.engine_harness import Engine, World, spec_from_yaml

SPEC = spec_from_yaml("""
id: hold
name: Held journey
entry: { event: { name: signed_up }, frequency: once }
exit_criteria:
  - event: { name: unsubscribed }
tiles:
  start: { type: entry, next: wait_1d }
  wait_1d: { type: wait, duration: 1d, next: hello }
  hello: { type: action, destination: sendgrid, action: send_email, template: d-hello,
           next: done }
  done: { type: exit }
""")
T0 = datetime(2026, 3, 2, 0, 0)


def hours(*offsets: int) -> list[datetime]:
    return [T0 + timedelta(hours=h) for h in offsets]


def at(h: float) -> datetime:
    return T0 + timedelta(hours=h)


def world(*events: tuple[str, str, float]) -> World:
    members = sorted({m for m, _, _ in events})
    return World(profiles=[{"member_id": m} for m in members],
                 events=[{"member_id": m, "event": e, "occurred_at": at(h)}
                         for m, e, h in events])


def test_a_draft_never_ticks() -> None:
    engine = Engine([SPEC], world(("a", "signed_up", 0.5)), active=False)
    engine.tick(*hours(1, 2, 30))
    assert engine.steps() == [] and engine.ticks() == [] and engine.due_actions() == []


def test_activation_is_the_first_tick_after_it_and_earlier_events_do_not_enter() -> None:
    """Activated before the 3:00 tick: an event at 2:30 is from before the activation."""
    engine = Engine([SPEC], world(("early", "signed_up", 2.5), ("late", "signed_up", 3.5)),
                    active=False)
    engine.tick(*hours(1, 2))
    engine.change("hold", "activate").tick(*hours(3, 4))
    assert {(s["member_id"], s["entered_at"]) for s in engine.steps()} == {("late", at(3.5))}
    assert [t["tick_at"] for t in engine.ticks()] == hours(3, 4)


def test_a_paused_journey_holds_its_members_and_catches_up_at_logical_times() -> None:
    """Activated at 0:00, a enters at 0:30 and waits a day; the journey is paused from the
    2:00 tick to the resume before the 40:00 tick. While paused: no ticks, no steps, no
    actions, and nobody enters (b signed up at 5:00, while paused). On resume, a's wait,
    which ended at 24:30 while paused, ends at 24:30 and the email is due at 24:30; c, who
    signed up after the resume, enters as usual."""
    engine = Engine([SPEC], world(("a", "signed_up", 0.5), ("b", "signed_up", 5),
                                  ("c", "signed_up", 40.5)))
    engine.tick(*hours(0, 1))
    engine.change("hold", "pause").tick(*hours(2, 5, 25, 30))
    assert [s["tile_id"] for s in engine.steps()] == ["start", "wait_1d"]
    assert engine.due_actions() == [] and [t["tick_at"] for t in engine.ticks()] == hours(0, 1)

    engine.change("hold", "resume").tick(*hours(40, 41))
    assert set(engine.timeline("a")) == {
        (1, "start", "entry", at(0.5), None), (1, "wait_1d", "next", at(0.5), None),
        (1, "hello", "next", at(24.5), None), (1, "done", "next", at(24.5), "completed")}
    assert [(a["member_id"], a["due_at"], a["tick_at"]) for a in engine.due_actions()] == [
        ("a", at(24.5), at(40))]
    assert engine.timeline("b") == []
    assert engine.timeline("c")[0] == (1, "start", "entry", at(40.5), None)
    assert [(t["tick_at"], t["control_seq"]) for t in engine.ticks()] == [
        (at(0), 1), (at(1), 1), (at(40), 3), (at(41), 3)]


def test_an_exit_that_happened_while_paused_applies_at_its_time_on_resume() -> None:
    engine = Engine([SPEC], world(("a", "signed_up", 0.5), ("a", "unsubscribed", 10)))
    engine.tick(*hours(0, 1))
    engine.change("hold", "pause").tick(*hours(12))
    engine.change("hold", "resume").tick(*hours(30))
    assert engine.timeline("a")[-1] == (1, "_exit", "exit_criteria", at(10), "event")
    assert engine.due_actions() == []


def test_an_archived_journey_admits_no_one_and_lets_its_members_finish() -> None:
    engine = Engine([SPEC], world(("a", "signed_up", 0.5), ("b", "signed_up", 3)))
    engine.tick(*hours(0, 1))
    engine.change("hold", "archive").tick(*hours(4, 26))
    assert (1, "done", "next", at(24.5), "completed") in engine.timeline("a")
    assert engine.timeline("b") == []
    assert [a["member_id"] for a in engine.due_actions()] == ["a"]


def test_in_a_simulation_a_resume_takes_effect_at_the_first_tick_after_it() -> None:
    """Pause and resume recorded after every clock (a replay of the past): the pause covers
    everything since the last tick before it, so b, who signed up then, does not enter."""
    engine = Engine([SPEC], world(("a", "signed_up", 0.5), ("b", "signed_up", 1.5)))
    engine.tick(*hours(0, 1))
    engine.change("hold", "pause").change("hold", "resume").tick(*hours(2))
    assert engine.timeline("b") == []
    assert [t["tick_at"] for t in engine.ticks()] == hours(0, 1, 2)


def test_when_ticks_follow_the_wall_clock_the_pause_is_from_its_time_to_the_resume() -> None:
    """Paused at 1:30 and resumed at 40:05 (wall times), ticks hourly: b signed up at 1:15,
    before the pause, and enters at the first tick after the resume; c signed up at 5:00,
    while paused, and never enters; d was entered by hand at 40:10, after the resume, and
    enters at the 41:00 tick."""
    engine = Engine([SPEC], world(("b", "signed_up", 1.25), ("c", "signed_up", 5),
                                  ("d", "other", 0)))
    engine.world.manual_entries.append({"journey_id": "hold", "member_id": "d",
                                        "requested_at": at(40 + 1 / 6)})
    engine.world.load(engine.session)
    engine.tick(*hours(0, 1))
    engine.change("hold", "pause", at(1.5)).tick(*hours(2, 3))
    engine.change("hold", "resume", at(40 + 1 / 12)).tick(*hours(41))
    assert engine.timeline("b")[0] == (1, "start", "entry", at(1.25), None)
    assert engine.timeline("c") == []
    assert engine.timeline("d")[0] == (1, "start", "entry", at(40 + 1 / 6), None)


SOURCE = spec_from_yaml("""
id: source
name: Hands over
entry: { event: { name: signed_up }, frequency: once }
tiles:
  start: { type: entry, next: hand_over }
  hand_over: { type: sub_journey, journey: target, next: done }
  done: { type: exit }
""")
TARGET = spec_from_yaml("""
id: target
name: Handed over
entry: { manual: true }
tiles:
  start: { type: entry, next: wait_1d }
  wait_1d: { type: wait, duration: 1d, next: done }
  done: { type: exit }
""")


def test_arrivals_from_a_sub_journey_tile_while_the_target_is_a_draft_are_skipped() -> None:
    """C4: an inactive target is skipped. a reaches the hand-over at 0:30 while `target` is
    a draft and never enters it, even once `target` is active; b reaches it at 2:30, after."""
    engine = Engine([SOURCE, TARGET], world(("a", "signed_up", 0.5), ("b", "signed_up", 2.5)),
                    active=False)
    engine.change("source", "activate").tick(*hours(0, 1))
    engine.change("target", "activate").tick(*hours(2, 3, 4))
    assert "done" in {step[1] for step in engine.timeline("a", "source")}
    assert engine.timeline("a", "target") == []
    assert engine.timeline("b", "target")[0] == (1, "start", "entry", at(2.5), None)
