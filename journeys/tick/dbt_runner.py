"""A tick through dbt: `dbt build` of the compiled project with the clock as a var.

This is the production path (Dagster runs the same models through dagster-dbt). dbt is
invoked in-process through its programmatic runner; the warehouse path reaches
``profiles.yml`` through ``JOURNEYS_WAREHOUSE`` (``env_var``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from journeys.settings import WAREHOUSE_ENV, Settings


class DbtTickError(RuntimeError):
    """dbt failed; the message names the failing nodes."""


@dataclass(frozen=True)
class DbtResult:
    elapsed_ms: int
    nodes: int


def dbt_args(settings: Settings, command: str, run_at: datetime | None,
             extra: tuple[str, ...] = ()) -> list[str]:
    """The dbt CLI arguments for a command on this project (a small pure function)."""
    args = [command, "--project-dir", str(settings.dbt_dir), "--profiles-dir",
            str(settings.dbt_dir)]
    if run_at is not None:
        args += ["--vars", json.dumps({"run_at": run_at.isoformat(sep=" ")})]
    return [*args, *extra]


def run_dbt(settings: Settings, command: str, run_at: datetime | None = None,
            extra: tuple[str, ...] = ()) -> DbtResult:
    """Invoke dbt in-process; raise :class:`DbtTickError` with the failing nodes."""
    from dbt.cli.main import dbtRunner

    os.environ[WAREHOUSE_ENV] = str(settings.warehouse)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    log_dir = Path(settings.dbt_dir / "logs")
    args = ["--quiet", "--log-path", str(log_dir), *dbt_args(settings, command, run_at, extra)]
    outcome = dbtRunner().invoke(args)
    if not outcome.success:
        failed = []
        results = getattr(outcome.result, "results", None) or []
        for node in results:
            if str(getattr(node, "status", "")).lower() in ("error", "fail"):
                failed.append(f"{node.node.name}: {(node.message or '').strip()[:500]}")
        reason = "; ".join(failed) or str(outcome.exception or "see dbt_project/logs/dbt.log")
        raise DbtTickError(f"dbt {command} failed: {reason}")
    results = getattr(outcome.result, "results", None) or []
    elapsed = sum(getattr(r, "execution_time", 0.0) or 0.0 for r in results)
    return DbtResult(elapsed_ms=int(elapsed * 1000), nodes=len(results))
