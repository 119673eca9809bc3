"""The dispatch asset: downstream of due_actions, the reverse-ETL step's home.

It runs after the journey models of the same run (it never runs when their tick failed or
was skipped), sends every due action without a final delivery, and reports its counts as
metadata, as a Hightouch sync asset does. A missing secret fails the step with a message
naming the variable; nothing is sent.
"""

# No `from __future__ import annotations`: Dagster reads the context and resource types.

import dagster as dg
from dagster import AssetExecutionContext

from journeys.settings import load_settings
from journeys.warehouse.lease import TickBusy
from orchestration_defs.ticks.clock import TickClock, clock_text
from reverse_etl.dispatch import DispatchError
from reverse_etl.run import run_dispatch

DUE_ACTIONS = dg.AssetKey(["journeys", "due_actions"])


@dg.asset(key="dispatch", deps=[DUE_ACTIONS], group_name="reverse_etl",
          description="Sends the due actions to their destinations, logs every attempt to "
                      "journeys.delivery_log, and reports the counts.")
def dispatch(context: AssetExecutionContext, tick_clock: TickClock) -> dg.MaterializeResult:
    settings = load_settings()
    run_at = tick_clock.resolve(context)
    try:
        summary = run_dispatch(settings, holder=f"dagster run {context.run.run_id[:8]} (dispatch)",
                               wait_s=tick_clock.wait_seconds, log=context.log.info)
    except TickBusy as busy:
        context.log.warning(f"dispatch skipped: {busy}")
        return dg.MaterializeResult(metadata={"tick_at": clock_text(run_at), "skipped": True})
    except DispatchError as problem:
        raise dg.Failure(description=str(problem)) from None
    context.log.info(f"dispatch {summary.dispatch_id} after tick {clock_text(run_at)}: "
                     + (", ".join(f"{n} {s}" for s, n in sorted(summary.by_status.items()))
                        or "nothing to send"))
    return dg.MaterializeResult(metadata={
        "tick_at": clock_text(run_at),
        "dispatch_id": summary.dispatch_id,
        "queued": summary.queued,
        "requests": summary.requests,
        "left_queued": summary.left_queued,
        **{f"status/{k}": v for k, v in sorted(summary.by_status.items())},
        **{f"destination/{name}/{k}": v for name, counts in sorted(summary.by_destination.items())
           for k, v in sorted(counts.items())},
    })
