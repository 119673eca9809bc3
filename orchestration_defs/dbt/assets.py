"""The journey models as one dbt multi-asset: a tick is `dbt build` of the selection.

The tick runs inside :func:`journeys.tick.guarded.guarded_tick`: one tick at a time per
warehouse (a tick that finds another one running waits, then is skipped and says why), and
all or nothing (a failed model or a failed blocking check rolls the tick back, so the
dispatch of that tick never runs on half a tick).
"""

# No `from __future__ import annotations`: Dagster reads the context and resource types.


import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, dbt_assets

from journeys.settings import load_settings
from journeys.tick.guarded import guarded_tick
from journeys.tick.runner import refuse_stranding_edits
from journeys.warehouse.connect import connect
from journeys.warehouse.lease import TickBusy
from orchestration_defs.dbt.cli_args import dbt_build_args
from orchestration_defs.dbt.journey_metadata import with_journey_metadata
from orchestration_defs.dbt.project import journey_specs, journeys_dbt_project
from orchestration_defs.dbt.translator import JourneysTranslator
from orchestration_defs.ticks.clock import TickClock, clock_text

PROJECT = journeys_dbt_project()


def journeys_in(keys: set[dg.AssetKey]) -> list[str]:
    """The journeys whose models are among ``keys`` (model names are ``<journey>__<part>``).

    Example:
        >>> journeys_in({dg.AssetKey("welcome__open"), dg.AssetKey("due_actions")})
        ['welcome']
    """
    return sorted({k.path[-1].split("__")[0] for k in keys if "__" in k.path[-1]})


@dbt_assets(manifest=PROJECT.manifest_path, project=PROJECT,
            dagster_dbt_translator=JourneysTranslator(), name="journey_models")
def journey_models(context: AssetExecutionContext, dbt: DbtCliResource,
                   tick_clock: TickClock):
    settings = load_settings()
    run_at = tick_clock.resolve(context)
    journeys = journeys_in(set(context.selected_asset_keys))
    holder = f"dagster run {context.run.run_id[:8]}"
    context.log.info(f"tick {clock_text(run_at)} of {', '.join(journeys) or 'no journey'}")
    try:
        with guarded_tick(settings.warehouse, run_at, journeys, holder,
                          wait_s=tick_clock.wait_seconds, log=context.log.info) as due:
            if not due:
                context.log.info("every selected journey already ticked at or after "
                                 f"{clock_text(run_at)}: nothing changes (S1)")
            if settings.target == "duckdb":  # a live journey edited so as to strand members
                con = connect(settings.warehouse)
                try:
                    refuse_stranding_edits(con, journey_specs())
                finally:
                    con.close()
            events = dbt.cli(dbt_build_args(run_at), context=context,
                             target_path=PROJECT.target_path).stream()
            yield from with_journey_metadata(events, settings.warehouse, settings.project_root,
                                             journey_specs(), context.log.info)
    except TickBusy as busy:
        context.log.warning(f"tick skipped: {busy}")
