"""The dispatch asset: downstream of due_actions, the reverse-ETL step's home.

It runs after the journey models of the same run (it never runs when their tick failed or
was skipped) and reports its counts as metadata, as a Hightouch sync asset does.
"""

# No `from __future__ import annotations`: Dagster reads the context and resource types.

import dagster as dg
from dagster import AssetExecutionContext

from journeys.settings import load_settings
from journeys.tick.lease import tick_lease
from orchestration_defs.ticks.clock import TickClock, clock_text
from reverse_etl.dispatch import dispatch_tick

DUE_ACTIONS = dg.AssetKey(["journeys", "due_actions"])


@dg.asset(key="dispatch", deps=[DUE_ACTIONS], group_name="reverse_etl",
          description="Sends the due actions of the tick to their destinations (dry run "
                      "until delivery lands) and reports the counts.")
def dispatch(context: AssetExecutionContext, tick_clock: TickClock) -> dg.MaterializeResult:
    settings = load_settings()
    run_at = tick_clock.resolve(context)
    with tick_lease(settings.warehouse, f"dagster run {context.run_id[:8]} (dispatch)", run_at,
                    wait_s=tick_clock.wait_seconds):
        summary = dispatch_tick(settings.warehouse, run_at)
    context.log.info(f"dispatch of tick {clock_text(run_at)}: {summary.due} due action(s)"
                     f"{' (dry run)' if summary.dry_run else ''}")
    return dg.MaterializeResult(metadata={
        "tick_at": clock_text(run_at),
        "dry_run": summary.dry_run,
        "due_actions": summary.due,
        **{f"destination/{k}": v for k, v in summary.by_destination.items()},
        **{f"action/{k}": v for k, v in summary.by_action.items()},
    })
