"""Synthetic warehouses whose journeys are live: a new journey is a draft (S18), so a test
that ticks the committed specs activates them first, as a user would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from journeys.demo.synthetic import generate_warehouse
from journeys.lifecycle import activate_drafts
from journeys.settings import Settings
from journeys.spec.models import JourneySpec
from journeys.spec.yaml_loader import load_yaml
from tests.journeys.engine_harness import CHANGED_AT

REPO = Path(__file__).resolve().parents[1]


def activate_all(warehouse: Path, project_root: Path = REPO) -> None:
    """`journeys activate` for every journey of the project (already valid)."""
    specs = {p.stem: JourneySpec.model_validate(load_yaml(p.read_text()))
             for p in sorted((project_root / "journey_specs").glob("*.yml"))
             if not p.stem.startswith("_")}
    activate_drafts(Settings(project_root=project_root, warehouse=warehouse), specs, "tests",
                    CHANGED_AT)


def live_warehouse(path: Path, project_root: Path = REPO, **kwargs: Any) -> dict[str, int]:
    """A synthetic warehouse (:func:`generate_warehouse`) with every journey active."""
    counts = generate_warehouse(path, **kwargs)
    activate_all(path, project_root)
    return counts
