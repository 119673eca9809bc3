"""A provider that refuses every request and echoes its credentials back in every form.

Providers quote what they were sent in their errors: a header, the URL, the body, often
encoded. This one answers 400 with the request's ``Authorization`` header, URL and body,
each raw, base64 (standard and URL-safe, at the 3 byte alignments a value can have inside
a longer encoded text), percent-encoded and JSON-escaped, in a body every destination reads
its error from (``message``, SendGrid's ``errors``), and in a ``X-Message-Id`` header.
What dispatch stores or prints must hold none of it.
"""

from __future__ import annotations

import base64
import itertools
import json
from typing import Any
from urllib.parse import quote, quote_plus

from tests.reverse_etl.fakes.base import FakeServer
from tests.reverse_etl.fakes.wire import Incoming, Reply, Verdict


def echoed(value: str) -> list[str]:
    """``value`` in every form a provider may quote it."""
    raw = value.encode()
    forms = [value, quote(value, safe=""), quote_plus(value, safe=""), json.dumps(value)]
    for prefix in (b"", b"x", b"xy"):  # the 3 alignments inside a longer encoded text
        forms += [base64.b64encode(prefix + raw).decode(),
                  base64.urlsafe_b64encode(prefix + raw).decode()]
    return forms


class FakeEcho(FakeServer):
    """Answers 400 to anything, echoing the request's credentials, URL and body; but takes
    every third request (200), with the base64 of its ``Authorization`` header as the
    message id (``X-Message-Id``, ``sid``, ``dispatch_id``)."""

    name = "echo"

    def __init__(self) -> None:
        super().__init__()
        self._seen = itertools.count()

    def extract_keys(self, request: Incoming) -> tuple[str, ...]:
        return ()

    def validate(self, request: Incoming) -> Verdict:
        sent = [request.headers.get("authorization", ""), request.path,
                request.body.decode("utf-8", "replace")]
        message_id = base64.b64encode(sent[0].encode()).decode()
        headers = {"Content-Type": "application/json", "X-Message-Id": message_id}
        if next(self._seen) % 3 == 0:
            body = {"sid": message_id, "dispatch_id": message_id, "message": "success"}
            return Verdict(True, Reply(200 if "/Messages" not in sent[1] else 201,
                                       json.dumps(body).encode(), headers))
        message = "refused; you sent: " + " | ".join(f for value in sent for f in echoed(value))
        body = {"code": 20003, "message": message, "errors": [{"message": message}]}
        return Verdict(False, Reply(400, json.dumps(body).encode(), headers))

    def error_body(self, status: int) -> Any:
        return {"message": "internal error"}
