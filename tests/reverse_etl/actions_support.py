"""Due actions and destination configs for the reverse-ETL tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import TypeAdapter

from journeys.spec.destinations import DestinationConfig
from reverse_etl.actions import DueAction

_CONFIG = TypeAdapter(DestinationConfig)


def config(**raw: Any) -> Any:
    """A destination config as `_destinations.yml` would give it."""
    return _CONFIG.validate_python(raw)


def action(n: int = 1, *, destination: str = "email", kind: str = "send_email",
           template: str | None = "d-welcome", payload: dict[str, Any] | None = None,
           recipient: str | None = "ada@example.com", tile_type: str = "action",
           attempt: int = 1) -> DueAction:
    return DueAction(
        action_id=f"a{n:04d}", journey_id="welcome_series", member_id=f"m{n:04d}",
        entry_seq=1, tile_id="welcome_email", tile_type=tile_type, destination=destination,
        action=kind, template=template,
        payload={"first_name": "Ada"} if payload is None else payload,
        due_at=datetime(2026, 3, 1, 9), attempt=attempt, recipient=recipient)
