"""Braze's ``POST /messages/send``: push and email to up to 50 external user ids.

Each external user id is one delivery. Braze has no idempotency key on this endpoint; the
key is the user id, joined with ``|`` to an ``action_id`` when the message carries one
(``apple_push.extra``, ``android_push.extra`` or ``email.extras``, first found).
"""

from __future__ import annotations

import secrets
from typing import Any

from tests.reverse_etl.fakes.base import FakeServer
from tests.reverse_etl.fakes.faults import FaultPlan
from tests.reverse_etl.fakes.wire import (
    Incoming,
    Verdict,
    bearer_token,
    json_object,
    json_reply,
    reject,
)

PATH = "/messages/send"
MAX_USERS = 50
PUSH_KINDS = ("apple_push", "android_push")
ACTION_ID_AT = (("apple_push", "extra"), ("android_push", "extra"), ("email", "extras"))


def action_id_of(messages: Any) -> str | None:
    """The ``action_id`` a messages object carries in its key-value extras, if any."""
    if not isinstance(messages, dict):
        return None
    for kind, extras in ACTION_ID_AT:
        message = messages.get(kind)
        found = message.get(extras) if isinstance(message, dict) else None
        if isinstance(found, dict) and isinstance(found.get("action_id"), str):
            return str(found["action_id"])
    return None


def message_problem(messages: Any) -> str | None:
    """Why a ``messages`` object is refused, or None."""
    if not isinstance(messages, dict):
        return "messages must be an object"
    kinds = [kind for kind in (*PUSH_KINDS, "email") if kind in messages]
    if not kinds:
        return "messages must contain at least one of apple_push, android_push, email"
    for kind in kinds:
        message = messages[kind]
        if not isinstance(message, dict):
            return f"{kind} must be an object"
        if kind in PUSH_KINDS and not (isinstance(message.get("alert"), str | dict)
                                       and message.get("alert")):
            return f"{kind} requires an alert"
        if kind == "email" and not (message.get("email_template_id") or message.get("body")):
            return "email requires email_template_id or body"
    return None


def body_problem(body: dict[str, Any]) -> str | None:
    """Why a ``/messages/send`` body is refused, or None."""
    ids = body.get("external_user_ids")
    if not isinstance(ids, list) or not ids:
        return "external_user_ids must be a non-empty array"
    if len(ids) > MAX_USERS:
        return f"external_user_ids can contain at most {MAX_USERS} ids, got {len(ids)}"
    if not all(isinstance(uid, str) and uid for uid in ids):
        return "external_user_ids must be non-empty strings"
    if "campaign_id" in body and not isinstance(body["campaign_id"], str):
        return "campaign_id must be a string"
    return message_problem(body.get("messages"))


class FakeBraze(FakeServer):
    """Braze messages/send. Key: ``external_user_id`` or ``f"{external_user_id}|{action_id}"``.

    ``recipients`` lists the processed ``(external_user_id, messages)`` pairs. Success is
    201 ``{"dispatch_id", "message": "success"}``; 429s carry ``X-RateLimit-Reset``.
    """

    name = "braze"
    rate_limit_reset_header = True

    def __init__(self, api_key: str = "fake-braze-api-key", *, faults: FaultPlan | None = None,
                 latency_s: float = 0.0) -> None:
        super().__init__(faults=faults, latency_s=latency_s)
        self.api_key = api_key

    @property
    def recipients(self) -> list[tuple[str, dict[str, Any]]]:
        return self.processed_items

    def extract_keys(self, request: Incoming) -> tuple[str, ...]:
        body = json_object(request) or {}
        ids = body.get("external_user_ids")
        if not isinstance(ids, list):
            return ()
        action_id = action_id_of(body.get("messages"))
        suffix = f"|{action_id}" if action_id is not None else ""
        return tuple(f"{uid}{suffix}" for uid in ids if isinstance(uid, str))

    def validate(self, request: Incoming) -> Verdict:
        if request.route != PATH or request.method != "POST":
            return reject(404, {"message": "Not Found"})
        token = bearer_token(request)
        if token != self.api_key:
            return reject(401, {"message": f"Invalid API key: {token or ''}"})
        body = json_object(request)
        if body is None:
            return reject(400, {"message": "Invalid JSON body"})
        problem = body_problem(body)
        if problem is not None:
            return reject(400, {"message": problem})
        reply = json_reply(201, {"dispatch_id": secrets.token_hex(16), "message": "success"})
        items = tuple((uid, body["messages"]) for uid in body["external_user_ids"])
        return Verdict(True, reply, items)

    def error_body(self, status: int) -> Any:
        return {"message": "Too Many Requests" if status == 429 else "Internal Server Error"}
