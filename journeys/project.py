"""Validate and compile a project in one call: what every command starts with."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from journeys.compiler import batchable, compile_generations, compile_plans
from journeys.compiler.plan import ModelPlan
from journeys.compiler.render_dbt import render_files
from journeys.settings import Settings
from journeys.validation import ValidationResult, validate_project
from journeys.validation.schema import (
    DESTINATIONS_SCHEMA_FILE,
    SCHEMA_FILE,
    destinations_json_schema,
    json_schema,
    render_schema,
)


class ProjectError(Exception):
    """The specs have problems; ``problems`` lists every one of them."""

    def __init__(self, result: ValidationResult) -> None:
        super().__init__(f"{len(result.problems)} problem(s) in journey_specs/")
        self.result = result


@dataclass(frozen=True)
class CompiledProject:
    """The validated specs, their model plans and the files dbt needs."""

    validation: ValidationResult
    plans: list[ModelPlan]
    files: dict[Path, str]
    generations: dict[str, tuple[ModelPlan, ModelPlan]]
    """Per recurring journey, the extra round of a batch of clocks (in-process only)."""
    batchable: bool
    """Whether ticks may run in batches (see :mod:`journeys.tick.inprocess`)."""


def compile_project(settings: Settings, dialect: str = "duckdb") -> CompiledProject:
    """Validate every spec and compile them all; raise :class:`ProjectError` on any problem."""
    result = validate_project(None, project_root=settings.project_root,
                              warehouse=settings.warehouse)
    if not result.ok:
        raise ProjectError(result)
    plans = compile_plans(result.specs, result.profile_columns)
    files = render_files(plans, dialect)
    files[SCHEMA_FILE] = render_schema(json_schema())
    files[DESTINATIONS_SCHEMA_FILE] = render_schema(destinations_json_schema())
    return CompiledProject(
        validation=result, plans=plans, files=files,
        generations=compile_generations(result.specs, result.profile_columns),
        batchable=batchable(result.specs, result.profile_columns))
