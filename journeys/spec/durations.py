"""Durations as written in specs (``30m``, ``1h``, ``3d``, ``2w``).

Kept as their written text in the models (so specs round-trip and JSON Schema shows the
pattern) and turned into a (count, unit) pair only where SQL or Python needs it.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import StringConstraints

DURATION_PATTERN = r"^[1-9][0-9]{0,5}[mhdw]$"
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}

Duration = Annotated[str, StringConstraints(pattern=DURATION_PATTERN)]
"""A positive whole number followed by m (minutes), h (hours), d (days) or w (weeks)."""


def parse_duration(text: str) -> timedelta:
    """Turn ``3d`` into ``timedelta(days=3)``.

    Example:
        >>> parse_duration("90m")
        datetime.timedelta(seconds=5400)
    """
    if not re.match(DURATION_PATTERN, text or ""):
        raise ValueError(
            f"'{text}' is not a duration: write a whole number and a unit, e.g. 30m, 1h, 3d, 2w"
        )
    return timedelta(seconds=int(text[:-1]) * _UNIT_SECONDS[text[-1]])


def duration_seconds(text: str) -> int:
    """Whole seconds of a duration: the unit in which SQL intervals are emitted."""
    return int(parse_duration(text).total_seconds())
