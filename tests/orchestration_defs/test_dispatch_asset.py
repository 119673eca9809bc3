"""The Dagster dispatch asset sends the due actions and reports its counts as metadata."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from orchestration_defs.reverse_etl.assets import dispatch
from orchestration_defs.ticks.clock import TickClock
from tests.reverse_etl.fakes import FakeWebhook
from tests.reverse_etl.warehouse_support import final_statuses, project, seed_actions

SECRET = "whsec-dagster"


def _materialize(settings, monkeypatch: pytest.MonkeyPatch) -> dg.ExecuteInProcessResult:
    monkeypatch.setenv("JOURNEYS_PROJECT_ROOT", str(settings.project_root))
    monkeypatch.setenv("JOURNEYS_WAREHOUSE", str(settings.warehouse))
    return dg.materialize([dispatch], resources={
        "tick_clock": TickClock(at="2026-03-01 09:00:00", wait_seconds=0)},
        raise_on_error=False)


def test_the_dispatch_asset_sends_and_reports_counts_per_status(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    with FakeWebhook(SECRET) as hook:
        settings = project(tmp_path, {"hooks": {"type": "webhook", "url": hook.url,
                                                "secret": {"env": "HOOK_SECRET"}}})
        ids = seed_actions(settings.warehouse, 12, exited=[0])
        result = _materialize(settings, monkeypatch)
        assert result.success
        assert set(hook.deliveries) == set(ids[1:])
    metadata = result.asset_materializations_for_node("dispatch")[0].metadata
    assert metadata["status/sent"].value == 11
    assert metadata["status/suppressed"].value == 1
    assert metadata["destination/hooks/sent"].value == 11
    assert final_statuses(settings.warehouse)[ids[0]] == "suppressed"


def test_a_missing_secret_fails_the_step_naming_the_variable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOOK_SECRET", raising=False)
    settings = project(tmp_path, {"hooks": {"type": "webhook", "url": "http://127.0.0.1:9/h",
                                            "secret": {"env": "HOOK_SECRET"}}})
    seed_actions(settings.warehouse, 2)
    result = _materialize(settings, monkeypatch)
    assert not result.success
    failure = result.failure_data_for_node("dispatch")
    assert "HOOK_SECRET (destination 'hooks')" in str(failure.error.message)
