"""A local JSON-lines file instead of a provider: the demo's destination, and a way to look
at what a journey sends before pointing it at a real one.

Each action appends one line: the message it would make (idempotency key, recipient when a
``recipient_column`` is set, template, fields or body). Lines are flushed and fsynced before
the action is logged as sent, so a line in the file is never missing from the log's view
of what went out, except after a crash between the two (the case at-most-once records
``unknown``). Read it with ``jq`` or ``polars.read_ndjson``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO, Any

import httpx

from reverse_etl.actions import DueAction, recipient_of, template_fields
from reverse_etl.destinations.base import Destination, OutgoingRequest
from reverse_etl.outcomes import Outcome, Verdict


class Outbox(Destination):
    type_name = "outbox"

    def __init__(self, name: str, config: Any, root: Path) -> None:
        super().__init__(name, config)
        path = Path(config.resolved_path(name))
        self.path = path if path.is_absolute() else root / path
        self._file: IO[str] | None = None

    def content_of(self, action: DueAction) -> dict[str, Any]:
        line: dict[str, Any] = {
            "idempotency_key": action.action_id, "destination": self.name,
            "journey_id": action.journey_id, "member_id": action.member_id,
            "entry_seq": action.entry_seq, "tile_id": action.tile_id, "action": action.action,
            "template": action.template, "due_at": action.due_at.isoformat(sep=" ")}
        if self.config.recipient_column:
            line["to"] = recipient_of(action, self.config.recipient_column)
        key = "body" if action.tile_type == "webhook" else "fields"
        line[key] = template_fields(action)
        return line

    def build(self, accepted: list[tuple[DueAction, Any]]) -> list[OutgoingRequest]:
        return [OutgoingRequest((action.action_id,), "APPEND", str(self.path),
                                {"Content-Type": "application/json"},
                                json.dumps(line, sort_keys=True, default=str).encode())
                for action, line in accepted]

    async def send(self, client: httpx.AsyncClient, request: OutgoingRequest) -> Outcome:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8")
        self._file.write(request.content.decode() + "\n")
        return Outcome(Verdict.SENT)

    def flush(self) -> None:
        """Make the round's lines durable before the round is logged."""
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())

    def close(self) -> None:
        if self._file is not None:
            self.flush()
            self._file.close()
            self._file = None
