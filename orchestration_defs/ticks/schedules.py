"""One tick job and one schedule per journey, from the spec's ``schedule`` (cron, UTC).

A journey's job builds its own models, the contract outputs (which union every journey's
part) and the dispatch. Draft and paused journeys (C6 S18) keep their schedule, stopped.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC

import dagster as dg

from journeys.spec.models import JourneySpec
from orchestration_defs.dbt.translator import AUDIENCES_GROUP, GROUPS
from orchestration_defs.ticks.clock import CLOCK_TAG, WAREHOUSE_TAG, clock_text, tick_run_config

NOT_TICKING = frozenset({"draft", "paused"})


def tick_job(journey_id: str) -> dg.UnresolvedAssetJobDefinition:
    selection = (dg.AssetSelection.groups(journey_id, AUDIENCES_GROUP, *GROUPS.values())
                 | dg.AssetSelection.assets("dispatch"))
    return dg.define_asset_job(
        name=f"tick_{journey_id}", selection=selection, tags={WAREHOUSE_TAG: "default"},
        description=f"One tick of the journey {journey_id}, then the dispatch of its actions.")


def journey_schedule(spec: JourneySpec, job: dg.UnresolvedAssetJobDefinition
                     ) -> dg.ScheduleDefinition:
    status = getattr(spec, "status", "active")
    running = status not in NOT_TICKING

    @dg.schedule(name=f"{spec.id}_schedule", cron_schedule=spec.schedule, job=job,
                 execution_timezone="UTC",
                 default_status=(dg.DefaultScheduleStatus.RUNNING if running
                                 else dg.DefaultScheduleStatus.STOPPED),
                 description=f"Ticks {spec.id} at '{spec.schedule}' UTC; the clock of each "
                             "run is its scheduled time.")
    def _schedule(context: dg.ScheduleEvaluationContext):
        if not running:
            return dg.SkipReason(f"{spec.id} is {status}: it does not tick (S18)")
        clock = context.scheduled_execution_time.astimezone(UTC).replace(tzinfo=None)
        return dg.RunRequest(run_key=f"{spec.id}@{clock_text(clock)}",
                             run_config=tick_run_config(clock),
                             tags={CLOCK_TAG: clock_text(clock)})

    return _schedule


def tick_definitions(specs: Iterable[JourneySpec]) -> dg.Definitions:
    jobs, schedules = [], []
    for spec in sorted(specs, key=lambda s: s.id):
        job = tick_job(spec.id)
        jobs.append(job)
        schedules.append(journey_schedule(spec, job))
    return dg.Definitions(jobs=jobs, schedules=schedules)
