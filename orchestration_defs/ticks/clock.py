"""The clock of a tick run: given in the run config, or the schedule's, or the launch's.

A scheduled run carries its scheduled execution time as its clock (C6 S17), so a late or
retried run computes what it would have on time. A run launched by hand without one ticks
at the moment it was created, to the second: the same for every step of that run.
"""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg
from pydantic import Field

from journeys.warehouse.clock import parse_clock

CLOCK_TAG = "journeys/clock"
"""Run tag showing a run's tick clock in the UI."""
WAREHOUSE_TAG = "journeys/warehouse"
"""Run tag limited to one run at a time by the instance's run queue (dagster.yaml)."""


def clock_text(clock: datetime) -> str:
    """Example:
    >>> clock_text(datetime(2026, 11, 1, 9))
    '2026-11-01 09:00:00'
    """
    return clock.isoformat(sep=" ")


class TickClock(dg.ConfigurableResource):
    """The tick clock and how long a tick waits for the warehouse held by another one."""

    at: str | None = Field(default=None, description=(
        "Tick clock, ISO 8601 (UTC unless an offset is given). Empty: when the run was "
        "launched. Schedules set it to their scheduled execution time."))
    wait_seconds: float = Field(default=600.0, description=(
        "How long a tick waits while another tick holds the warehouse before it is skipped "
        "(the next tick then catches up)."))

    def resolve(self, context: dg.AssetExecutionContext) -> datetime:
        if self.at:
            return parse_clock(self.at)
        tagged = context.run.tags.get(CLOCK_TAG)
        if tagged:
            return parse_clock(tagged)
        record = context.instance.get_run_record_by_id(context.run.run_id)
        created = record.create_timestamp if record else datetime.now(UTC)
        return created.astimezone(UTC).replace(tzinfo=None, microsecond=0)


def tick_run_config(clock: datetime) -> dict:
    """The run config that ticks at ``clock``.

    Example:
        >>> tick_run_config(datetime(2026, 11, 1, 9))
        {'resources': {'tick_clock': {'config': {'at': '2026-11-01 09:00:00'}}}}
    """
    return {"resources": {"tick_clock": {"config": {"at": clock_text(clock)}}}}
