"""Signed JSON webhooks (``custom_api``), in the Standard Webhooks style of Svix and Stripe.

The body is the tile's ``body`` mapping (a webhook tile), or ``{template, fields}`` (an
action tile). The action id is the ``Idempotency-Key`` and the ``webhook-id``; the
signature is ``v1,`` + base64 HMAC-SHA256 of ``{id}.{timestamp}.{body}`` with the shared
secret, made again at every attempt (its timestamp is the attempt's), so a receiver can
refuse replays older than a few minutes and deduplicate on the id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from reverse_etl.actions import DueAction, template_fields
from reverse_etl.destinations.base import USER_AGENT, Destination, OutgoingRequest, json_body


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value.

    Example:
        >>> signature("s3cret", "a1", 1700000000, b'{"x":1}')
        'v1,5gmJ7C5QhYjK98HlIXjPwsrmnb3M35URwWaiA5/xeZg='
    """
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class Webhook(Destination):
    type_name = "webhook"

    def __init__(self, name: str, config: Any, secret: str,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(name, config)
        url = config.url
        if config.base_url:
            parts = urlsplit(url)
            url = config.base_url.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query
                                                               else "")
        self._url = url
        self._secret = secret
        self._clock = clock

    def content_of(self, action: DueAction) -> Any:
        if action.tile_type == "webhook":
            return action.payload
        return {"template": action.template, "fields": template_fields(action)}

    def build(self, accepted: list[tuple[DueAction, Any]]) -> list[OutgoingRequest]:
        requests = []
        now = int(self._clock())
        for action, body in accepted:
            content = json_body(body)
            headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
                       "Idempotency-Key": action.action_id, "webhook-id": action.action_id,
                       "webhook-timestamp": str(now),
                       "webhook-signature": signature(self._secret, action.action_id, now,
                                                      content)}
            requests.append(OutgoingRequest((action.action_id,), "POST", self._url, headers,
                                            content, frozenset({"webhook-signature"})))
        return requests
