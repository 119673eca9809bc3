"""SendGrid v3 ``mail/send`` with dynamic templates.

Actions with the same template travel together, up to 1,000 personalizations per request
(SendGrid's limit): one per action, with its own recipient, template data and the
``action_id`` in ``custom_args``, so SendGrid's event webhook ties every event back to it.
SendGrid has no idempotency key on ``mail/send``; ``custom_args`` is the closest field.
"""

from __future__ import annotations

from typing import Any

import httpx

from reverse_etl.actions import DueAction, recipient_of, template_fields
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

API = "https://api.sendgrid.com"


class Sendgrid(Destination):
    type_name = "sendgrid"
    max_batch = 1000

    def __init__(self, name: str, config: Any, api_key: str) -> None:
        super().__init__(name, config)
        self._url = base_url(config, API) + "/v3/mail/send"
        self._headers = {"Authorization": f"Bearer {api_key}",
                         "Content-Type": "application/json", "User-Agent": USER_AGENT}

    def content_of(self, action: DueAction) -> dict[str, Any]:
        return {"to": [{"email": recipient_of(action, self.config.recipient_column)}],
                "dynamic_template_data": template_fields(action),
                "custom_args": {"action_id": action.action_id}}

    def build(self, accepted: list[tuple[DueAction, Any]]) -> list[OutgoingRequest]:
        sender = {"email": self.config.from_.email}
        if self.config.from_.name:
            sender["name"] = self.config.from_.name
        by_template: dict[str, list[tuple[DueAction, Any]]] = {}
        for action, personalization in accepted:
            by_template.setdefault(action.template or "", []).append((action, personalization))
        requests = []
        for template, items in sorted(by_template.items()):
            for batch in chunks(items, self.config.batch_size):
                body = {"from": sender, "template_id": template,
                        "personalizations": [p for _, p in batch]}
                requests.append(OutgoingRequest(
                    tuple(a.action_id for a, _ in batch), "POST", self._url, self._headers,
                    json_body(body), frozenset({"authorization"})))
        return requests

    def message_id_of(self, response: httpx.Response) -> str | None:
        return response.headers.get("x-message-id")

    def error_of(self, response: httpx.Response) -> str | None:
        body = response_json(response)
        if isinstance(body, dict) and isinstance(body.get("errors"), list):
            parts = [str(e.get("message", "")) + (f" (field {e['field']})" if e.get("field")
                                                   else "")
                     for e in body["errors"] if isinstance(e, dict)]
            return "; ".join(parts)[:PROVIDER_TEXT] or None
        return super().error_of(response)
