"""Twilio's Messages API (``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``).

Form-encoded, HTTP Basic auth, one message per request. Twilio has no idempotency field,
so a delivery's key is ``f"{To}|{ContentSid}"``. Its 400 for a bad ``To`` echoes the
number, as the real API does: the client must redact it before logging.
"""

from __future__ import annotations

import json
import re
import secrets
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qsl

from tests.reverse_etl.fakes.base import FakeServer
from tests.reverse_etl.fakes.faults import FaultPlan
from tests.reverse_etl.fakes.wire import (
    Incoming,
    Verdict,
    basic_credentials,
    json_reply,
    reject,
)

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
FORM = "application/x-www-form-urlencoded"
MESSAGES = {
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "Internal Server Error",
    20503: "Service Unavailable",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21619: "A text message body or media urls must be specified.",
    21656: "The ContentVariables Parameter is invalid.",
}


def twilio_error(code: int, status: int, message: str | None = None) -> dict[str, Any]:
    """Twilio's error body: ``code``, ``message``, ``more_info``, ``status``."""
    return {"code": code, "message": message or MESSAGES[code],
            "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}


def form_of(request: Incoming) -> dict[str, str]:
    """The form fields of a request (empty unless form-encoded); the last value wins."""
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if kind != FORM:
        return {}
    try:
        return dict(parse_qsl(request.body.decode(), keep_blank_values=True))
    except UnicodeDecodeError:
        return {}


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


class FakeTwilio(FakeServer):
    """Twilio Messages. Key of a delivery: ``f"{To}|{ContentSid}"``.

    ``forms`` lists the processed forms as dicts. Success is 201 with a message resource
    (``sid`` is ``SM`` + 32 hex, ``status`` ``queued``).
    """

    name = "twilio"

    def __init__(self, account_sid: str = "AC" + "0" * 32,
                 auth_token: str = "fake-auth-token", *, faults: FaultPlan | None = None,
                 latency_s: float = 0.0) -> None:
        super().__init__(faults=faults, latency_s=latency_s)
        self.account_sid = account_sid
        self.auth_token = auth_token

    @property
    def messages_path(self) -> str:
        return f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"

    @property
    def forms(self) -> list[dict[str, str]]:
        return self.processed_items

    def extract_keys(self, request: Incoming) -> tuple[str, ...]:
        form = form_of(request)
        if "To" not in form:
            return ()
        return (f"{form['To']}|{form.get('ContentSid', '')}",)

    def validate(self, request: Incoming) -> Verdict:
        if request.route != self.messages_path or request.method != "POST":
            return reject(404, twilio_error(20404, 404))
        if basic_credentials(request) != (self.account_sid, self.auth_token):
            return reject(401, twilio_error(20003, 401))
        form = form_of(request)
        to = form.get("To", "")
        if not to:
            return reject(400, twilio_error(21604, 400))
        if not E164.match(to):
            return reject(400, twilio_error(
                21211, 400, f"The 'To' number {to} is not a valid phone number."))
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return reject(400, twilio_error(21603, 400))
        if not form.get("ContentSid"):
            return reject(400, twilio_error(21619, 400))
        if "ContentVariables" in form and not _is_json_object(form["ContentVariables"]):
            return reject(400, twilio_error(21656, 400))
        return Verdict(True, json_reply(201, self._message(form)), (form,))

    def _message(self, form: dict[str, str]) -> dict[str, Any]:
        sid = "SM" + secrets.token_hex(16)
        now = formatdate(usegmt=True)
        return {"sid": sid, "account_sid": self.account_sid, "status": "queued",
                "to": form["To"], "from": form.get("From"),
                "messaging_service_sid": form.get("MessagingServiceSid"), "body": None,
                "direction": "outbound-api", "num_segments": "0", "num_media": "0",
                "date_created": now, "date_updated": now, "date_sent": None, "price": None,
                "price_unit": "USD", "error_code": None, "error_message": None,
                "api_version": "2010-04-01",
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"}

    def error_body(self, status: int) -> Any:
        code = {429: 20429, 503: 20503}.get(status, 20500)
        return twilio_error(code, status)
