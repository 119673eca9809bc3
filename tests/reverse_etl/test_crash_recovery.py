"""Crash injection: a real dispatcher process ``kill -9``-ed at a random moment, then
restarted, against a real webhook receiver on 127.0.0.1.

Each trial seeds 120 due actions (rounds of 40), starts the dispatcher as a process of its
own (:mod:`tests.reverse_etl.crash_dispatcher`) and kills it once or
twice (mostly when the receiver has seen a random number of requests, sometimes after a
random delay, which may fall in start-up or in the recovery of the previous kill), then
finishes with a dispatch run to the end. What may be uncertain after a crash is what was
in flight at the kill, no more. "In flight" is measured, not assumed, twice:

- the warehouse's intents without an outcome, read right after the kill (before anyone
  recovers): these must be at most the destination's ``concurrency``;
- the receiver's requests not yet answered when the kill was sent: each must be one of
  those intents (a request never leaves before its intent is committed).

Then, under at-most-once, ``unknown`` actions are at most the intents in flight, nothing
arrived twice, and what arrived is exactly the ``sent`` actions plus some of the
``unknown`` ones; under at-least-once everything is ``sent``, only actions in flight at a
kill arrived more than once (at most as many extra arrivals as requests in flight), and
every arrival carried the action's own key. Every other action arrived exactly once.

CI runs 20 trials; ``JOURNEYS_CRASH_TRIALS=1000`` (or ``--crash-trials 1000``) the full
count, printing the figures (``-s`` shows them).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.context import ForkServerContext
from pathlib import Path

import duckdb
import pytest

from journeys.warehouse.catalog import table_exists
from reverse_etl import intents
from reverse_etl.run import run_dispatch
from tests.reverse_etl import crash_dispatcher
from tests.reverse_etl.fakes import FakeWebhook
from tests.reverse_etl.warehouse_support import final_statuses, project, seed_actions

SECRET = "whsec-crash-test"
ACTIONS = 120
ROUND = 40
CONCURRENCY = 4
LATENCY_S = 0.002


@dataclass
class Kill:
    """One ``kill -9``: what was in flight, seen by the warehouse and by the receiver."""

    intents: set[str]
    unanswered: set[str]


@dataclass
class Trial:
    seed: int
    kills: list[Kill] = field(default_factory=list)
    unknown: int = 0
    duplicates: int = 0

    @property
    def in_flight(self) -> int:
        return sum(len(k.intents) for k in self.kills)


def _in_flight(warehouse: Path) -> set[str]:
    """The actions of intents without an outcome, as the kill left the warehouse."""
    con = duckdb.connect(str(warehouse))
    try:
        if not all(table_exists(con, "journeys_internal", t)
                   for t in ("dispatch_intents", "dispatch_outcomes")):  # killed before them
            return set()
        return {action_id for action_id, _ in intents.in_flight(con)}
    finally:
        con.close()


def _kill_once(ctx: ForkServerContext, root: Path, warehouse: Path, server: FakeWebhook,
               rng: random.Random) -> Kill | None:
    """Start a dispatcher process and ``kill -9`` it; None if it finished first."""
    seen = len(server.requests)
    left = ACTIONS - len(server.deliveries)
    by_time = rng.random() < 0.2 or left < 10
    target = seen + rng.randint(1, max(1, left - 5))
    delay = rng.uniform(0.0, 0.5)
    started = time.monotonic()
    process = crash_dispatcher.start(ctx, root, warehouse, ROUND)
    while process.is_alive():
        if (time.monotonic() - started >= delay) if by_time else len(server.requests) >= target:
            signalled = time.monotonic()
            os.kill(process.pid, signal.SIGKILL)
            break
        time.sleep(0.0005)
    process.join(timeout=120)
    if process.exitcode == 0:
        return None
    assert process.exitcode == -signal.SIGKILL, f"the dispatcher failed: {process.exitcode}"
    deadline = time.monotonic() + 2
    while any(r.responded_at is None for r in server.requests) and time.monotonic() < deadline:
        time.sleep(0.005)  # let the receiver finish what the dead process had sent
    unanswered = {key for r in server.requests
                  if r.responded_at is None or r.responded_at >= signalled for key in r.keys}
    return Kill(_in_flight(warehouse), unanswered)


def run_trial(ctx: ForkServerContext, tmp_path: Path, server: FakeWebhook, delivery: str,
              seed: int) -> Trial:
    rng = random.Random(seed)
    root = tmp_path / f"trial{seed}"
    settings = project(root, {"hooks": {
        "type": "webhook", "url": server.url, "secret": {"env": "HOOK_SECRET"},
        "delivery": delivery, "concurrency": CONCURRENCY}})
    ids = seed_actions(settings.warehouse, ACTIONS, journey_id=f"j{seed}")
    server.reset()
    trial = Trial(seed)
    for _ in range(rng.choice((1, 2))):
        if (kill := _kill_once(ctx, root, settings.warehouse, server, rng)) is not None:
            trial.kills.append(kill)
    run_dispatch(settings, round_size=ROUND)

    said = (f"trial {seed} ({delivery}), in flight at each kill (intents, unanswered): "
            f"{[(len(k.intents), len(k.unanswered)) for k in trial.kills]}")
    statuses = final_statuses(settings.warehouse)
    arrived = server.deliveries
    in_flight = set().union(*(k.intents for k in trial.kills))
    assert set(statuses) == set(ids), f"{said}: actions lost"
    assert set(arrived) <= set(ids), said
    for kill in trial.kills:
        assert len(kill.intents) <= CONCURRENCY, f"{said}: more in flight than concurrency"
        assert kill.unanswered <= kill.intents, f"{said}: a request left without its intent"
    for record in server.requests:
        assert record.keys == (record.headers["webhook-id"],), f"{said}: key changed"
    unknown = {a for a, s in statuses.items() if s == "unknown"}
    sent = {a for a, s in statuses.items() if s == "sent"}
    trial.unknown = len(unknown)
    trial.duplicates = sum(n - 1 for n in arrived.values())
    if delivery == "at_most_once":
        assert sent | unknown == set(ids), f"{said}: {Counter(statuses.values())}"
        assert unknown <= in_flight, f"{said}: {len(unknown)} unknown"
        assert max(arrived.values(), default=0) <= 1, f"{said}: sent twice"
        assert set(arrived) == sent | (unknown & set(arrived)), f"{said}: sink ≠ log"
    else:
        assert sent == set(ids), f"{said}: {Counter(statuses.values())}"
        assert set(arrived) == set(ids), f"{said}: not delivered"
        twice = {a for a, n in arrived.items() if n > 1}
        assert twice <= in_flight, f"{said}: duplicates outside the requests in flight"
        assert trial.duplicates <= trial.in_flight, f"{said}: {trial.duplicates} duplicates"
    shutil.rmtree(root)
    return trial


@pytest.fixture(scope="module")
def server():
    with FakeWebhook(SECRET, latency_s=LATENCY_S) as hook:
        yield hook


@pytest.mark.parametrize("delivery", ["at_most_once", "at_least_once"])
def test_after_a_kill_only_the_requests_in_flight_are_uncertain(
        tmp_path: Path, server: FakeWebhook, delivery: str, crash_trials: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    offset = 0 if delivery == "at_most_once" else 100_000
    began = time.monotonic()
    ctx = crash_dispatcher.context()
    trials = [run_trial(ctx, tmp_path, server, delivery, seed)
              for seed in range(offset, offset + max(1, (crash_trials + 1) // 2))]
    kills = [k for t in trials for k in t.kills]
    print(f"\n{delivery}: {len(trials)} trials, {len(kills)} kills in "
          f"{time.monotonic() - began:.0f} s; max unknown {max(t.unknown for t in trials)}, "
          f"max duplicates {max(t.duplicates for t in trials)}, max in flight per trial "
          f"{max(t.in_flight for t in trials)}, per kill "
          f"{max((len(k.intents) for k in kills), default=0)} (concurrency {CONCURRENCY}); "
          f"max unanswered at the receiver per kill "
          f"{max((len(k.unanswered) for k in kills), default=0)}")
    assert len(kills) >= len(trials) // 2, "the dispatcher finished before most kills"
