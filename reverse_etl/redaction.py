"""The one place where text leaving dispatch is cleaned of personal data and secrets.

Everything dispatch writes for people (log lines, the ``error`` column of the delivery log)
passes through :meth:`Redactor.clean`. It masks what looks like an email address or a phone
number, every secret read for this dispatch, and the member values an action carried (its
recipient and template fields: a provider that echoes ``Hello Rosa`` in an error message
must not put ``Rosa`` in the warehouse's log). Masks say what was there, not what it was.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w+])\+\d[\d ().-]{5,18}\d(?!\w)"
                   r"|(?<![\w])\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}(?!\w)")
MIN_VALUE_LENGTH = 3


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


class Redactor:
    """Masks secrets and personal data in text; secrets are known for the whole dispatch."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def clean(self, text: str | None, values: Iterable[str] = ()) -> str | None:
        """``text`` with secrets, ``values`` (an action's member data), emails and phone
        numbers masked.

        Example:
            >>> Redactor(["sk_live_1"]).clean("key sk_live_1 for rosa@example.com, "
            ...                                "+15550001234: Hello Rosa", ["Rosa"])
            'key <secret> for <email>, <phone>: Hello <member data>'
        """
        if not text:
            return text
        for secret in self._secrets:
            text = text.replace(secret, "<secret>")
        text = PHONE.sub("<phone>", EMAIL.sub("<email>", text))
        for value in sorted(set(values), key=len, reverse=True):
            if len(value) >= MIN_VALUE_LENGTH:
                text = re.sub(re.escape(value), "<member data>", text, flags=re.IGNORECASE)
        return text
