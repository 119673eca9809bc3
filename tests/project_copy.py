"""A copy of the repository's project files (specs and dbt project) that a test may break."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FAILING_MODEL = """{{ config(materialized='table') }}
-- fails after the welcome series' open entries were rebuilt: half a tick is written
select error('injected failure') as boom from {{ ref('welcome_series__open') }}
"""
"""An audience model that fails in the middle of a tick (in every tick job's selection)."""


def copy_project(root: Path, *files: str) -> Path:
    """``journey_specs/`` and ``dbt_project/`` (without dbt's output) under ``root``, plus
    any other repository ``files`` named."""
    shutil.copytree(REPO / "journey_specs", root / "journey_specs")
    shutil.copytree(REPO / "dbt_project", root / "dbt_project",
                    ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    for name in files:
        shutil.copy(REPO / name, root / name)
    return root
