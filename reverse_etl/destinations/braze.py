"""Braze ``/messages/send``: push (iOS and Android) and email, up to 50 users per request.

One request reaches up to 50 ``external_user_ids`` (the member ids) with one message, so
only actions with the same tile content travel together: same action, template and fields.
A push's alert is the Braze Content Block named by the template, rendered by Braze with the
user's attributes; the fields travel as key-value ``extra`` (push) or ``extras`` (email). An
email's template is a Braze email template id. Braze has no idempotency key here; its
``dispatch_id`` is logged as the provider's message id.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from reverse_etl.actions import DueAction, template_fields
from reverse_etl.destinations.base import (
    PROVIDER_TEXT,
    USER_AGENT,
    Destination,
    OutgoingRequest,
    base_url,
    chunks,
    json_body,
    response_json,
)

MAX_USERS = 50


def _strings(fields: dict[str, Any]) -> dict[str, str]:
    """Braze's ``extra`` takes string values."""
    return {k: v if isinstance(v, str) else json.dumps(v, default=str) for k, v in fields.items()}


class Braze(Destination):
    type_name = "braze"
    max_batch = MAX_USERS

    def __init__(self, name: str, config: Any, api_key: str) -> None:
        super().__init__(name, config)
        self._url = base_url(config, config.base_url) + "/messages/send"
        self._headers = {"Authorization": f"Bearer {api_key}",
                         "Content-Type": "application/json", "User-Agent": USER_AGENT}

    def content_of(self, action: DueAction) -> dict[str, Any]:
        extra = _strings(template_fields(action))
        if action.action == "send_email":
            email: dict[str, Any] = {"email_template_id": action.template, "extras": extra}
            if self.config.app_id:
                email["app_id"] = self.config.app_id
            return {"email": email}
        alert = "{{content_blocks.${" + (action.template or "") + "}}}"
        return {"apple_push": {"alert": alert, "extra": extra},
                "android_push": {"alert": alert, "extra": extra}}

    def build(self, accepted: list[tuple[DueAction, Any]]) -> list[OutgoingRequest]:
        same: dict[str, list[tuple[DueAction, Any]]] = {}
        for action, messages in accepted:
            same.setdefault(json.dumps(messages, sort_keys=True), []).append((action, messages))
        requests = []
        for _, items in sorted(same.items()):
            for batch in chunks(items, MAX_USERS):
                body: dict[str, Any] = {"external_user_ids": [a.member_id for a, _ in batch],
                                        "messages": batch[0][1]}
                if self.config.campaign_id:
                    body["campaign_id"] = self.config.campaign_id
                requests.append(OutgoingRequest(
                    tuple(a.action_id for a, _ in batch), "POST", self._url, self._headers,
                    json_body(body), frozenset({"authorization"})))
        return requests

    def message_id_of(self, response: httpx.Response) -> str | None:
        body = response_json(response)
        return body.get("dispatch_id") if isinstance(body, dict) else None

    def error_of(self, response: httpx.Response) -> str | None:
        body = response_json(response)
        if isinstance(body, dict) and body.get("message"):
            errors = body.get("errors")
            return (str(body["message"]) + (f": {errors}" if errors else ""))[:PROVIDER_TEXT]
        return super().error_of(response)
