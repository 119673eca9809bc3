"""Tick clocks: parsing what users type, and the sequence of a simulation.

The clock is an input of every tick (S17): always a naive UTC timestamp inside the engine,
whatever offset the user wrote.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from journeys.limits import MAX_SIMULATED_TICKS
from journeys.spec.durations import parse_duration


def parse_clock(text: str) -> datetime:
    """``2026-03-01T09:00:00+01:00`` → ``datetime(2026, 3, 1, 8, 0)`` (naive UTC).

    Example:
        >>> parse_clock("2026-03-01 09:00+01:00")
        datetime.datetime(2026, 3, 1, 8, 0)
    """
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"'{text}' is not a timestamp: write ISO 8601, e.g. 2026-03-01T09:00:00Z"
        ) from None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def now_clock() -> datetime:
    """The wall clock, to the second, naive UTC like the warehouse's timestamps: the clock of
    `journeys run` without `--at`, and when dispatch attempts happen."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def clock_sequence(start: datetime, end: datetime, every: str) -> list[datetime]:
    """Clocks start, start + every, … up to and including end."""
    step = parse_duration(every)
    if end < start:
        raise ValueError(f"--end {end} is before --start {start}")
    count = (end - start) // step + 1
    if count > MAX_SIMULATED_TICKS:
        raise ValueError(f"--start {start} to --end {end} every {every} is {count:,} ticks: at "
                         f"most {MAX_SIMULATED_TICKS:,} per simulation; split the range, or "
                         "tick less often (--every)")
    clocks, at = [], start
    while at <= end:
        clocks.append(at)
        at += step
    return clocks


def as_timedelta(every: str) -> timedelta:
    return parse_duration(every)
