"""What a response (or its absence) means for delivery, before any policy applies.

Four verdicts, as dlt separates transient from terminal errors, with the transient kind
split by what matters for duplicates:

- ``sent``: the provider took it;
- ``terminal``: it refused it for good (a 4xx other than 429): retrying cannot help;
- ``not_taken``: it certainly did not take it (429, a connection never made): safe to retry;
- ``unclear``: it may have taken it (a timeout or a reset after the request went out, a
  5xx): retrying may duplicate, so the destination's delivery policy decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum

import httpx


class Verdict(StrEnum):
    SENT = "sent"
    TERMINAL = "terminal"
    NOT_TAKEN = "not_taken"
    UNCLEAR = "unclear"


@dataclass(frozen=True)
class Outcome:
    """The result of one request, for every action it carried."""

    verdict: Verdict
    http_status: int | None = None
    provider_message_id: str | None = None
    error: str | None = None
    retry_after_s: float | None = None


NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Transport errors raised before any byte of the request left: nothing was taken."""


def retry_after(response: httpx.Response, now: datetime | None = None) -> float | None:
    """Seconds to wait before the next request, from ``Retry-After`` (seconds or an HTTP
    date) or, as SendGrid and Braze send it, ``X-RateLimit-Reset`` (a Unix time).

    Example:
        >>> retry_after(httpx.Response(429, headers={"Retry-After": "3"}))
        3.0
    """
    now = now or datetime.now(UTC)
    value = response.headers.get("retry-after")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                return max(0.0, (parsedate_to_datetime(value) - now).total_seconds())
            except (TypeError, ValueError):
                pass
    reset = response.headers.get("x-ratelimit-reset")
    if reset:
        try:
            return max(0.0, float(reset) - now.timestamp())
        except ValueError:
            return None
    return None


def from_response(response: httpx.Response, error: str | None,
                  message_id: str | None = None) -> Outcome:
    """The verdict of an HTTP response; ``error`` is the provider's message (for non-2xx)."""
    status = response.status_code
    if 200 <= status < 300:
        return Outcome(Verdict.SENT, status, message_id)
    text = f"{status} {response.reason_phrase}" + (f": {error}" if error else "")
    if status == 429:
        return Outcome(Verdict.NOT_TAKEN, status, error=text, retry_after_s=retry_after(response))
    if status >= 500 or status == 408:
        return Outcome(Verdict.UNCLEAR, status, error=text, retry_after_s=retry_after(response))
    return Outcome(Verdict.TERMINAL, status, error=text)


def from_exception(failure: Exception) -> Outcome:
    """The verdict of a request that got no response."""
    kind = type(failure).__name__
    if isinstance(failure, NOT_SENT_ERRORS):
        return Outcome(Verdict.NOT_TAKEN, error=f"{kind}: the connection was not made")
    if isinstance(failure, httpx.TimeoutException):
        return Outcome(Verdict.UNCLEAR, error=f"{kind}: no response in time after sending")
    return Outcome(Verdict.UNCLEAR, error=f"{kind}: the connection broke after sending")
