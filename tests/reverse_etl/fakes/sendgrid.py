"""SendGrid's v3 Mail Send (``POST /v3/mail/send``) with dynamic templates.

Each personalization is one delivery; its key is ``custom_args.action_id``. Errors come in
SendGrid's ``{"errors": [{"message", "field", "help"}]}`` shape, all problems at once.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from tests.reverse_etl.fakes.base import FakeServer
from tests.reverse_etl.fakes.faults import FaultPlan
from tests.reverse_etl.fakes.wire import (
    Incoming,
    Reply,
    Verdict,
    bearer_token,
    is_json,
    json_object,
    reject,
)

PATH = "/v3/mail/send"
MAX_PERSONALIZATIONS = 1000
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
UNAUTHORIZED = "The provided authorization grant is invalid, expired, or revoked"


def _errors(status: int, *problems: tuple[str, str | None]) -> Verdict:
    return reject(status, {"errors": [{"message": message, "field": field, "help": None}
                                      for message, field in problems]})


def _is_email(value: Any) -> bool:
    return isinstance(value, str) and bool(EMAIL.match(value))


def _personalization_problems(index: int, item: Any) -> list[tuple[str, str | None]]:
    where = f"personalizations.{index}"
    if not isinstance(item, dict):
        return [("Each personalization must be an object.", where)]
    problems: list[tuple[str, str | None]] = []
    to = item.get("to")
    if not isinstance(to, list) or not 1 <= len(to) <= MAX_PERSONALIZATIONS:
        problems.append(("The to array is required for all personalization objects, "
                         "and must have at least one email object with a valid email "
                         "address.", f"{where}.to"))
    else:
        problems += [("Does not contain a valid address.", f"{where}.to.{j}.email")
                     for j, recipient in enumerate(to)
                     if not (isinstance(recipient, dict) and _is_email(recipient.get("email")))]
    if not isinstance(item.get("dynamic_template_data"), dict):
        problems.append(("The dynamic_template_data must be an object.",
                         f"{where}.dynamic_template_data"))
    custom_args = item.get("custom_args")
    action_id = custom_args.get("action_id") if isinstance(custom_args, dict) else None
    if not isinstance(action_id, str) or not action_id:
        problems.append(("custom_args.action_id must be a non-empty string.",
                         f"{where}.custom_args.action_id"))
    return problems


def body_problems(body: dict[str, Any]) -> list[tuple[str, str | None]]:
    """Every problem of a Mail Send body, as ``(message, field)`` pairs."""
    problems: list[tuple[str, str | None]] = []
    sender = body.get("from")
    if not (isinstance(sender, dict) and _is_email(sender.get("email"))):
        problems.append(("The from object must be provided for every email send. "
                         "It is an object that requires the email parameter.", "from.email"))
    elif "name" in sender and not isinstance(sender["name"], str):
        problems.append(("The from name must be a string.", "from.name"))
    template_id = body.get("template_id")
    if not (isinstance(template_id, str) and template_id.startswith("d-")):
        problems.append(("The template_id must be a dynamic template id (starting with 'd-').",
                         "template_id"))
    personalizations = body.get("personalizations")
    if not isinstance(personalizations, list) or not personalizations:
        problems.append(("The personalizations field is required and must have at least one "
                         "personalization.", "personalizations"))
    elif len(personalizations) > MAX_PERSONALIZATIONS:
        problems.append((f"You may not have more than {MAX_PERSONALIZATIONS} personalizations "
                         "per API request.", "personalizations"))
    else:
        for index, item in enumerate(personalizations):
            problems += _personalization_problems(index, item)
    return problems


class FakeSendgrid(FakeServer):
    """SendGrid Mail Send. Key of a delivery: a personalization's ``custom_args.action_id``.

    ``personalizations`` lists the processed personalizations. Success is 202 with an empty
    body and ``X-Message-Id``; 429s carry ``Retry-After`` and ``X-RateLimit-Reset``.
    """

    name = "sendgrid"
    rate_limit_reset_header = True

    def __init__(self, api_key: str = "SG.fake-api-key", *, faults: FaultPlan | None = None,
                 latency_s: float = 0.0) -> None:
        super().__init__(faults=faults, latency_s=latency_s)
        self.api_key = api_key

    @property
    def personalizations(self) -> list[dict[str, Any]]:
        return self.processed_items

    def extract_keys(self, request: Incoming) -> tuple[str, ...]:
        body = json_object(request) or {}
        items = body.get("personalizations")
        if not isinstance(items, list):
            return ()
        return tuple(item["custom_args"]["action_id"] for item in items
                     if isinstance(item, dict) and isinstance(item.get("custom_args"), dict)
                     and isinstance(item["custom_args"].get("action_id"), str))

    def validate(self, request: Incoming) -> Verdict:
        if request.route != PATH:
            return _errors(404, ("Not Found", None))
        if request.method != "POST":
            return _errors(405, ("Method Not Allowed", None))
        if bearer_token(request) != self.api_key:
            return _errors(401, (UNAUTHORIZED, None))
        if not is_json(request):
            return _errors(400, ("Content-Type should be application/json.", None))
        body = json_object(request)
        if body is None:
            return _errors(400, ("Bad Request", None))
        problems = body_problems(body)
        if problems:
            return _errors(400, *problems)
        reply = Reply(202, b"", {"X-Message-Id": secrets.token_urlsafe(16)})
        return Verdict(True, reply, tuple(body["personalizations"]))

    def error_body(self, status: int) -> Any:
        message = "too many requests" if status == 429 else "internal server error"
        return {"errors": [{"message": message, "field": None, "help": None}]}
