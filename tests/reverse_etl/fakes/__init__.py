"""Real HTTP servers on 127.0.0.1 that speak each destination's API, with fault injection.

The reverse-ETL reliability tests point destinations' ``base_url`` at these instead of
mocking httpx, so retries, timeouts and connection resets go through real sockets. Each
server validates requests like the provider, answers in the provider's shapes, records
every request, and counts *deliveries*: keys of requests the provider acted on.

Example:
    >>> import httpx
    >>> with FakeSink() as sink:
    ...     httpx.post(sink.base_url + "/x", json={}).status_code, sink.count
    (200, 1)
"""

from __future__ import annotations

from tests.reverse_etl.fakes.base import FakeServer
from tests.reverse_etl.fakes.braze import FakeBraze
from tests.reverse_etl.fakes.echo import FakeEcho
from tests.reverse_etl.fakes.faults import Fault, FaultKind, FaultPlan
from tests.reverse_etl.fakes.records import RequestRecord
from tests.reverse_etl.fakes.sendgrid import FakeSendgrid
from tests.reverse_etl.fakes.signing import signature_matches, signed_headers, webhook_signature
from tests.reverse_etl.fakes.sink import FakeSink
from tests.reverse_etl.fakes.twilio import FakeTwilio
from tests.reverse_etl.fakes.violations import retry_after_violations
from tests.reverse_etl.fakes.webhook import FakeWebhook

__all__ = [
    "FakeBraze",
    "FakeEcho",
    "FakeSendgrid",
    "FakeServer",
    "FakeSink",
    "FakeTwilio",
    "FakeWebhook",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "RequestRecord",
    "retry_after_violations",
    "signature_matches",
    "signed_headers",
    "webhook_signature",
]
