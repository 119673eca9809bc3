"""Twilio's Messages API: one form-encoded request per SMS, HTTP basic auth.

The template is a Content Template SID (``HX…``) and the fields its ``ContentVariables``.
The Messages API has no idempotency key nor a free metadata field, so under the default
at-most-once policy an unclear response is never resent.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlencode

import httpx

from reverse_etl.actions import DueAction, recipient_of, template_fields
from reverse_etl.destinations.base import (
    PROVIDER_TEXT,
    USER_AGENT,
    Destination,
    OutgoingRequest,
    base_url,
    response_json,
)

API = "https://api.twilio.com"


class Twilio(Destination):
    type_name = "twilio"

    def __init__(self, name: str, config: Any, account_sid: str, auth_token: str) -> None:
        super().__init__(name, config)
        self._url = (base_url(config, API)
                     + f"/2010-04-01/Accounts/{account_sid}/Messages.json")
        basic = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self._headers = {"Authorization": f"Basic {basic}",
                         "Content-Type": "application/x-www-form-urlencoded",
                         "User-Agent": USER_AGENT}

    def content_of(self, action: DueAction) -> dict[str, str]:
        return {"To": recipient_of(action, self.config.recipient_column),
                "From": self.config.from_, "ContentSid": action.template or "",
                "ContentVariables": json.dumps(template_fields(action), sort_keys=True,
                                               default=str)}

    def build(self, accepted: list[tuple[DueAction, Any]]) -> list[OutgoingRequest]:
        return [OutgoingRequest((action.action_id,), "POST", self._url, self._headers,
                                urlencode(form).encode(), frozenset({"authorization"}))
                for action, form in accepted]

    def message_id_of(self, response: httpx.Response) -> str | None:
        body = response_json(response)
        return body.get("sid") if isinstance(body, dict) else None

    def error_of(self, response: httpx.Response) -> str | None:
        body = response_json(response)
        if isinstance(body, dict) and "message" in body:
            return f"Twilio error {body.get('code')}: {body['message']}"[:PROVIDER_TEXT]
        return super().error_of(response)
