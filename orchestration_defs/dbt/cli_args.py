"""The dbt arguments of a tick, as a small pure function (tested on its own)."""

from __future__ import annotations

import json
from datetime import datetime


def dbt_build_args(run_at: datetime) -> list[str]:
    """`dbt build` with the tick clock as the ``run_at`` var (C6 S17: the clock is an input).

    Example:
        >>> dbt_build_args(datetime(2026, 11, 1, 9))
        ['build', '--vars', '{"run_at": "2026-11-01 09:00:00"}']
    """
    return ["build", "--vars", json.dumps({"run_at": run_at.isoformat(sep=" ")})]
