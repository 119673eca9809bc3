"""Specs and made-up readouts for the render tests: the demo journeys, plus one journey with
every kind of tile (the demo has no split) and spec text that needs escaping."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path

from journeys.metrics.readout import ArmReadout, JourneyMetrics, JourneyReadout, TileStats
from journeys.spec.models import JourneySpec, edges
from journeys.validation import validate_project

ROOT = Path(__file__).resolve().parents[3]
SENDING = ("action", "webhook")

EVERY_TILE = {
    "id": "every_tile",
    "name": "Every <tile> & more",
    "description": "A journey with one of each tile; its text needs escaping: a < b & c > d.",
    "entry": {"event": {"name": "signed_up", "where": "n < 3 & m > 1"},
              "frequency": "recurring", "cooldown": "7d"},
    "tiles": {
        "start": {"type": "entry", "next": "ab"},
        "ab": {"type": "split", "paths": {"control": {"percent": 50, "next": "wait_open"},
                                          "variant_b": {"percent": 50, "next": "tag"}}},
        "wait_open": {"type": "wait", "until_event": {"name": "opened"}, "timeout": "2d",
                      "next": "is_vip", "on_timeout": "lost"},
        "is_vip": {"type": "branch", "condition": "ltv > 100 and ltv < 1000",
                   "yes": "ping", "no": "sub"},
        "ping": {"type": "webhook", "destination": "hooks", "next": "done"},
        "tag": {"type": "update_profile", "set": {"segment": "'b'"}, "next": "at_nine"},
        "at_nine": {"type": "wait", "until": {"weekdays": ["mon", "fri"], "time": "09:00"},
                    "next": "in_hours"},
        "in_hours": {"type": "branch", "time": {"between": "09:00-17:00"},
                     "yes": "sms", "no": "done"},
        "sms": {"type": "action", "destination": "twilio", "action": "send_sms",
                "template": "sms-<hi>&bye", "next": "done"},
        "sub": {"type": "sub_journey", "journey": "welcome_series", "next": "done"},
        "lost": {"type": "exit"},
        "done": {"type": "exit"},
    },
}

# Several edges out of one side of a box, two of them to the same tile, a long path name.
CROWDED = {
    "id": "crowded",
    "name": "Crowded",
    "entry": {"manual": True},
    "tiles": {
        "start": {"type": "entry", "next": "four"},
        "four": {"type": "split", "paths": {
            "a_very_long_path_name_indeed": {"percent": 25, "next": "x"},
            "b": {"percent": 25, "next": "x"},
            "c": {"percent": 25, "next": "y"},
            "d": {"percent": 25, "next": "done"},
        }},
        "x": {"type": "branch", "condition": "a > 1", "yes": "done", "no": "done"},
        "y": {"type": "wait", "duration": "1d", "next": "done"},
        "done": {"type": "exit"},
    },
}


@cache
def demo_specs() -> dict[str, JourneySpec]:
    """The journeys of ``journey_specs/``, validated as the CLI loads them."""
    result = validate_project(None, project_root=ROOT, warehouse=None)
    assert result.ok, result.problems
    return dict(sorted(result.specs.items()))


def every_tile_spec() -> JourneySpec:
    return JourneySpec.model_validate(EVERY_TILE)


def all_specs() -> dict[str, JourneySpec]:
    """The demo journeys and the two made-up ones."""
    made_up = {"every_tile": every_tile_spec(), "crowded": JourneySpec.model_validate(CROWDED)}
    return {**demo_specs(), **made_up}


def made_up_readout(spec: JourneySpec) -> JourneyReadout:
    """Distinct, non-zero counts derived from each tile's index (exit tiles hold nobody and
    pass nobody on, as in a real readout)."""
    tiles = []
    for i, (tile_id, tile) in enumerate(spec.tiles.items(), start=1):
        outs = edges(tile)
        is_exit, sends = tile.type == "exit", tile.type in SENDING
        tiles.append(TileStats(
            tile_id=tile_id,
            tile_type=tile.type,
            reached=1000 * i + 5,
            active=0 if is_exit else 10 * i + 1,
            passed_through=0 if is_exit else 100 * i + 2,
            exited_here=5 * i + 4,
            paths={label: 90 * i + 37 * k + 3 for k, (label, _) in enumerate(outs)}
            if len(outs) > 1 else {},
            actions_due=60 * i + 7 if sends else 0,
            sent=50 * i + 6 if sends else 0,
            delivery_errors=i + 8 if sends else 0,
            gave_up=i + 20 if sends else 0,
        ))
    arms = ()
    if spec.id == "every_tile":
        arms = (
            ArmReadout("ab", "control", True, 1200, 300, 0.25, "control"),
            ArmReadout("ab", "variant_b", False, 1180, 354, 0.3, "control", 0.05, 0.014, 0.086),
            ArmReadout("_holdout", "messaged", True, 2300, 620, 0.2696, "messaged"),
            ArmReadout("_holdout", "holdout", False, 120, 30, 0.25, "messaged",
                       -0.0196, -0.1, 0.061),
        )
    return JourneyReadout(
        journey_id=spec.id,
        name=spec.name,
        metrics=JourneyMetrics(
            journey_id=spec.id, entered=12345, active=678, completed=9012, exited_early=2655,
            converted=4321, conversion_rate=0.35, avg_duration_s=3 * 86400 + 5 * 3600,
            last_tick_at=datetime(2025, 3, 1, 13, 0),
        ),
        tiles=tuple(tiles),
        arms=arms,
    )
