"""JSON Schemas of the spec files, for editors (completion and squiggles while typing).

``journey_specs/_schema.json`` is generated from :class:`JourneySpec` and committed; a test
regenerates it in memory and fails when the committed file is stale. Point an editor at it
with a first line ``# yaml-language-server: $schema=_schema.json`` in a spec.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from journeys.spec.destinations import DestinationConfig
from journeys.spec.models import JourneySpec

SCHEMA_FILE = Path("journey_specs/_schema.json")
DESTINATIONS_SCHEMA_FILE = Path("journey_specs/_destinations.schema.json")
_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a journey spec file (``journey_specs/<id>.yml``)."""
    schema = JourneySpec.model_json_schema(by_alias=True)
    schema["$schema"] = _DIALECT
    schema["title"] = "Journey spec"
    return schema


def destinations_json_schema() -> dict[str, Any]:
    """The JSON Schema of ``journey_specs/_destinations.yml``: name -> destination."""
    schema = TypeAdapter(dict[str, DestinationConfig]).json_schema(by_alias=True)
    schema["$schema"] = _DIALECT
    schema["title"] = "Journey destinations"
    return schema


def render_schema(schema: dict[str, Any]) -> str:
    """Deterministic text of a schema: sorted keys, 2-space indent, trailing newline.

    Example:
        >>> render_schema({"b": 1, "a": [True]})
        '{\\n  "a": [\\n    true\\n  ],\\n  "b": 1\\n}\\n'
    """
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_json_schema(path: Path) -> None:
    """Write the journey spec schema to ``path`` (the project's is :data:`SCHEMA_FILE`)."""
    path.write_text(render_schema(json_schema()), encoding="utf-8")


def write_destinations_json_schema(path: Path) -> None:
    """Write the destinations schema to ``path`` (see :data:`DESTINATIONS_SCHEMA_FILE`)."""
    path.write_text(render_schema(destinations_json_schema()), encoding="utf-8")
