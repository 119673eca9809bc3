"""The code location `workspace.yaml` loads. It only assembles: each domain defines its own."""

from __future__ import annotations

import dagster as dg

from journeys.settings import load_settings
from journeys.validation import validate_project
from orchestration_defs.dbt.assets import PROJECT, journey_models
from orchestration_defs.dbt.project import dbt_cli
from orchestration_defs.reverse_etl.assets import dispatch
from orchestration_defs.ticks.clock import TickClock
from orchestration_defs.ticks.schedules import tick_definitions

_settings = load_settings()
_specs = validate_project(None, project_root=_settings.project_root,
                          warehouse=_settings.warehouse).specs

defs = dg.Definitions.merge(
    dg.Definitions(
        assets=[journey_models, dispatch],
        resources={"dbt": dbt_cli(PROJECT), "tick_clock": TickClock()},
    ),
    tick_definitions(_specs.values()),
)
