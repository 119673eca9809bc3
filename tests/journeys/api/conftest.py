"""A real `journeys serve` per test module, over a copy of the project and a small
synthetic warehouse, so a test may create, break and delete specs freely."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from journeys.demo.synthetic import generate_warehouse
from tests.project_copy import copy_project

KEY = "test-key-4f9c2a"
KEYS = f"ci:{KEY},alice:alice-key-77"
JOURNEYS = [sys.executable, "-m", "journeys.cli"]
REPO = Path(__file__).resolve().parents[3]


@dataclass
class Api:
    """A running server and where its project and warehouse are."""

    url: str
    root: Path
    warehouse: Path
    log: Path
    client: httpx.Client

    def cli(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
        """The `journeys` command on the same warehouse (cwd: the project root)."""
        env = {"PATH": "/usr/bin:/bin", "HOME": str(self.root), "PYTHONPATH": str(REPO),
               "JOURNEYS_WAREHOUSE": str(self.warehouse)}
        return subprocess.run([*JOURNEYS, *args], cwd=cwd or self.root, env=env,
                              capture_output=True, text=True, timeout=300)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"journeys serve exited: {log.read_text()}")
        try:
            if httpx.get(f"{url}/api/v1/openapi.json", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"journeys serve did not answer in 30 s: {log.read_text()}")


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """`journeys serve` on a free port of 127.0.0.1, started from a folder that is not the
    project (messages must name `journey_specs/<id>.yml` whatever the server's cwd)."""
    base = tmp_path_factory.mktemp("api")
    root = copy_project(base / "project")
    warehouse = base / "w.duckdb"
    generate_warehouse(warehouse, profiles=50, days=3, end=datetime(2026, 11, 1), seed=2)
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    port = free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(base),
           "JOURNEYS_API_KEYS": KEYS, "JOURNEYS_WAREHOUSE": str(warehouse),
           "JOURNEYS_PROJECT_ROOT": str(root), "PYTHONPATH": str(REPO)}  # this checkout
    log = base / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen([*JOURNEYS, "serve", "--port", str(port)], cwd=elsewhere,
                                  env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, server, log)
        with httpx.Client(base_url=f"{url}/api/v1", timeout=60,
                          headers={"Authorization": f"Bearer {KEY}"}) as client:
            yield Api(url, root, warehouse, log, client)
    finally:
        server.terminate()
        server.wait(timeout=10)
