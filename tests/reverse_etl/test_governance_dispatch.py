"""Governance at dispatch (C9): what the tick released is checked again against the profile
and the suppression list as they are when dispatch runs; every outcome is a delivery_log
row. Real ticks of the compiled engine, a real dispatch to a SendGrid-shaped server."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
import yaml

from journeys.spec.governance import GovernanceSpec
from journeys.validation.governance_file import GOVERNANCE_FILE
from reverse_etl.run import run_dispatch
from tests.journeys.engine_harness import Engine, World
from tests.journeys.test_governance import enter, journey
from tests.reverse_etl.fakes import FakeSendgrid
from tests.reverse_etl.warehouse_support import log_rows, project

AT = datetime(2026, 3, 2, 10)
MEMBERS = ("stays", "withdraws", "listed_later", "night_owl")


@pytest.fixture
def sendgrid(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SG_KEY", "SG.fake-api-key")
    with FakeSendgrid() as server:
        yield server


def _ticked(tmp_path: Path, server: FakeSendgrid,
            quiet: tuple[str, ...] = ("sms",)) -> tuple[Path, object]:
    """Members opted in to email; journey 'mail' emails them at 10:00; the tick releases
    every email; 'night_owl' also gets an SMS at 22:00 (quiet hours)."""
    warehouse = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    world = World(profiles=[{"member_id": m, "email": f"{m}@example.com", "phone": "+15550001",
                             "email_opt_in": True, "sms_opt_in": True} for m in MEMBERS],
                  manual_entries=[*[enter("mail", m, AT) for m in MEMBERS],
                                  enter("sms", "night_owl", datetime(2026, 3, 2, 22)),
                                  enter("late_mail", "night_owl", datetime(2026, 3, 2, 22))])
    settings = project(tmp_path, {"d": {
        "type": "sendgrid", "api_key": {"env": "SG_KEY"}, "base_url": server.base_url,
        "from": {"email": "hello@example.com"}}}, warehouse)
    written = {"consent": {"email": "email_opt_in", "sms": "sms_opt_in"},
               "suppression": {"model": "do_not_contact"},
               "quiet_hours": {"channels": quiet, "between": "21:00-08:00"}}
    (tmp_path / GOVERNANCE_FILE).write_text(yaml.safe_dump(written))
    governance = GovernanceSpec.model_validate(written)
    con.execute("create table main.do_not_contact (member_id varchar)")
    engine = Engine([journey("mail"), journey("sms", "send_sms"), journey("late_mail")], world,
                    con=con, governance=governance)
    engine.tick(AT, datetime(2026, 3, 2, 22))
    return warehouse, (engine, con, settings)


def _sent_to(server: FakeSendgrid) -> set[str]:
    return {p["to"][0]["email"] for r in server.requests
            for p in json.loads(r.body)["personalizations"]}


def test_consent_withdrawn_or_a_suppression_added_after_the_tick_stops_the_send(
        tmp_path: Path, sendgrid: FakeSendgrid) -> None:
    warehouse, (engine, con, settings) = _ticked(tmp_path, sendgrid)
    assert {r["outcome"] for r in engine.governed() if r["journey_id"] == "mail"} == {"send"}
    # after the tick, before the dispatch
    con.execute("update main.profiles set email_opt_in = false where member_id = 'withdraws'")
    con.execute("insert into main.do_not_contact values ('listed_later')")
    con.close()
    summary = run_dispatch(settings)
    assert _sent_to(sendgrid) == {"stays@example.com", "night_owl@example.com"}
    latest = {(r["member_id"], r["tile_id"], r["action"]): (r["status"], r["reason"])
              for r in log_rows(warehouse)}
    assert latest[("withdraws", "send", "send_email")] == ("suppressed", "consent")
    assert latest[("listed_later", "send", "send_email")] == ("suppressed", "suppression_list")
    assert latest[("stays", "send", "send_email")] == ("sent", None)
    # the SMS at 22:00 was deferred by quiet hours: logged once, not sent yet
    assert latest[("night_owl", "send", "send_sms")] == ("deferred", "quiet_hours")
    assert summary.reasons == {("suppressed", "consent"): 1,
                               ("suppressed", "suppression_list"): 1,
                               ("deferred", "quiet_hours"): 1}


def test_every_governance_outcome_is_one_delivery_log_row(tmp_path: Path,
                                                          sendgrid: FakeSendgrid) -> None:
    warehouse, (engine, con, settings) = _ticked(tmp_path, sendgrid)
    con.execute("update main.profiles set email_opt_in = false where member_id = 'withdraws'")
    con.close()
    run_dispatch(settings)
    run_dispatch(settings)  # nothing new: nothing logged twice
    rows = log_rows(warehouse)
    per_action: dict[str, list[str]] = {}
    for row in rows:
        per_action.setdefault(row["action_id"], []).append(row["status"])
    assert sorted(per_action.values()) == sorted(
        [["sent"]] * 4 + [["suppressed"]] + [["deferred"]])


def test_removing_governance_releases_what_it_held_deferred(tmp_path: Path,
                                                           sendgrid: FakeSendgrid) -> None:
    # the 22:00 email of 'late_mail' is held by quiet hours on email; then the project
    # drops _governance.yml: the next dispatch sends it instead of stranding it
    warehouse, (engine, con, settings) = _ticked(tmp_path, sendgrid, quiet=("sms", "email"))
    con.close()
    run_dispatch(settings)
    assert "night_owl@example.com" in _sent_to(sendgrid)  # its 10:00 email
    late = [r for r in log_rows(warehouse) if r["journey_id"] == "late_mail"]
    assert [(r["status"], r["reason"]) for r in late] == [("deferred", "quiet_hours")]
    (tmp_path / GOVERNANCE_FILE).unlink()
    run_dispatch(settings)
    late = [r for r in log_rows(warehouse) if r["journey_id"] == "late_mail"]
    assert [r["status"] for r in late] == ["deferred", "sent"]
