"""Small helpers for the golden scenarios: hand-worked timelines compared with what the real
compiled engine writes (tests/journeys/engine_harness.py).

A timeline is written in story order as ``(entry_seq, tile_id, via, entered_at, exit_reason)``
tuples; :func:`assert_timeline` puts it in the harness's canonical order (entry, logical time,
early exits last, then tile id) before comparing, so the tests can read like the spec.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from datetime import datetime, timedelta
from typing import Any

from tests.journeys.engine_harness import REPO, Engine

REPO_SPECS = REPO / "journey_specs"

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def clocks(start: datetime, end: datetime, every: timedelta) -> list[datetime]:
    """Tick clocks ``start, start + every, …`` up to and including ``end``."""
    out = []
    at = start
    while at <= end:
        out.append(at)
        at += every
    return out


def action_id(journey_id: str, member_id: str, entry_seq: int, tile_id: str) -> str:
    """S12: md5 of ``"{journey_id}:{member_id}:{entry_seq}:{tile_id}"``, hex."""
    return hashlib.md5(f"{journey_id}:{member_id}:{entry_seq}:{tile_id}".encode()).hexdigest()


def bucket(journey_id: str, tile_id: str, member_id: str, entry_seq: int) -> int:
    """S10: int(first 8 hex digits of md5("{journey_id}:{tile_id}:{member_id}:{entry_seq}"),
    16) mod 10000."""
    digest = hashlib.md5(f"{journey_id}:{tile_id}:{member_id}:{entry_seq}".encode()).hexdigest()
    return int(digest[:8], 16) % 10000


def _canonical(step: tuple) -> tuple:
    entry_seq, tile_id, _via, entered_at, _reason = step
    return (entry_seq, entered_at, tile_id == "_exit", tile_id)


def assert_timeline(engine: Engine, journey_id: str, member_id: str,
                    expected: list[tuple]) -> None:
    """The member's steps in the journey are exactly ``expected`` (any order written)."""
    assert engine.timeline(member_id, journey_id) == sorted(expected, key=_canonical)


def state_of(engine: Engine, journey_id: str, member_id: str) -> list[dict]:
    return [s for s in engine.state()
            if s["journey_id"] == journey_id and s["member_id"] == member_id]


def state_row(journey_id: str, member_id: str, entry_seq: int, *, status: str, tile_id: str,
              entered_tile_at: datetime, entered_journey_at: datetime,
              exited_at: datetime | None = None, exit_reason: str | None = None,
              updated_tick_at: datetime) -> dict:
    return {
        "journey_id": journey_id, "member_id": member_id, "entry_seq": entry_seq,
        "status": status, "tile_id": tile_id, "entered_tile_at": entered_tile_at,
        "entered_journey_at": entered_journey_at, "exited_at": exited_at,
        "exit_reason": exit_reason, "updated_tick_at": updated_tick_at,
    }


def actions_of(engine: Engine, journey_id: str, member_id: str) -> list[dict]:
    """The member's due actions without ``tick_at`` (checked by
    :func:`assert_logged_by_first_tick`)."""
    return [{k: v for k, v in a.items() if k != "tick_at"} for a in engine.due_actions()
            if a["journey_id"] == journey_id and a["member_id"] == member_id]


def due(journey_id: str, member_id: str, entry_seq: int, tile_id: str, *, due_at: datetime,
        template: str | None, payload: dict[str, Any], destination: str = "sendgrid",
        action: str = "send_email", tile_type: str = "action") -> dict:
    """A ``due_actions`` row as S12 defines it (without ``tick_at``)."""
    return {
        "action_id": action_id(journey_id, member_id, entry_seq, tile_id),
        "journey_id": journey_id, "member_id": member_id, "entry_seq": entry_seq,
        "tile_id": tile_id, "tile_type": tile_type, "destination": destination,
        "action": action, "template": template, "payload": payload, "due_at": due_at,
    }


def assert_logged_by_first_tick(engine: Engine, ticks: list[datetime]) -> None:
    """S2: every step and action is written by the first tick at or after its logical time."""
    ordered = sorted(ticks)

    def first_tick(at: datetime) -> datetime:
        return ordered[bisect_left(ordered, at)]

    for step in engine.steps():
        assert step["tick_at"] == first_tick(step["entered_at"]), step
    for row in engine.due_actions():
        assert row["tick_at"] == first_tick(row["due_at"]), row


def set_profile(engine: Engine, member_id: str, **columns: Any) -> None:
    """The warehouse changes between ticks: update one profile in place."""
    engine.update_profile(member_id, **columns)


def tick_with_changes(engine: Engine, ticks: list[datetime],
                      changes: dict[datetime, dict[str, dict[str, Any]]]) -> Engine:
    """Tick ``ticks`` in order; before the tick at a clock of ``changes``, the warehouse
    changes those members' profiles (``{clock: {member_id: {column: value}}}``).

    The clocks between two changes go to the harness in one call, which Spark runs as one
    batch (a tick there costs seconds of planning); elsewhere they still tick one by one.
    """
    unknown = set(changes) - set(ticks)
    assert not unknown, f"changes at clocks that are not ticked: {sorted(unknown)}"
    run: list[datetime] = []
    for clock in ticks:
        if clock in changes:
            engine.tick(*run)
            run = []
            for member_id, columns in changes[clock].items():
                set_profile(engine, member_id, **columns)
        run.append(clock)
    return engine.tick(*run)
