"""Smoke: the Dagster UI's server starts on the workspace and shows every journey."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
QUERY = """
{
  assetNodes { assetKey { path } groupName }
  repositoriesOrError {
    ... on RepositoryConnection { nodes { name schedules { name cronSchedule } } }
  }
}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_the_webserver_serves_the_asset_graph_and_a_schedule_per_journey(tmp_path: Path) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster_home/dagster.yaml", home / "dagster.yaml")
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "PYTHONPATH": str(REPO),
           "JOURNEYS_WAREHOUSE": str(tmp_path / "absent.duckdb")}
    server = subprocess.Popen(
        [str(BIN / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p",
         str(port)], cwd=REPO, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}/graphql"
        deadline, data = time.monotonic() + 120, None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                reply = httpx.post(url, json={"query": QUERY}, timeout=10).json()
                nodes = reply.get("data", {}).get("repositoriesOrError", {}).get("nodes")
                if nodes:
                    data = reply["data"]
                    break
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.5)
        assert data, "the webserver did not answer in time"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)

    journeys = sorted(p.stem for p in (REPO / "journey_specs").glob("[!_]*.yml"))
    groups = {node["groupName"] for node in data["assetNodes"]}
    keys = {"/".join(node["assetKey"]["path"]) for node in data["assetNodes"]}
    schedules = {s["name"] for repo in data["repositoriesOrError"]["nodes"]
                 for s in repo["schedules"]}
    assert set(journeys) <= groups
    assert {"dispatch", "journeys/due_actions", "warehouse/events"} <= keys
    assert {f"{j}_schedule" for j in journeys} <= schedules
