"""A signed-webhook receiver: Standard Webhooks headers, any JSON object as the body.

The key of a delivery is the ``Idempotency-Key`` header, which must equal ``webhook-id``.
The receiver does not deduplicate: a resent event counts twice in ``deliveries``, which is
what lets a test see that duplicates at least share their key.
"""

from __future__ import annotations

import time
from typing import Any

from tests.reverse_etl.fakes.base import FakeServer
from tests.reverse_etl.fakes.faults import FaultPlan
from tests.reverse_etl.fakes.signing import signature_matches
from tests.reverse_etl.fakes.wire import Incoming, Verdict, json_object, json_reply, reject


class FakeWebhook(FakeServer):
    """A webhook endpoint at ``path`` (None: any path). Key: ``Idempotency-Key``.

    ``secret`` is the shared HMAC key (a str is used as its UTF-8 bytes). A timestamp
    further than ``tolerance_s`` from now is refused, as Standard Webhooks asks. ``events``
    lists the processed bodies. Success is 200 ``{"received": true}``.
    """

    name = "webhook"

    def __init__(self, secret: str | bytes = "fake-webhook-secret", *, path: str | None = "/hooks",
                 tolerance_s: float = 300.0, faults: FaultPlan | None = None,
                 latency_s: float = 0.0) -> None:
        super().__init__(faults=faults, latency_s=latency_s)
        self.secret = secret
        self.path = path
        self.tolerance_s = tolerance_s

    @property
    def url(self) -> str:
        """The endpoint's full URL."""
        return self.base_url + (self.path or "/hooks")

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.processed_items

    def extract_keys(self, request: Incoming) -> tuple[str, ...]:
        key = request.headers.get("idempotency-key")
        return (key,) if key else ()

    def validate(self, request: Incoming) -> Verdict:
        if (self.path is not None and request.route != self.path) or request.method != "POST":
            return reject(404, {"error": "not found"})
        if not signature_matches(self.secret, request.headers, request.body):
            return reject(401, {"error": "invalid signature"})
        try:
            stamp = int(request.headers["webhook-timestamp"])
        except ValueError:
            return reject(401, {"error": "invalid signature"})
        if abs(time.time() - stamp) > self.tolerance_s:
            return reject(401, {"error": "timestamp outside tolerance"})
        if request.headers.get("idempotency-key") != request.headers["webhook-id"]:
            return reject(400, {"error": "Idempotency-Key must equal webhook-id"})
        body = json_object(request)
        if body is None:
            return reject(400, {"error": "body must be a JSON object"})
        return Verdict(True, json_reply(200, {"received": True}), (body,))

    def error_body(self, status: int) -> Any:
        return {"error": "rate limited" if status == 429 else "internal error"}
