"""The many-clients soak: a BI tool, `journeys serve` under GETs and POSTs, and hourly ticks
through Dagster and `journeys run`, each followed by `journeys dispatch` to fake provider
servers, all in processes of their own on one warehouse; then the same ticks and dispatches
alone on a copy, for reference.

What a client did is counted, never assumed: :class:`SoakCounts` holds every tick, dispatch,
API call and reader query tried and failed, and the observations of the journey tables that
each finished write left, which every reader query must equal (whole ticks only).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import yaml

from journeys.warehouse.readers import reader_path, reading
from tests.journeys.api.conftest import free_port
from tests.journeys.warehouse.bi_reader import observe
from tests.reverse_etl.fakes import FakeBraze, FakeSendgrid, FakeTwilio, FakeWebhook

REPO = Path(__file__).resolve().parents[3]
KEY = "soak-key-7c1e"
FUTURE = "2027-01-01T00:00:00Z"
"""When the soak's API entries take effect: after its last tick, so the reference run, which
records the same requests at another moment, has the same tables."""
SECRETS = {"SOAK_SG_KEY": "SG.soak-key", "SOAK_TW_SID": "AC" + "0" * 32,
           "SOAK_TW_TOKEN": "fake-auth-token", "SOAK_BZ_KEY": "fake-braze-api-key",
           "SOAK_HOOK_SECRET": "fake-webhook-secret"}


@dataclass
class SoakCounts:
    """What each client tried and what failed (with the first failures' messages)."""

    ticks: int = 0
    dagster_ticks: int = 0
    dispatches: int = 0
    api_reads: int = 0
    api_writes: int = 0
    api_writes_retried: int = 0
    reader_queries: int = 0
    failures: dict[str, list[str]] = field(default_factory=dict)
    whole: list[list] = field(default_factory=list)
    """The journey tables as each finished write left them (the reader copy after it)."""
    entered: list[str] = field(default_factory=list)
    """The members the API entered (the reference records the same)."""

    def failed(self, client: str, message: str) -> None:
        self.failures.setdefault(client, []).append(message[:400])


@contextmanager
def fake_destinations(project: Path) -> Iterator[None]:
    """The project's four destinations pointed at provider-shaped servers on 127.0.0.1."""
    with ExitStack() as stack:
        sendgrid = stack.enter_context(FakeSendgrid())
        twilio = stack.enter_context(FakeTwilio())
        braze = stack.enter_context(FakeBraze())
        hook = stack.enter_context(FakeWebhook(SECRETS["SOAK_HOOK_SECRET"]))
        path = project / "journey_specs" / "_destinations.yml"
        configs = yaml.safe_load(path.read_text())
        configs["sendgrid"] = {"type": "sendgrid", "api_key": {"env": "SOAK_SG_KEY"},
                               "base_url": sendgrid.base_url, "recipient_column": "email",
                               "from": {"email": "hello@example.com"}}
        configs["twilio"] = {"type": "twilio", "account_sid": {"env": "SOAK_TW_SID"},
                             "auth_token": {"env": "SOAK_TW_TOKEN"}, "from": "+15550001111",
                             "base_url": twilio.base_url, "recipient_column": "phone"}
        configs["braze"] = {"type": "braze", "api_key": {"env": "SOAK_BZ_KEY"},
                            "base_url": braze.base_url}
        configs["rewards"] = {"type": "webhook", "url": hook.url,
                              "secret": {"env": "SOAK_HOOK_SECRET"}}
        path.write_text(yaml.safe_dump(configs))
        yield


def environment(project: Path, warehouse: Path, **extra: str) -> dict[str, str]:
    """The environment of every process of the soak: this checkout, the project, the
    warehouse and the destinations' secrets."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(project),
            "PYTHONPATH": str(REPO), "JOURNEYS_PROJECT_ROOT": str(project),
            "JOURNEYS_WAREHOUSE": str(warehouse), "DAGSTER_HOME": str(project / ".dagster"),
            **{k: v for k, v in os.environ.items() if k.startswith("JOURNEYS_PG_")},
            **SECRETS, **extra}


def run_command(args: list[str], env: dict[str, str], cwd: Path,
                timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def whole_tables(warehouse: Path) -> list:
    """The journey tables as a reader sees them now (after a write has finished)."""
    with reading(warehouse) as con:
        return observe(con)


class ApiClient(threading.Thread):
    """A user of the REST API: GETs every 0.3 s, and now and then an entry (POST members),
    which waits out a busy warehouse as its ``Retry-After`` says."""

    def __init__(self, url: str, journey_id: str, members: list[str], counts: SoakCounts,
                 max_writes: int) -> None:
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=f"{url}/api/v1", timeout=120,
                                   headers={"Authorization": f"Bearer {KEY}"})
        self.journey_id, self.members, self.counts = journey_id, members, counts
        self.max_writes = max_writes
        self.stop = threading.Event()

    def _read(self, path: str) -> None:
        self.counts.api_reads += 1
        try:
            response = self.client.get(path)
        except httpx.HTTPError as error:
            self.counts.failed("api read", f"GET {path}: {error!r}")
            return
        if response.status_code != 200:
            self.counts.failed("api read", f"GET {path}: {response.status_code} "
                                           f"{response.text[:300]}")

    def _write(self, member: str) -> None:
        self.counts.api_writes += 1
        for _ in range(60):
            response = self.client.post(f"/journeys/{self.journey_id}/members",
                                        json={"member_ids": [member], "requested_at": FUTURE})
            if response.status_code != 503:
                break
            self.counts.api_writes_retried += 1
            time.sleep(float(response.headers.get("Retry-After", "1")))
        if response.status_code == 200 and response.json()["recorded"] == [member]:
            self.counts.entered.append(member)
        else:
            self.counts.failed("api write", f"{response.status_code} {response.text[:300]}")

    def run(self) -> None:
        round_ = 0
        while not self.stop.is_set():
            self._read("/journeys")
            self._read(f"/journeys/{self.journey_id}/stats")
            if round_ % 5 == 0 and self.counts.api_writes < self.max_writes:
                self._write(self.members[self.counts.api_writes % len(self.members)])
            round_ += 1
            time.sleep(0.3)


@contextmanager
def api_server(project: Path, warehouse: Path, log: Path) -> Iterator[str]:
    """`journeys serve` in a process of its own; yields its URL."""
    port = free_port()
    env = environment(project, warehouse, JOURNEYS_API_KEYS=f"soak:{KEY}")
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "journeys.cli", "serve", "--port",
                                   str(port)], cwd=project, env=env, stdout=out,
                                  stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/v1/openapi.json", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"journeys serve did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextmanager
def bi_reader(warehouse: Path, work: Path, counts: SoakCounts) -> Iterator[None]:
    """The BI tool's process, holding the reader copy for the whole block; its queries are
    counted, and checked against :attr:`SoakCounts.whole`, when it ends."""
    out, stop = work / "bi_reader.jsonl", work / "bi_reader.stop"
    reader = subprocess.Popen([sys.executable, "-m", "tests.journeys.warehouse.bi_reader",
                               str(reader_path(warehouse)), str(out), str(stop)],
                              cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        yield
    finally:
        stop.touch()
        reader.wait(timeout=60)
    wholes = {json.dumps(w) for w in counts.whole}
    for line in out.read_text().splitlines():
        query = json.loads(line)
        counts.reader_queries += 1
        if not query["ok"]:
            counts.failed("bi reader", query["error"])
        elif json.dumps(query["seen"]) not in wholes:
            counts.failed("bi reader", f"half a tick: {query['kind']} saw {query['seen']}")


def hourly(start: datetime, count: int) -> list[datetime]:
    return [start + timedelta(hours=i) for i in range(count)]


def clock_text(clock: datetime) -> str:
    return clock.strftime("%Y-%m-%d %H:%M:%S")
