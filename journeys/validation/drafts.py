"""One spec file on its way through validation: raw YAML, shape problems, typed parts.

A spec with one bad tile does not validate as a whole, but its other tiles, its entry and
its goal may be fine, and their problems (an unknown column, a misspelled destination) should
be reported in the same run (C5: every problem at once). So besides the whole
:class:`JourneySpec`, a draft keeps each part that validates on its own, and the later checks
work on those parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from journeys.limits import MAX_TILES, text_problems, too_long_id, without_surrogates
from journeys.spec.models import ID_PATTERN, Entry, ExitCriterion, Goal, JourneySpec, Tile
from journeys.validation.problems import Problem, display_path, path_label
from journeys.validation.pydantic_errors import FieldError, translate
from journeys.validation.yaml_loader import read_yaml

_TILE = TypeAdapter(Tile)
_DEAD_ENDS = {f"missing key '{key}'" for key in ("next", "yes", "no", "paths")}
_CRITERION = TypeAdapter(ExitCriterion)


@dataclass
class SpecDraft:
    """What validation knows about one spec file.

    Attributes:
        path: the file.
        shown: the file as messages name it.
        journey_id: the id other journeys refer to it by (the file name).
        raw: the parsed YAML mapping (empty when unreadable).
        spec: the whole spec, when it has the right shape.
        tiles: each tile that has the right shape on its own, by id.
        entry, goal, exit_criteria: the same for the journey-level parts.
        problems: everything found so far.
    """

    path: Path
    shown: str
    journey_id: str
    raw: dict[str, Any] = field(default_factory=dict)
    spec: JourneySpec | None = None
    tiles: dict[str, Any] = field(default_factory=dict)
    entry: Entry | None = None
    goal: Goal | None = None
    exit_criteria: list[ExitCriterion] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def raw_tiles(self) -> dict[Any, Any]:
        """The ``tiles`` mapping as written (empty when it is not a mapping)."""
        tiles = self.raw.get("tiles")
        return tiles if isinstance(tiles, dict) else {}

    def problem(self, message: str, tile: str | None = None) -> None:
        """Record a problem in this file."""
        self.problems.append(Problem(self.shown, tile, message))


def load_draft(path: Path) -> SpecDraft:
    """Read a spec file and check its shape; never raises for a user mistake."""
    draft = SpecDraft(path=path, shown=display_path(path), journey_id=path.stem)
    data, problems = read_yaml(path)
    draft.problems.extend(problems)
    if problems:
        return draft
    if not isinstance(data, dict):
        what = "is empty" if data is None else f"must be a mapping, not {type(data).__name__}"
        draft.problem(f"{what}: a journey spec has id, name, entry and tiles")
        return draft
    before = len(draft.problems)
    if not _within_limits(draft, data):
        return draft  # too big to check further: the other checks walk every tile
    if len(draft.problems) > before:
        data = without_surrogates(data)  # named once; the later checks see U+FFFD
    draft.raw = data
    _check_file_name(draft)
    try:
        draft.spec = JourneySpec.model_validate(data)
    except ValidationError as err:
        for error in translate(err, JourneySpec, data):
            _record(draft, error)
        _validate_parts(draft)
    else:
        spec = draft.spec
        draft.tiles, draft.entry, draft.goal = dict(spec.tiles), spec.entry, spec.goal
        draft.exit_criteria = list(spec.exit_criteria)
    return draft


def _within_limits(draft: SpecDraft, data: dict[Any, Any]) -> bool:
    """Record what breaks :mod:`journeys.limits`; False when the spec is too big to check
    further (more tiles than allowed), True when the other checks may run."""
    for where, message in text_problems(data):
        if len(where) >= 2 and where[0] == "tiles":
            draft.problem(f"{path_label(where[2:]) or 'tile id'}: {message}", str(where[1])[:40])
        else:
            draft.problem(f"{path_label(where)}: {message}")
    tiles = data.get("tiles")
    if isinstance(tiles, dict) and len(tiles) > MAX_TILES:
        draft.problem(f"tiles: {len(tiles):,} tiles: a journey may have at most {MAX_TILES}; "
                      "split it into journeys joined by sub_journey tiles")
        return False
    for tile_id in tiles if isinstance(tiles, dict) else ():
        message = too_long_id(tile_id, f"tile id '{tile_id[:20]}…'") \
            if isinstance(tile_id, str) else None
        if message is not None:
            draft.problem(message)
    return True


def _check_file_name(draft: SpecDraft) -> None:
    stem = draft.path.stem
    too_long = too_long_id(stem, "the file name (the journey id)")
    if too_long is not None:
        draft.problem(too_long)
        return
    if not re.match(ID_PATTERN, stem):
        draft.problem(
            f"file name '{stem}' is not a journey id: name the file with lowercase letters, "
            "digits and '_', starting with a letter (e.g. welcome_series.yml)"
        )
    journey_id = draft.raw.get("id")
    if isinstance(journey_id, str) and journey_id != stem:
        draft.problem(
            f"id '{journey_id}' does not match the file name: the file must be named "
            f"{journey_id}.yml, or the id must be '{stem}'"
        )


def _record(draft: SpecDraft, error: FieldError) -> None:
    """Turn a translated error into a problem, naming the tile when it is inside one."""
    where = error.where
    if len(where) >= 2 and where[0] == "tiles":
        label = path_label(where[2:])
        tile = str(where[1])
    else:
        label, tile = path_label(where), None
    message = error.message
    if tile is not None and message in _DEAD_ENDS:
        message += ": a dead end; every path must end in an exit tile"
    draft.problem(f"{label}: {message}" if label else message, tile)


def _validate_parts(draft: SpecDraft) -> None:
    """Keep every part of an invalid spec that is valid on its own, for the later checks."""
    for tile_id, raw_tile in draft.raw_tiles.items():
        try:
            draft.tiles[str(tile_id)] = _TILE.validate_python(raw_tile)
        except ValidationError:
            pass
    try:
        draft.entry = Entry.model_validate(draft.raw.get("entry"))
    except ValidationError:
        pass
    if draft.raw.get("goal") is not None:
        try:
            draft.goal = Goal.model_validate(draft.raw.get("goal"))
        except ValidationError:
            pass
    criteria = draft.raw.get("exit_criteria")
    for item in criteria if isinstance(criteria, list) else []:
        try:
            draft.exit_criteria.append(_CRITERION.validate_python(item))
        except ValidationError:
            pass
