"""Wait-until-local-time across DST changes (S4–S6): gaps jump, folds take the first instant."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.journeys.engine_harness import Engine, World, spec_from_yaml

SPEC = """
id: nine_am
name: Wait for a local time
timezone: UTC
entry: { event: { name: go }, frequency: recurring }
tiles:
  start: { type: entry, next: wait }
  wait: { type: wait, until: { time: "{time}" }, next: done }
  done: { type: exit }
"""


def leave_time(zone: str | None, arrival: datetime, at: str) -> datetime:
    """When a member of ``zone`` arriving at ``arrival`` (UTC) leaves a wait until ``at``."""
    world = World(profiles=[{"member_id": "m", "timezone": zone}],
                  events=[{"member_id": "m", "event": "go", "occurred_at": arrival}])
    engine = Engine([spec_from_yaml(SPEC.replace("{time}", at))], world)
    engine.tick(arrival, arrival + timedelta(days=3))
    done = [s for s in engine.steps() if s["tile_id"] == "done"]
    assert len(done) == 1
    return done[0]["entered_at"]


@pytest.mark.parametrize(("zone", "arrival", "at", "expected"), [
    # New York springs forward 2026-03-08 02:00 EST -> 03:00 EDT: 02:30 does not exist,
    # the member leaves when the clocks jump (07:00 UTC).
    ("America/New_York", datetime(2026, 3, 8, 5, 0), "02:30", datetime(2026, 3, 8, 7, 0)),
    # the day before and after: plain offsets (-5h, then -4h)
    ("America/New_York", datetime(2026, 3, 7, 5, 0), "09:00", datetime(2026, 3, 7, 14, 0)),
    ("America/New_York", datetime(2026, 3, 8, 5, 0), "09:00", datetime(2026, 3, 8, 13, 0)),
    # Berlin springs forward 2026-03-29 02:00 CET -> 03:00 CEST
    ("Europe/Berlin", datetime(2026, 3, 28, 23, 0), "02:15", datetime(2026, 3, 29, 1, 0)),
    # New York falls back 2026-11-01 02:00 EDT -> 01:00 EST: 01:45 happens twice; the first
    # (EDT, 05:45 UTC) counts for a member who arrived before it …
    ("America/New_York", datetime(2026, 11, 1, 5, 20), "01:45", datetime(2026, 11, 1, 5, 45)),
    # … and a member arriving in the repeated hour (01:40 EST, after the first 01:45) waits
    # for the next day's 01:45 (EST, 06:45 UTC).
    ("America/New_York", datetime(2026, 11, 1, 6, 40), "01:45", datetime(2026, 11, 2, 6, 45)),
    # no time zone, or one the engine does not know: the spec's (UTC)
    (None, datetime(2026, 3, 8, 10, 0), "09:00", datetime(2026, 3, 9, 9, 0)),
    ("Mars/Olympus", datetime(2026, 3, 8, 8, 0), "09:00", datetime(2026, 3, 8, 9, 0)),
])
def test_wait_until_local_time(zone: str | None, arrival: datetime, at: str,
                               expected: datetime) -> None:
    assert leave_time(zone, arrival, at) == expected
