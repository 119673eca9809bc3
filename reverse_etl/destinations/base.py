"""What every destination does: turn due actions into requests, and responses into outcomes.

A destination is built from its config and the secrets it needs, already read from the
environment (:mod:`reverse_etl.destinations.registry`), so building one never reads the
environment and a unit test can pass anything. Requests are built right before they are
sent: a webhook signature carries the time of the attempt.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx

from reverse_etl.actions import ActionRefused, DueAction
from reverse_etl.outcomes import Outcome, from_exception, from_response

USER_AGENT = "journeys-reverse-etl/0.1"
PROVIDER_TEXT = 10_000
"""How much of a provider's error message is kept until it is redacted. Cutting it to the
log's length only after redaction (:data:`reverse_etl.dispatch.ERROR_LENGTH`) means a cut
never leaves half a secret that the redactor would no longer recognise."""


@dataclass(frozen=True)
class OutgoingRequest:
    """One HTTP request carrying one or more actions (SendGrid and Braze batch them)."""

    action_ids: tuple[str, ...]
    method: str
    url: str
    headers: dict[str, str]
    content: bytes
    secret_headers: frozenset[str] = frozenset()

    def shown(self) -> dict[str, Any]:
        """The request as a dry run writes it: exact body, secret headers masked."""
        headers = {k: ("<redacted>" if k.lower() in self.secret_headers else v)
                   for k, v in self.headers.items()}
        kind = self.headers.get("Content-Type", "")
        body: Any
        if kind.startswith("application/json"):
            body = json.loads(self.content)
        elif kind.startswith("application/x-www-form-urlencoded"):
            body = dict(parse_qsl(self.content.decode()))
        else:
            body = self.content.decode()
        return {"action_ids": list(self.action_ids), "method": self.method, "url": self.url,
                "headers": headers, "body": body}


@dataclass
class Prepared:
    """A batch of actions made into requests, and the actions refused on the way."""

    requests: list[OutgoingRequest] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)


def json_body(body: Any) -> bytes:
    """Compact, key-sorted JSON: the same action gives the same bytes on every attempt."""
    return json.dumps(body, separators=(",", ":"), sort_keys=True, default=str).encode()


def chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class Destination:
    """Base of the destinations: subclasses build requests and read provider errors."""

    type_name = "destination"
    max_batch = 1

    def __init__(self, name: str, config: Any) -> None:
        self.name = name
        self.config = config

    def prepare(self, actions: list[DueAction]) -> Prepared:
        """Requests for ``actions``; refuse (without sending) the ones that cannot go."""
        prepared = Prepared()
        accepted: list[tuple[DueAction, Any]] = []
        for action in actions:
            try:
                accepted.append((action, self.content_of(action)))
            except ActionRefused as refusal:
                prepared.refused[action.action_id] = str(refusal)
        prepared.requests = self.build(accepted)
        return prepared

    def content_of(self, action: DueAction) -> Any:
        """What the request needs from one action; raise ActionRefused when it cannot go."""
        raise NotImplementedError

    def build(self, accepted: list[tuple[DueAction, Any]]) -> list[OutgoingRequest]:
        raise NotImplementedError

    async def send(self, client: httpx.AsyncClient, request: OutgoingRequest) -> Outcome:
        """Make the request and judge the response."""
        try:
            response = await client.request(request.method, request.url,
                                            headers=request.headers, content=request.content,
                                            timeout=self.config.timeout_seconds)
        except httpx.TransportError as failure:
            return from_exception(failure)
        error = None if response.is_success else self.error_of(response)
        return from_response(response, error, self.message_id_of(response))

    def message_id_of(self, response: httpx.Response) -> str | None:
        return None

    def error_of(self, response: httpx.Response) -> str | None:
        """The provider's error message (redacted later, with the rest of the log)."""
        text = response.text.strip()
        return text[:PROVIDER_TEXT] or None

    def flush(self) -> None:
        """Make what was sent durable before it is logged (the outbox's file)."""

    def close(self) -> None:
        """Release what the destination holds (the outbox's file)."""


def base_url(config: Any, default: str) -> str:
    return (config.base_url or default).rstrip("/")


def response_json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
