"""A due action as dispatch sees it: the row of ``due_actions`` plus what dispatch adds.

Dispatch adds the attempt it is about to make and the recipient, read from the profile as
it is at dispatch (an address changed since the tick is used; C9 re-checks consent the same
way). The payload was resolved at the tick (C6 S12).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class DueAction:
    """One action to deliver, for one attempt."""

    action_id: str
    journey_id: str
    member_id: str
    entry_seq: int
    tile_id: str
    tile_type: str
    destination: str
    action: str
    template: str | None
    payload: dict[str, Any]
    due_at: datetime
    attempt: int
    recipient: str | None = None

    @property
    def where(self) -> str:
        """Where the action comes from, for messages: never member data."""
        return f"journey '{self.journey_id}', tile '{self.tile_id}'"


class ActionRefused(ValueError):
    """This action cannot be sent as it is (a null template field, no recipient): it fails
    alone, terminally, and nothing is sent for it."""


def template_fields(action: DueAction) -> dict[str, Any]:
    """The template variables of an action tile, refusing a null or missing one.

    Nothing is ever sent with an empty ``{{first_name}}``: the spec gives a default with
    ``coalesce`` instead. Webhook bodies are JSON and may carry nulls on purpose.

    Example:
        >>> from datetime import datetime
        >>> a = DueAction("a1", "welcome", "m1", 1, "hello", "action", "sendgrid",
        ...               "send_email", "d-1", {"first_name": None}, datetime(2026, 1, 1), 1)
        >>> template_fields(a)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        reverse_etl.actions.ActionRefused: template field 'first_name' is null for this ...
    """
    if action.tile_type == "webhook":
        return action.payload
    for name, value in action.payload.items():
        if value is None:
            raise ActionRefused(
                f"template field '{name}' is null for this member ({action.where}); nothing "
                f"was sent. Give it a default in the spec: fields: {{{name}: "
                f"\"coalesce(<expression>, '<default>')\"}}")
    return action.payload


def recipient_of(action: DueAction, column: str) -> str:
    """The action's recipient (an email address, a phone number), refusing an empty one."""
    if action.recipient is None or not str(action.recipient).strip():
        raise ActionRefused(f"the member's profile has no '{column}' ({action.where}); "
                            "nothing was sent")
    return str(action.recipient).strip()
