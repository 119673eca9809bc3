"""Validation of a journey project (CONTRACT C5): every problem, named by file and tile.

The public API is :func:`validate_project`; the CLI prints its problems and the compiler
compiles its specs. The checks are split by kind: shape (:mod:`.drafts`, with pydantic errors
worded in :mod:`.pydantic_errors`), graph (:mod:`.structure`), journey-level rules
(:mod:`.journey_rules`), configuration (:mod:`.configuration`) and expressions
(:mod:`.expressions`), against the profile columns of :mod:`.catalog`.
"""

from __future__ import annotations

from journeys.validation.catalog import ProfileCatalog, profile_catalog
from journeys.validation.destinations_file import load_destinations
from journeys.validation.problems import Problem
from journeys.validation.project import ValidationResult, validate_project
from journeys.validation.schema import (
    destinations_json_schema,
    json_schema,
    write_destinations_json_schema,
    write_json_schema,
)

__all__ = [
    "Problem",
    "ProfileCatalog",
    "ValidationResult",
    "destinations_json_schema",
    "json_schema",
    "load_destinations",
    "profile_catalog",
    "validate_project",
    "write_destinations_json_schema",
    "write_json_schema",
]
