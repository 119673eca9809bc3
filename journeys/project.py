"""Validate and compile a project in one call: what every command starts with."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml

from journeys.compiler import batchable, compile_generations, compile_plans, fingerprint
from journeys.compiler.collector import collector_paused
from journeys.compiler.dialect import TARGET_DIALECTS
from journeys.compiler.plan import ModelPlan
from journeys.compiler.render_dbt import render_files, write_files
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
    dialect: str
    generations: dict[str, tuple[ModelPlan, ModelPlan]]
    """Per recurring journey, the extra round of a batch of clocks (in-process only)."""
    batchable: bool
    """Whether ticks may run in batches (see :mod:`journeys.tick.inprocess`)."""

    @cached_property
    def files(self) -> dict[Path, str]:
        """The dbt files of the plans, rendered when asked for: an in-process tick runs the
        plans themselves and does not pay for rendering them (about 2 s of `journeys run
        --engine inprocess`)."""
        return _files(self.plans, self.dialect)


def validated_project(settings: Settings) -> ValidationResult:
    """Every spec validated with the project's files and the warehouse's columns, without
    compiling: what commands that only read (`status`, `render`) need; raises
    :class:`ProjectError` on any problem."""
    result = validate_project(None, project_root=settings.project_root,
                              warehouse=settings.warehouse)
    if not result.ok:
        raise ProjectError(result)
    return result


def _files(plans: list[ModelPlan], dialect: str) -> dict[Path, str]:
    with collector_paused():
        files = render_files(plans, dialect)
    files[SCHEMA_FILE] = render_schema(json_schema())
    files[DESTINATIONS_SCHEMA_FILE] = render_schema(destinations_json_schema())
    return files


class TargetError(ValueError):
    """The dbt target is not in profiles.yml or its adapter has no dialect here."""


def target_output(settings: Settings) -> dict:
    """The selected target's block of dbt_project/profiles.yml, as written (``env_var``
    calls unrendered)."""
    profiles = yaml.safe_load((settings.dbt_dir / "profiles.yml").read_text(encoding="utf-8"))
    outputs = (profiles or {}).get("journeys", {}).get("outputs", {})
    if settings.target not in outputs:
        raise TargetError(
            f"JOURNEYS_DBT_TARGET={settings.target}: no such target in "
            f"dbt_project/profiles.yml (targets: {', '.join(sorted(outputs))})")
    return outputs[settings.target]


def target_dialect(settings: Settings) -> str:
    """The SQL dialect of the selected dbt target (its ``type`` in profiles.yml).

    Example:
        >>> from pathlib import Path
        >>> target_dialect(Settings(Path("."), Path("w.duckdb"), target="duckdb"))
        'duckdb'
    """
    if settings.target == "duckdb":
        return "duckdb"
    kind = str(target_output(settings).get("type", ""))
    if kind not in TARGET_DIALECTS:
        raise TargetError(
            f"dbt target '{settings.target}' has type '{kind}': the compiler writes SQL for "
            f"{', '.join(sorted(TARGET_DIALECTS))}")
    return TARGET_DIALECTS[kind]


def prepare_dbt_project(settings: Settings, dialect: str | None = None) -> ValidationResult:
    """Make the generated dbt files match the specs before dbt parses the project.

    What every dbt invocation starts with (``journeys run``, Dagster's project preparer).
    Compiles only when the specs, the profile columns or the compiler changed since the
    last compile, or a generated file was touched (:mod:`journeys.compiler.fingerprint`).
    """
    result = validated_project(settings)
    dialect = dialect or target_dialect(settings)
    key = fingerprint.inputs_key(result.specs, result.profile_columns, dialect,
                                 result.governance)
    if not fingerprint.is_fresh(settings.project_root, key):
        files = _files(compile_plans(result.specs, result.profile_columns,
                                     result.governance), dialect)
        write_files(settings.project_root, files)
        fingerprint.record(settings.project_root, key, files)
    return result


def compile_project(settings: Settings, dialect: str | None = None) -> CompiledProject:
    """Validate every spec and compile them all for ``dialect`` (default: the dbt target's);
    raise :class:`ProjectError` on any problem."""
    result = validated_project(settings)
    dialect = dialect or target_dialect(settings)
    plans = compile_plans(result.specs, result.profile_columns, result.governance)
    return CompiledProject(
        validation=result, plans=plans, dialect=dialect,
        generations=compile_generations(result.specs, result.profile_columns),
        batchable=batchable(result.specs, result.profile_columns))
