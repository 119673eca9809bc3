"""A validation problem, and the small helpers every check uses to word one.

Every check returns problems instead of raising: ``journeys validate`` lists all of them at
once (C5), so a user fixes a whole project in one pass instead of one error per run.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a project file, worded for the person who wrote the file.

    Attributes:
        file: the file, as the user would type it (relative to the cwd when under it).
        tile: the tile the problem is in, or None for the file as a whole.
        message: what is wrong, and where possible how to fix it.

    Example:
        >>> str(Problem("journey_specs/a.yml", "wait_2d", "next 'x' is not a tile"))
        "journey_specs/a.yml: tile 'wait_2d': next 'x' is not a tile"
    """

    file: str
    tile: str | None
    message: str

    def __str__(self) -> str:
        if self.tile is None:
            return f"{self.file}: {self.message}"
        return f"{self.file}: tile '{self.tile}': {self.message}"


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to the cwd when it is under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def did_you_mean(word: object, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, or an empty string.

    Example:
        >>> did_you_mean("duraton", ["duration", "next"])
        " (did you mean 'duration'?)"
    """
    if not isinstance(word, str):
        return ""
    matches = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=0.6)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


def quoted_list(items: Iterable[str]) -> str:
    """``'a', 'b', 'c'``: how lists of names appear in messages."""
    return ", ".join(f"'{item}'" for item in items)


def path_label(path: Iterable[object]) -> str:
    """``exit_criteria[2].event.name`` from a location tuple."""
    label = ""
    for part in path:
        if isinstance(part, int):
            label += f"[{part}]"
        else:
            label += f".{part}" if label else str(part)
    return label
