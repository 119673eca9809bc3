"""The code location `workspace.yaml` loads. It only assembles: each domain defines its own."""

from __future__ import annotations

import dagster as dg

from orchestration_defs.dbt.assets import PROJECT, journey_models
from orchestration_defs.dbt.project import dbt_cli, journey_specs
from orchestration_defs.reverse_etl.assets import dispatch
from orchestration_defs.ticks.clock import TickClock
from orchestration_defs.ticks.schedules import tick_definitions

defs = dg.Definitions.merge(
    dg.Definitions(
        assets=[journey_models, dispatch],
        resources={"dbt": dbt_cli(PROJECT), "tick_clock": TickClock()},
    ),
    tick_definitions(journey_specs().values()),
)
