"""The spec language of CONTRACT C4: frozen pydantic models and their loaders."""

from __future__ import annotations

from journeys.spec.durations import Duration, parse_duration
from journeys.spec.models import (
    ActionTile,
    BranchTile,
    EntryTile,
    ExitTile,
    JourneySpec,
    SplitTile,
    SubJourneyTile,
    Tile,
    UpdateProfileTile,
    WaitTile,
    WebhookTile,
)

__all__ = [
    "ActionTile",
    "BranchTile",
    "Duration",
    "EntryTile",
    "ExitTile",
    "JourneySpec",
    "SplitTile",
    "SubJourneyTile",
    "Tile",
    "UpdateProfileTile",
    "WaitTile",
    "WebhookTile",
    "parse_duration",
]
