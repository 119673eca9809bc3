"""The request and reply values the fakes pass around, and small helpers to read them.

Kept free of sockets so each provider's validation is a plain function of an
:class:`Incoming` request, and so a recorded request can be re-read (its keys) later.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Incoming:
    """A request as read off the wire; header names are lowercased."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes

    @property
    def route(self) -> str:
        """The path without its query string."""
        return urlsplit(self.path).path


@dataclass(frozen=True)
class Reply:
    """A response to write: status, headers (besides Content-Length), body."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """What the provider would answer without faults, and whether it accepts the request.

    ``items`` are what an accepted request adds to the provider's processed list (the
    personalizations, forms, recipients or events), so tests can read the payloads.
    """

    accepted: bool
    reply: Reply
    items: tuple[Any, ...] = ()


def json_reply(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Reply:
    """A JSON reply, compact like the providers' own."""
    content = json.dumps(body, separators=(",", ":")).encode()
    return Reply(status, content, {"Content-Type": "application/json", **(headers or {})})


def reject(status: int, body: Any) -> Verdict:
    return Verdict(False, json_reply(status, body))


def bearer_token(request: Incoming) -> str | None:
    """The token of ``Authorization: Bearer <token>``, or None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def basic_credentials(request: Incoming) -> tuple[str, str] | None:
    """The ``(user, password)`` of HTTP Basic auth, or None when absent or malformed."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        user, sep, password = decoded.partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


def json_object(request: Incoming) -> dict[str, Any] | None:
    """The body as a JSON object, or None when it is not one."""
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def is_json(request: Incoming) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip() == "application/json"
