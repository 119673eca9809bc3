"""Standard Webhooks (Svix style) signatures, as the fake webhook receiver checks them.

Written independently of the client's signer so a test that passes proves the two agree,
not that one function agrees with itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping


def secret_bytes(secret: str | bytes) -> bytes:
    """The HMAC key: bytes as given, a str as its UTF-8 bytes."""
    return secret if isinstance(secret, bytes) else secret.encode()


def webhook_signature(secret: str | bytes, message_id: str, timestamp: int | str,
                      body: bytes) -> str:
    """``v1,`` + base64 HMAC-SHA256 of ``{id}.{timestamp}.{body}``.

    Example:
        >>> webhook_signature("s3cret", "a1", 1700000000, b'{"x":1}')
        'v1,5gmJ7C5QhYjK98HlIXjPwsrmnb3M35URwWaiA5/xeZg='
    """
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str | bytes, message_id: str, body: bytes,
                   timestamp: int | None = None) -> dict[str, str]:
    """Every header a valid webhook request carries (for tests that call the fake directly)."""
    stamp = int(time.time()) if timestamp is None else timestamp
    return {"Content-Type": "application/json", "Idempotency-Key": message_id,
            "webhook-id": message_id, "webhook-timestamp": str(stamp),
            "webhook-signature": webhook_signature(secret, message_id, stamp, body)}


def signature_matches(secret: str | bytes, headers: Mapping[str, str], body: bytes) -> bool:
    """Whether any ``v1`` signature in ``webhook-signature`` (space separated) is right.

    ``headers`` must have lowercased names.
    """
    message_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    if not message_id or not timestamp:
        return False
    expected = webhook_signature(secret, message_id, timestamp, body)
    return any(hmac.compare_digest(candidate, expected)
               for candidate in headers.get("webhook-signature", "").split())
