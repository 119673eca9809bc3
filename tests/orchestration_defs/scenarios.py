"""Dagster tick scenarios run in a subprocess against a copy of the project.

The code location is loaded once per process from ``JOURNEYS_PROJECT_ROOT``, so scenarios
that change the project (a failing or slow model) run here, in a process of their own:
``python -m tests.orchestration_defs.scenarios <scenario> <clock>``. Prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import dagster as dg

from journeys.settings import load_settings
from journeys.warehouse.lease import lease_path


def _run(job_name: str, clock: str, wait_s: float) -> dict:
    from orchestration_defs.definitions import defs

    instance = dg.DagsterInstance.ephemeral()
    result = defs.resolve_job_def(job_name).execute_in_process(
        run_config={"resources": {"tick_clock": {"config": {"at": clock,
                                                            "wait_seconds": wait_s}}}},
        instance=instance, raise_on_error=False)
    return _summary(result, [entry.user_message for entry in
                             instance.all_logs(result.run_id)])


def _summary(result: dg.ExecuteInProcessResult, messages: list[str]) -> dict:
    keys = [e.asset_key.to_user_string() for e in result.all_events
            if e.event_type_value == "ASSET_MATERIALIZATION"]
    metadata = {e.asset_key.to_user_string(): {k: str(getattr(v, "value", v))[:200]
                                               for k, v in e.materialization.metadata.items()}
                for e in result.get_asset_materialization_events()}
    return {"success": result.success, "materialized": keys, "metadata": metadata,
            "skipped": [m for m in messages if "tick skipped" in m],
            "rolled_back": [m for m in messages if "rolled back" in m]}


def _held_by_dagster(lease: Path) -> bool:
    """Whether a Dagster run holds the lease (a reader refreshing the reader copy may hold it
    briefly before the first tick does)."""
    try:
        return json.loads(lease.read_text() or "{}").get("holder", "").startswith("dagster run")
    except (OSError, ValueError):
        return False


def overlap(clock: str) -> dict:
    """A tick of welcome_series holds the warehouse; a tick of post_purchase starts."""
    first: dict = {}
    thread = threading.Thread(target=lambda: first.update(
        _run("tick_welcome_series", clock, 0)))
    thread.start()
    lease = lease_path(load_settings().warehouse)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not _held_by_dagster(lease):
        time.sleep(0.05)
    second = _run("tick_post_purchase", clock, 0.5)
    thread.join()
    return {"first": first, "second": second}


def single(clock: str) -> dict:
    return _run("tick_welcome_series", clock, 0)


if __name__ == "__main__":
    scenario, at = sys.argv[1], sys.argv[2]
    print(json.dumps({"overlap": overlap, "single": single}[scenario](at)))
