"""Compiles validated journey specs into model plans (sqlglot trees) and dbt files."""

from __future__ import annotations

from journeys.compiler.journey_models import JourneyCompiler
from journeys.compiler.plan import ModelPlan, topological
from journeys.compiler.project_models import output_models, staging_models
from journeys.spec.models import JourneySpec


def compile_plans(
    specs: dict[str, JourneySpec], profile_columns: frozenset[str]
) -> list[ModelPlan]:
    """Every model of the project, in build order.

    Example:
        >>> compile_plans({}, frozenset({"member_id"}))[0].name
        'stg_timezones'
    """
    plans = staging_models()
    for journey_id in sorted(specs):
        plans += JourneyCompiler(specs[journey_id], specs, profile_columns).build()
    plans += output_models(sorted(specs))
    return topological(plans)
