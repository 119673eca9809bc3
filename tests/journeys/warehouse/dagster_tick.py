"""Dagster's tick of every journey at one clock, in a process of its own:
``python -m tests.journeys.warehouse.dagster_tick CLOCK``. Prints one JSON line.

It materializes the dbt assets of every journey (the models, their checks and the contract
outputs) with the clock as the tick_clock resource says, as a scheduled run does, waiting
for the warehouse's lease like one.
"""

from __future__ import annotations

import json
import sys

import dagster as dg

from orchestration_defs.dbt.assets import PROJECT, journey_models
from orchestration_defs.dbt.project import dbt_cli
from orchestration_defs.ticks.clock import TickClock


def tick(clock: str) -> dict:
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([journey_models], instance=instance, raise_on_error=False,
                            resources={"dbt": dbt_cli(PROJECT),
                                       "tick_clock": TickClock(at=clock, wait_seconds=600)})
    messages = [entry.user_message for entry in instance.all_logs(result.run_id)]
    return {"success": result.success,
            "skipped": [m for m in messages if "tick skipped" in m],
            "failures": [str(e.event_specific_data.error.message)[:500]
                         for e in result.all_events if e.event_type_value == "STEP_FAILURE"]}


if __name__ == "__main__":
    print(json.dumps(tick(sys.argv[1])))
