"""Reading project YAML files the way their authors mean them, problems instead of errors.

Builds on :class:`journeys.spec.yaml_loader.SpecLoader` (YAML 1.2 booleans, so a branch's
``yes:``/``no:`` keys stay text) and is stricter in two ways that only make specs fail, never
change what a valid spec means: a key written twice is an error (a tile copied and pasted
would otherwise silently replace the first one, and C5 says a typo is never silently
ignored), and integers are YAML 1.2's, so ``time: 9:00`` is the text ``9:00`` (which gets a
"write HH:MM" message) rather than the base-60 number 540.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml

from journeys.limits import MAX_SPEC_BYTES
from journeys.spec.yaml_loader import SpecLoader
from journeys.validation.problems import Problem, display_path

_INT = "tag:yaml.org,2002:int"


class ProjectYamlLoader(SpecLoader):
    """SpecLoader with YAML 1.2 integers and no duplicate keys."""


ProjectYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _INT]
    for first, resolvers in SpecLoader.yaml_implicit_resolvers.items()
}
ProjectYamlLoader.add_implicit_resolver(
    _INT,
    re.compile(r"^(?:[-+]?(?:0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+|0o[0-7_]+)$"),
    list("-+0123456789"),
)


def _construct_mapping(loader: ProjectYamlLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be text, not a list or mapping", key_node.start_mark
            )
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark
            )
        seen[key] = loader.construct_object(value_node, deep=True)
    return seen


ProjectYamlLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


def load_yaml_text(text: str) -> Any:
    """Parse YAML text with the project's rules (see module docstring).

    Raises:
        yaml.YAMLError: on a syntax error or a duplicate key.

    Example:
        >>> load_yaml_text("{yes: a, no: b, time: 9:00}")
        {'yes': 'a', 'no': 'b', 'time': '9:00'}
    """
    return yaml.load(text, Loader=ProjectYamlLoader)  # noqa: S506 - a SafeLoader subclass


def read_yaml(path: Path) -> tuple[Any, list[Problem]]:
    """Read one YAML file; a missing file or a syntax error is a problem naming the line."""
    shown = display_path(path)
    try:
        size = path.stat().st_size
        if size > MAX_SPEC_BYTES:
            return None, [Problem(shown, None, f"is {size:,} bytes: a project file may be at "
                                               f"most {MAX_SPEC_BYTES:,} bytes (1 MB); split "
                                               "the journey, or move data to a dbt model")]
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Problem(shown, None, "file not found")]
    except UnicodeDecodeError as err:
        return None, [Problem(shown, None, f"is not UTF-8 text (byte {err.start}): save it "
                                           "as UTF-8")]
    except OSError as err:
        return None, [Problem(shown, None, f"cannot be read ({err.strerror or err})")]
    try:
        return load_yaml_text(text), []
    except yaml.YAMLError as err:
        return None, [Problem(shown, None, _describe_yaml_error(err))]


def _describe_yaml_error(err: yaml.YAMLError) -> str:
    if isinstance(err, yaml.MarkedYAMLError):
        mark = err.problem_mark or err.context_mark
        what = err.problem or err.context or "invalid YAML"
        if mark is not None:
            where = f"line {mark.line + 1}, column {mark.column + 1}"
            if str(what).startswith("duplicate key"):
                return f"{what} at {where}: each key may appear once"
            return f"YAML syntax error at {where}: {what}"
        return f"YAML syntax error: {what}"
    return f"YAML syntax error: {err}"
