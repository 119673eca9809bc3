"""Reading ``journey_specs/_destinations.yml`` (C8) into typed destination configs.

Each destination is validated on its own, so one broken entry does not hide the others (and
does not make every tile that uses a good one fail too). Only the shape is checked: secrets
are environment variable *names*, resolved at dispatch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from journeys.spec.destinations import DestinationConfig
from journeys.validation.problems import Problem, display_path, path_label
from journeys.validation.pydantic_errors import translate
from journeys.validation.yaml_loader import read_yaml

DESTINATIONS_FILE = Path("journey_specs/_destinations.yml")

_DESTINATION = TypeAdapter(DestinationConfig)


@dataclass(frozen=True)
class DestinationsFile:
    """What ``_destinations.yml`` holds.

    Attributes:
        shown: the file as messages name it.
        exists: whether the file exists.
        configs: the valid destinations, by name.
        names: every destination name written, valid or not (so a tile using a broken one
            is not also told that it does not exist).
        problems: what is wrong in the file.
    """

    shown: str
    exists: bool
    configs: dict[str, DestinationConfig] = field(default_factory=dict)
    names: frozenset[str] = frozenset()
    problems: list[Problem] = field(default_factory=list)


def read_destinations(path: Path) -> DestinationsFile:
    """Read and check a destinations file; a missing file means no destinations."""
    shown = display_path(path)
    if not path.is_file():
        return DestinationsFile(shown, exists=False)
    data, problems = read_yaml(path)
    if problems:
        return DestinationsFile(shown, True, problems=problems)
    if data is None:
        return DestinationsFile(shown, True)
    if not isinstance(data, dict):
        return DestinationsFile(shown, True, problems=[Problem(
            shown, None, "must be a mapping of destination name to its settings"
        )])
    configs: dict[str, DestinationConfig] = {}
    problems = []
    for name, raw in data.items():
        try:
            configs[str(name)] = _DESTINATION.validate_python(raw)
        except ValidationError as err:
            for error in translate(err, DestinationConfig, raw):
                label = path_label(error.where)
                text = f"{label}: {error.message}" if label else error.message
                problems.append(Problem(shown, None, f"destination '{name}': {text}"))
    return DestinationsFile(shown, True, configs, frozenset(map(str, data)), problems)


def load_destinations(path: Path) -> tuple[dict[str, DestinationConfig], list[Problem]]:
    """The valid destinations of a ``_destinations.yml`` file, and its problems.

    A missing file gives no destinations and no problem: a project without actions needs
    none, and a tile that names one is told where to configure it.

    Example:
        >>> load_destinations(Path("/nonexistent/_destinations.yml"))
        ({}, [])
    """
    read = read_destinations(path)
    return read.configs, read.problems
