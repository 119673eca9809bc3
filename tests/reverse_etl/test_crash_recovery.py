"""Crash injection: a dispatcher killed with SIGKILL at a named point, then restarted.

Each trial seeds 1,000 due actions, starts a real dispatcher subprocess that kills itself
the N-th time it reaches a random point (``before_request``, ``after_request``,
``after_log``), then runs a second dispatch to the end. The receiving server counts what
arrived. After the restart no action is lost (every one has a final status); under
at-most-once none arrives twice; under at-least-once everything arrives, and a duplicate is
always the same action under the same idempotency key.

CI runs a few trials per policy; ``--crash-trials 200`` runs the issue's full count.
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from reverse_etl.delivery_log import FINAL
from reverse_etl.run import run_dispatch
from tests.reverse_etl.fakes import FakeWebhook
from tests.reverse_etl.warehouse_support import final_statuses, project, seed_actions

SECRET = "whsec-crash-test"
ACTIONS = 1000
POINTS = ("before_request", "after_request", "after_log")
ROUND = 100


def _trial(tmp_path: Path, server: FakeWebhook, delivery: str, seed: int) -> None:
    rng = random.Random(seed)
    point = rng.choice(POINTS)
    nth = rng.randint(1, ACTIONS if point != "after_log" else ACTIONS // ROUND)
    root = tmp_path / f"trial{seed}"
    settings = project(root, {"hooks": {
        "type": "webhook", "url": server.url, "secret": {"env": "HOOK_SECRET"},
        "delivery": delivery, "concurrency": 8}})
    ids = seed_actions(settings.warehouse, ACTIONS, journey_id=f"j{seed}")
    server.reset()
    crashed = subprocess.run(
        [sys.executable, "-m", "tests.reverse_etl.crash_dispatcher", str(root),
         str(settings.warehouse), point, str(nth), str(ROUND)],
        cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=300)
    assert crashed.returncode == -9, (point, nth, crashed.stderr[-2000:])
    run_dispatch(settings, round_size=ROUND)

    statuses = final_statuses(settings.warehouse)
    trial = f"trial {seed}: killed at {point} #{nth}"
    assert set(statuses) == set(ids), f"{trial}: actions lost"
    assert set(statuses.values()) <= FINAL, trial
    arrived = server.deliveries
    assert set(arrived) <= set(ids), trial
    if delivery == "at_most_once":
        assert max(arrived.values(), default=0) <= 1, f"{trial}: sent twice"
        for action_id, status in statuses.items():
            if status == "sent":
                assert arrived[action_id] == 1, f"{trial}: {action_id} logged sent, not arrived"
            else:
                assert status == "unknown", f"{trial}: {action_id} {status}"
    else:
        assert set(statuses.values()) == {"sent"}, trial
        assert all(arrived[i] >= 1 for i in ids), f"{trial}: not delivered"
        for record in server.requests:
            keys = server.keys_of_request(record)
            assert keys == (record.headers["webhook-id"],), trial


@pytest.fixture(scope="module")
def server():
    with FakeWebhook(SECRET) as hook:
        yield hook


@pytest.mark.parametrize("delivery", ["at_most_once", "at_least_once"])
def test_a_killed_dispatcher_loses_nothing_and_duplicates_only_as_its_policy_allows(
        tmp_path: Path, server: FakeWebhook, delivery: str, crash_trials: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    offset = 0 if delivery == "at_most_once" else 10_000
    for seed in range(offset, offset + max(1, (crash_trials + 1) // 2)):
        _trial(tmp_path, server, delivery, seed)
