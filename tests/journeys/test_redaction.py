"""The one redactor: a secret is masked in every form a provider may echo it in."""

from __future__ import annotations

import base64
import json
import random
import re
from urllib.parse import quote, quote_plus

import pytest

from journeys.redaction import Redactor, looks_like_secret

SID, TOKEN = "AC" + "0123456789abcdef" * 2, "tok/with+odd=chars:0123456789"
REDACTOR = Redactor([SID, TOKEN], [[SID, TOKEN]])


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize("echo", [
    TOKEN,
    quote(TOKEN, safe=""),
    quote(TOKEN, safe="").lower(),  # percent-escapes in lower case
    quote_plus(TOKEN),
    json.dumps(TOKEN)[1:-1],
    json.dumps(json.dumps(TOKEN))[1:-1],  # a JSON string inside a JSON message
    b64(TOKEN),
    base64.urlsafe_b64encode(TOKEN.encode()).decode(),
    f"Basic {b64(f'{SID}:{TOKEN}')}",
    b64(f"Authorization: Basic {SID}:{TOKEN}; more"),  # inside a longer encoded text
    b64(f"x{TOKEN}y"), b64(f"xy{TOKEN}z"), b64(f"xyz{TOKEN}"),  # each byte alignment
])
def test_a_secret_is_masked_in_every_encoding(echo: str) -> None:
    cleaned = REDACTOR.mask_secrets(f"provider said: {echo} (end)")
    assert cleaned is not None and "<secret>" in cleaned
    for leftover in (TOKEN, SID, b64(TOKEN)[2:-4], b64(f"{SID}:{TOKEN}")[4:-4]):
        assert leftover not in cleaned


API_KEY = "Zx9kPq2L/mN8v+Rt5WyB3c="
KEY_REDACTOR = Redactor([API_KEY])


def php_json(text: str) -> str:
    """A JSON string's content as PHP's and Java's encoders write it: ``/`` as ``\\/``."""
    return json.dumps(text)[1:-1].replace("/", "\\/")


@pytest.mark.parametrize("echo", [
    quote(API_KEY),  # safe="/": the path encoding httpx and most servers use
    re.sub(r"%[0-9A-F]{2}", lambda m: m[0].lower(), quote(API_KEY)),
    php_json(API_KEY),  # a JSON "\/" escape
    php_json(php_json(API_KEY)),  # twice, by PHP
    json.dumps(php_json(API_KEY))[1:-1],  # PHP's inside Python's
    php_json(f"https://hooks.example.com/{quote(API_KEY)}"),  # an echoed URL, PHP-escaped
])
def test_a_secret_with_a_slash_is_masked_path_encoded_and_php_escaped(echo: str) -> None:
    cleaned = KEY_REDACTOR.mask_secrets(f"provider said: {echo} (end)")
    assert cleaned is not None and "<secret>" in cleaned, cleaned
    for leftover in ("Zx9kPq2L", "mN8v", "Rt5WyB3c"):
        assert leftover not in cleaned, cleaned


def test_base64_with_a_slash_is_masked_php_escaped() -> None:
    secret = "key???key???key???"
    encoded = base64.b64encode(secret.encode()).decode()
    assert "/" in encoded
    cleaned = Redactor([secret]).mask_secrets(f"echo {php_json(encoded)} end")
    assert cleaned == "echo <secret> end"


def test_a_slash_takes_at_most_three_backslashes_before_it() -> None:
    """``\\/`` escaped once or twice, never a run of any length: a provider text of many
    backslashes is scanned in linear time."""
    slashed = Redactor(["/Zx9kPq2LmN8vRt5WyB3c"])
    text = "\\" * 10_000
    assert slashed.mask_secrets(text) == text
    assert slashed.mask_secrets(f"{text}/Zx9kPq2LmN8vRt5WyB3c") == "\\" * 9997 + "<secret>"


def test_text_without_secrets_is_left_as_it_is() -> None:
    text = "400 Bad Request: the 'To' number is not valid (code 21211)"
    assert REDACTOR.mask_secrets(text) == text


@pytest.mark.parametrize("value", ["SG.abcdefgh.ijklmnop", "sk_live_0123456789abc",
                                   "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                   "AC0123456789abcdef0123456789abcdef",
                                   "f00dfacecafebeef0123456789abcdef"])
def test_values_shaped_like_credentials_look_like_secrets(value: str) -> None:
    assert looks_like_secret(value)


@pytest.mark.parametrize("value", ["30m", "hello@example.com", "https://api.example.com",
                                   "SENDGRID_API_KEY", "at_most_once", "welcome_series"])
def test_ordinary_values_do_not(value: str) -> None:
    assert not looks_like_secret(value)


def test_cleaning_for_many_actions_cuts_after_masking_and_shows_what_clean_shows() -> None:
    """:meth:`Redactor.clean_cut` masks the secrets, emails and phone numbers of a long
    text once, and reads only what the first characters need for each action's values;
    it shows exactly what ``clean(text, values)[:length]`` shows, whatever is cut where."""
    rng = random.Random(7)
    redactor = Redactor([API_KEY])
    long_name = "Rosa Maria Example-Longname"  # longer than its mask: masking pulls text in
    pieces = [API_KEY, quote(API_KEY), "rosa@example.com", "+15550001234", "Rosalind",
              "ROSA", long_name, long_name.upper(), long_name, "ros", " ", "ab ", "x" * 40]
    values = ["Rosa", long_name, "rosalind", "Abc"]
    for _ in range(1000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 60)))
        length = rng.randint(1, 120)
        expected = (redactor.clean(text, values) or "")[:length] or None
        assert redactor.clean_cut(text, values, length) == expected, (text, length)
        for value in values:
            assert value.lower() not in (redactor.clean_cut(text, values, length) or "").lower()
