"""Compiles validated journey specs into model plans (sqlglot trees) and dbt files."""

from __future__ import annotations

from journeys.compiler.collector import collector_paused
from journeys.compiler.governance_models import governance_models
from journeys.compiler.journey_models import JourneyCompiler
from journeys.compiler.metrics_models import metrics_models
from journeys.compiler.plan import ModelPlan, topological
from journeys.compiler.project_models import output_models, staging_models
from journeys.spec.governance import GovernanceSpec
from journeys.spec.models import JourneySpec


def compile_generations(
    specs: dict[str, JourneySpec], profile_columns: frozenset[str]
) -> dict[str, tuple[ModelPlan, ModelPlan]]:
    """Per recurring journey, the extra (admit, advance) round the in-process executor runs
    while a batch of clocks admits members again (not dbt models: a dbt run has one clock)."""
    out = {}
    with collector_paused():
        for journey_id in sorted(specs):
            extra = JourneyCompiler(specs[journey_id], specs, profile_columns).generation()
            if extra is not None:
                out[journey_id] = extra
    return out


def batchable(specs: dict[str, JourneySpec], profile_columns: frozenset[str]) -> bool:
    """Whether the in-process executor may run several clocks as one batch."""
    return all(JourneyCompiler(spec, specs, profile_columns).batchable()
               for spec in specs.values())


def compile_plans(
    specs: dict[str, JourneySpec], profile_columns: frozenset[str],
    governance: GovernanceSpec | None = None, *, metrics: bool = True,
) -> list[ModelPlan]:
    """Every model of the project, in build order (``governance``: ``_governance.yml``,
    C9; without it no governance models). ``metrics=False`` leaves out the metrics
    models (conversions, counts, the metrics views): nothing else reads them, and engine
    test suites that check steps and actions need not pay for them on every tick.

    Example:
        >>> compile_plans({}, frozenset({"member_id"}))[0].name
        'stg_timezones'
    """
    with collector_paused():
        plans = staging_models()
        for journey_id in sorted(specs):
            plans += JourneyCompiler(specs[journey_id], specs, profile_columns).build(
                metrics=metrics)
        plans += output_models(sorted(specs))
        if governance is not None:
            plans += governance_models(governance, specs)
        if metrics:
            plans += metrics_models(specs, governance)
        return topological(plans)
