"""The one place where text leaving the engine is cleaned of secrets and personal data.

Everything dispatch writes for people (log lines, the delivery log's ``error`` and
``provider_message_id``, the dry run's file) passes through :meth:`Redactor.clean` or
:meth:`Redactor.mask_secrets`; validation never shows a value that :func:`looks_like_secret`.
It lives in ``journeys/`` so that both validation and ``reverse_etl/`` use it (the data
flows from ``journeys`` to ``reverse_etl``, never back).

A provider does not echo a secret only as it was given. A Twilio error can carry the
``Authorization: Basic …`` header, which is base64 of ``SID:TOKEN``; a webhook receiver
can quote the request URL percent-encoded, or the body JSON-escaped. So each secret is
masked in every form a provider may echo:

- raw;
- percent-encoded (``quote`` with and without ``safe='/'``, the path encoding httpx and
  most servers use, and ``quote_plus``; hex digits in either case);
- JSON-escaped (once and twice: a JSON string quoted inside another JSON message), and in
  every form a ``/`` escaped as ``\\/`` as PHP's and Java's encoders write it (once or
  twice);
- base64, standard and URL-safe, of the secret alone and of every ``user:secret`` pair a
  destination sends as Basic auth. A secret inside a longer encoded text can start at any
  byte, and base64 encodes 3 bytes in 4 characters, so each is encoded at the 3 alignments
  and only the characters that depend on the secret alone are matched (the core):
  a token embedded in a longer base64 string is still caught.

Also masked: what looks like an email address or a phone number, and the member values an
action carried (a provider that echoes ``Hello Rosa`` must not put ``Rosa`` in the log).
Masks say what was there, not what it was.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from itertools import permutations
from typing import Any
from urllib.parse import quote, quote_plus

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w+])\+\d[\d ().-]{5,18}\d(?!\w)"
                   r"|(?<![\w])\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}(?!\w)")
MIN_VALUE_LENGTH = 3
MIN_ENCODED_LENGTH = 8
"""Encoded forms shorter than this are not masked: a few base64 characters occur by chance
in ordinary text. A real secret's forms are far longer."""
SECRET_MASK = "<secret>"
MEMBER_MASK = "<member data>"
SHARED_TEXTS = 64
"""Texts :meth:`Redactor.clean_cut` remembers with their secrets, emails and phone numbers
masked (each up to a provider's 10,000 characters)."""

KNOWN_SECRET = re.compile(
    r"\bSG\.[\w-]{8,}|\b(?:sk|rk|pk)_(?:live|test)_\w{8,}|\bwhsec_[\w+/=]{8,}"
    r"|\bxox[abprs]-[\w-]{8,}|\bgh[pousr]_\w{20,}|\bAKIA[0-9A-Z]{16}\b"
    r"|\bAC[0-9a-f]{32}\b|\bBasic\s+[A-Za-z0-9+/=]{8,}|\bBearer\s+\S{8,}")
"""Shapes of well-known credentials: SendGrid, Stripe-like, Standard Webhooks, Slack,
GitHub, AWS keys, Twilio account SIDs, and any Basic or Bearer credential."""
TOKEN = re.compile(r"[A-Za-z0-9+/=_.\-]{20,}")
HEX_KEY = re.compile(r"(?<![0-9A-Za-z])[0-9a-fA-F]{32,}(?![0-9A-Za-z])")
ESCAPE = re.compile(r"(%[0-9A-Fa-f]{2})")


def looks_like_secret(text: str) -> bool:
    """Whether ``text`` is, or holds, something shaped like a credential: a known
    provider's shape, 32 hex digits or more (Twilio's tokens), or a long unbroken token
    mixing upper case, lower case and digits (what base64 API keys are; lowercase ids
    such as ``welcome_series_2026_q1`` are not). Validation never echoes such a value.

    Example:
        >>> looks_like_secret("SG.abcdefgh.ijkl"), looks_like_secret("hello@example.com")
        (True, False)
        >>> looks_like_secret("a3f9c2e17b4d4e0f9a8b7c6d5e4f3a2b"), looks_like_secret("30m")
        (True, False)
        >>> looks_like_secret("welcome_series_2026_q1"), looks_like_secret("Zx9kPq2LmN8vRt5WyB3c")
        (False, True)
    """
    if KNOWN_SECRET.search(text) or HEX_KEY.search(text):
        return True
    return any(re.search(r"[a-z]", t) and re.search(r"[A-Z]", t) and re.search(r"\d", t)
               for t in TOKEN.findall(text))


def _base64_cores(value: bytes) -> set[str]:
    """The base64 characters that depend on ``value`` alone, at each of the 3 byte
    alignments it may have inside a longer encoded text, plus its padded encoding."""
    cores: set[str] = set()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        cores.add(encode(value).decode())
        for shift in range(3):
            encoded = encode(b"\0" * shift + value).decode()
            start, end = -(-8 * shift // 6), 8 * (shift + len(value)) // 6
            cores.add(encoded[start:end])
    return cores


SLASH = r"\\{0,3}/"
"""A ``/`` in any form may be JSON-escaped as ``\\/`` (PHP's and Java's encoders), once or
twice: up to 3 backslashes before it, never a run of any length (linear time)."""


def _literal(text: str) -> str:
    """A regex for ``text`` whose every ``/`` may be JSON-escaped (:data:`SLASH`)."""
    return re.escape(text).replace("/", SLASH)


def _percent(form: str) -> str:
    """A regex for a percent-encoded form whose ``%XX`` hex digits may be in either case."""
    return "".join(f"%(?i:{part[1:]})" if ESCAPE.fullmatch(part) else _literal(part)
                   for part in ESCAPE.split(form))


def encoded_forms(secret: str) -> list[str]:
    """Regexes for every form of ``secret`` a provider may echo (see the module), longest
    first so that a longer form is masked whole."""
    forms = {_literal(secret)}
    for encoded in (quote(secret, safe=""), quote(secret), quote_plus(secret, safe="")):
        if encoded != secret:
            forms.add(_percent(encoded))
    once = json.dumps(secret)[1:-1]
    forms |= {_literal(once), _literal(json.dumps(once)[1:-1]),
              _literal(json.dumps(secret, ensure_ascii=False)[1:-1])}
    forms |= {_literal(core) for core in _base64_cores(secret.encode())
              if len(core) >= MIN_ENCODED_LENGTH}
    return sorted(forms, key=len, reverse=True)


def member_values(values: Iterable[Any]) -> set[str]:
    """The strings of an action worth masking: long enough not to mask ordinary words."""
    found: set[str] = set()
    for value in values:
        if isinstance(value, dict):
            found |= member_values(value.values())
        elif isinstance(value, list | tuple):
            found |= member_values(value)
        elif isinstance(value, str) and len(value.strip()) >= MIN_VALUE_LENGTH:
            found.add(value.strip())
    return found


def _mask_head(pattern: re.Pattern[str], length: int, text: str, whole: bool) -> str:
    """``text`` with ``pattern``'s matches (``length`` characters each) masked: all of it if
    it is the ``whole`` text, else only the prefix that masking the whole would also give
    (a match that may run past the end of ``text`` ends it)."""
    if whole:
        return pattern.sub(MEMBER_MASK, text)
    sure = len(text) - length + 1  # a match starting before this lies within ``text``
    parts, at = [], 0
    for match in pattern.finditer(text):
        if match.start() >= sure:
            break
        parts += [text[at:match.start()], MEMBER_MASK]
        at = match.end()
    parts.append(text[at:max(at, sure)])
    return "".join(parts)


def mask_values(text: str, values: Iterable[str], length: int | None = None) -> str:
    """``text`` with ``values`` masked (longest first, in any case). With ``length``, the
    first ``length`` characters of that, read from only as much of ``text`` as they depend
    on: a value cut in half where the reading stopped is never shown (the reading grows
    until the first ``length`` characters are certain).

    Example:
        >>> mask_values("Hello Rosa, Rosa!", ["Rosa"]), mask_values("Hello Rosa" * 99, ["rosa"], 12)
        ('Hello <member data>, <member data>!', 'Hello <membe')
    """
    patterns = [(re.compile(re.escape(v), re.IGNORECASE), len(v))
                for v in sorted(set(values), key=len, reverse=True)
                if len(v) >= MIN_VALUE_LENGTH]
    read = len(text) if length is None else length + 2 * max((n for _, n in patterns),
                                                              default=0)
    while True:
        whole = read >= len(text)
        head = text[:read]
        for pattern, size in patterns:
            head = _mask_head(pattern, size, head, whole)
        if whole or length is None or len(head) >= length:
            return head if length is None else head[:length]
        read *= 2


class Redactor:
    """Masks secrets (in every encoding) and personal data in text.

    ``secrets`` are the values read for this dispatch; ``groups`` the secrets of each
    destination, whose ``user:secret`` pairs (in either order) are masked as Basic auth
    credentials too.
    """

    def __init__(self, secrets: Iterable[str] = (),
                 groups: Iterable[Iterable[str]] = ()) -> None:
        values = {s for s in secrets if s}
        pairs = {f"{a}:{b}" for group in groups
                 for a, b in permutations([s for s in group if s], 2)}
        forms = {form for value in values | pairs for form in encoded_forms(value)}
        ordered = sorted(forms, key=len, reverse=True)
        self._secrets = re.compile("|".join(ordered)) if ordered else None
        self._shared: dict[str, str] = {}

    def mask_secrets(self, text: str | None) -> str | None:
        """``text`` with every form of every secret masked, nothing else changed: for
        text that must stay exact otherwise (the dry run's requests, message ids).

        Example:
            >>> import base64
            >>> basic = base64.b64encode(b"AC123456789:tok-0123456789").decode()
            >>> r = Redactor(["AC123456789", "tok-0123456789"],
            ...              [["AC123456789", "tok-0123456789"]])
            >>> r.mask_secrets(f"echo: Authorization: Basic {basic}")
            'echo: Authorization: Basic <secret>'
        """
        if not text or self._secrets is None:
            return text
        return self._secrets.sub(SECRET_MASK, text)

    def clean(self, text: str | None, values: Iterable[str] = ()) -> str | None:
        """``text`` with secrets, ``values`` (an action's member data), emails and phone
        numbers masked.

        Example:
            >>> Redactor(["sk_live_1"]).clean("key sk_live_1 for rosa@example.com, "
            ...                                "+15550001234: Hello Rosa", ["Rosa"])
            'key <secret> for <email>, <phone>: Hello <member data>'
        """
        text = self.mask_secrets(text)
        if not text:
            return text
        return mask_values(PHONE.sub("<phone>", EMAIL.sub("<email>", text)), values)

    def clean_cut(self, text: str | None, values: Iterable[str], length: int) -> str | None:
        """``(clean(text, values) or "")[:length] or None``, for the same long text cleaned
        for many actions (a provider's error for each action of a batch): its secrets,
        emails and phone numbers are masked once, whole (so a cut never leaves half of
        one), and only what the first ``length`` characters need is read for ``values``.

        Example:
            >>> Redactor(["sk_live_1"]).clean_cut("Rosa: sk_live_1 " * 99, ["rosa"], 30)
            '<member data>: <secret> <membe'
        """
        if not text:
            return None
        shared = self._shared.get(text)
        if shared is None:
            if len(self._shared) >= SHARED_TEXTS:
                self._shared.clear()
            shared = self._shared[text] = self.clean(text) or ""
        return mask_values(shared, values, length) or None
