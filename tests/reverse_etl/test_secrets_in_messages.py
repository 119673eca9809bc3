"""Secrets never reach what dispatch stores or prints, in any encoding a provider echoes.

A fake provider on 127.0.0.1 (:class:`tests.reverse_etl.fakes.FakeEcho`) refuses requests
quoting their ``Authorization`` header, URL and body raw, base64 (at every alignment),
percent-encoded and JSON-escaped, and gives base64 of the header as a message id when it
takes one. Twilio sends ``Basic base64(SID:TOKEN)`` and its SID in the URL; SendGrid and
Braze a bearer key (Braze's here holds characters that percent-encoding changes).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from reverse_etl.run import run_dispatch
from tests.reverse_etl.fakes import FakeEcho
from tests.reverse_etl.warehouse_support import log_rows, project, seed_actions

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "f00dfacecafebeef0123456789abcdef"
SENDGRID_KEY = "SG.planted-key_0123456789.abcdefghijklmnopqrstuvwxyzAB"
BRAZE_KEY = "brz+planted/key=0123456789:abcdef"
ENV = {"TW_SID": SID, "TW_TOKEN": TOKEN, "SG_KEY": SENDGRID_KEY, "BRAZE_KEY": BRAZE_KEY}


def planted_forms() -> list[str]:
    """Every form of every planted secret that must never be stored or printed: raw,
    percent-encoded, JSON-escaped, and base64 of each secret and of ``SID:TOKEN`` (the
    characters that depend on the secret alone, at each of the 3 alignments)."""
    forms = []
    for value in (SID, TOKEN, SENDGRID_KEY, BRAZE_KEY, f"{SID}:{TOKEN}"):
        forms += [value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]]
        for shift in range(3):
            for encode in (base64.b64encode, base64.urlsafe_b64encode):
                forms.append(encode(b"\0" * shift + value.encode()).decode()[4:-4])
    return forms


def leaks(texts: list[str]) -> list[tuple[str, str]]:
    return [(form, text) for text in texts for form in planted_forms() if form in text]


def echo_project(root: Path, echo: FakeEcho):
    settings = project(root, {
        "sms": {"type": "twilio", "account_sid": {"env": "TW_SID"},
                "auth_token": {"env": "TW_TOKEN"}, "from": "+15550001111",
                "base_url": echo.base_url},
        "email": {"type": "sendgrid", "api_key": {"env": "SG_KEY"},
                  "from": {"email": "hello@example.com"}, "base_url": echo.base_url},
        "push": {"type": "braze", "api_key": {"env": "BRAZE_KEY"},
                 "base_url": echo.base_url}})
    for n, (destination, action, template) in enumerate((
            ("sms", "send_sms", "HX123"), ("email", "send_email", "d-welcome"),
            ("push", "send_push", "promo"))):
        seed_actions(settings.warehouse, 6, destination=destination, tile_type="action",
                     action=action, template=template, journey_id=f"j_{destination}",
                     first=10 * n, payload=lambda i: {"first_name": f"Zelda{i}"})
    return settings


def test_a_provider_echoing_credentials_leaves_no_secret_in_the_log_or_the_lines(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    lines: list[str] = []
    with FakeEcho() as echo, caplog.at_level("DEBUG"):
        settings = echo_project(tmp_path, echo)
        run_dispatch(settings, log=lines.append)
    rows = log_rows(settings.warehouse)
    stored = [str(value) for row in rows for value in row.values() if value is not None]
    assert {r["status"] for r in rows} >= {"sent", "failed"}
    assert any("<secret>" in r["error"] for r in rows if r["error"]), "nothing was echoed"
    assert not leaks(stored + lines + caplog.messages)


def test_the_dispatch_command_and_its_dry_run_print_no_secret(tmp_path: Path) -> None:
    with FakeEcho() as echo:
        settings = echo_project(tmp_path, echo)
        env = {**os.environ, **ENV, "HTTPX_LOG_LEVEL": "trace"}
        command = [sys.executable, "-m", "journeys.cli", "--warehouse",
                   str(settings.warehouse), "dispatch"]
        dry = subprocess.run([*command, "--dry-run", "--out", str(tmp_path / "dry.jsonl")],
                             cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=120)
    assert dry.returncode == 0 and done.returncode == 0, dry.stderr + done.stderr
    assert "failed" in done.stdout
    written = (tmp_path / "dry.jsonl").read_text()
    assert "<secret>" in written  # Twilio's URL names the account SID
    assert not leaks([dry.stdout, dry.stderr, written, done.stdout, done.stderr])
