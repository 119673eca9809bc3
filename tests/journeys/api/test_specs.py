"""Journeys and their specs over HTTP: listed with their state, created as drafts written to
journey_specs/<id>.yml, validated exactly as `journeys validate` validates the same file,
edited and deleted only as drafts; every refusal says what the CLI says."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import httpx
import pytest
import yaml

from journeys.api import create_app
from journeys.api.specs_io import spec_text
from journeys.settings import Settings
from journeys.validation.yaml_loader import load_yaml_text
from journeys.warehouse.lease import tick_lease
from tests.journeys.api.conftest import Api
from tests.project_copy import copy_project

SEEDS = {"event_upsell", "onboarding_nudge_test", "post_purchase", "re_engagement",
         "renewal_reminders", "welcome_series"}


def manual_journey(journey_id: str, **changes: object) -> dict:
    """A small valid spec: manual entry, one wait, one exit."""
    spec = {"id": journey_id, "name": journey_id.replace("_", " ").title(),
            "entry": {"manual": True},
            "tiles": {"start": {"type": "entry", "next": "wait_1d"},
                      "wait_1d": {"type": "wait", "duration": "1d", "next": "done"},
                      "done": {"type": "exit"}}}
    spec.update(changes)
    return spec


def cli_error(api: Api, *args: str) -> str:
    """The message `journeys ARGS` ends with (after "error: ")."""
    result = api.cli(*args)
    assert result.returncode == 1, result.stdout
    return result.stderr.strip().splitlines()[-1].removeprefix("error: ")


def test_every_journey_with_a_spec_file_is_listed_with_its_state(api: Api) -> None:
    listed = {j["id"]: j for j in api.client.get("/journeys").json()}
    assert SEEDS <= set(listed)
    assert listed["welcome_series"] == {"id": "welcome_series", "name": "Welcome Series",
                                        "state": "draft", "control_seq": 0, "changed_at": None,
                                        "actor": None}


@pytest.mark.parametrize("method, path", [
    ("GET", "/journeys/welcome_seres"), ("PUT", "/journeys/welcome_seres"),
    ("DELETE", "/journeys/welcome_seres"), ("POST", "/journeys/welcome_seres/activate"),
    ("POST", "/journeys/welcome_seres/validate"), ("GET", "/journeys/welcome_seres/stats"),
    ("POST", "/journeys/welcome_seres/members"),
    ("DELETE", "/journeys/welcome_seres/members/m0000001")])
def test_an_unknown_journey_is_404_with_the_cli_message_listing_the_journeys(
        api: Api, method: str, path: str) -> None:
    body = {"PUT": manual_journey("welcome_seres"),
            "POST": {"member_ids": ["m0000001"]}}.get(method)
    response = api.client.request(method, path, json=body)
    assert response.status_code == 404
    assert response.json() == {"detail": cli_error(api, "activate", "welcome_seres")}
    assert "(journeys: event_upsell, onboarding_nudge_test, post_purchase" in \
        response.json()["detail"]


def test_a_created_journey_is_a_draft_written_as_yaml_to_its_spec_file(api: Api) -> None:
    spec = manual_journey("vip_welcome")
    response = api.client.post("/journeys", json=spec)
    assert response.status_code == 201, response.text
    assert response.json() | {"spec": None} == {
        "id": "vip_welcome", "name": "Vip Welcome", "state": "draft", "control_seq": 0,
        "changed_at": None, "actor": None, "spec": None}
    written = api.root / "journey_specs" / "vip_welcome.yml"
    assert load_yaml_text(written.read_text()) == spec == response.json()["spec"]
    assert api.client.get("/journeys/vip_welcome").json()["spec"] == spec
    assert api.cli("validate").returncode == 0


def test_creating_a_journey_whose_id_exists_is_409(api: Api) -> None:
    response = api.client.post("/journeys", json=manual_journey("welcome_series"))
    assert response.status_code == 409
    assert response.json()["detail"].startswith("journey 'welcome_series' exists")


@pytest.mark.parametrize("journey_id", [None, "Bad-Id", 7, "_governance"])
def test_a_spec_whose_id_cannot_name_a_file_is_422(api: Api, journey_id: object) -> None:
    spec = manual_journey("x")
    spec["id"] = journey_id
    response = api.client.post("/journeys", json=spec)
    assert response.status_code == 422
    assert "names its file journey_specs/<id>.yml" in response.json()["detail"]


def test_spec_problems_are_422_with_the_messages_journeys_validate_prints_for_that_file(
        api: Api, tmp_path: Path) -> None:
    spec = manual_journey("broken_welcome", goal={"where": "lifetime_vlue > 100"})
    spec["tiles"]["wait_1d"]["next"] = "dnoe"
    spec["tiles"]["send"] = {"type": "action", "destination": "sendgird", "action": "send_email",
                             "template": "d-x", "next": "done"}
    spec["tiles"]["call"] = {"type": "sub_journey", "journey": "no_such_journey",
                             "next": "done"}
    response = api.client.post("/journeys", json=spec)
    assert response.status_code == 422
    body = response.json()

    other = copy_project(tmp_path / "cli")  # the same content, saved as a file
    (other / "journey_specs" / "broken_welcome.yml").write_text(spec_text(spec))
    printed = api.cli("validate", cwd=other).stderr.strip().splitlines()
    assert printed[-1] == f"error: {len(printed) - 1} problem(s)"
    assert body["problems"] == printed[:-1]
    assert len(body["problems"]) >= 4
    assert all(p.startswith("journey_specs/broken_welcome.yml: ") for p in body["problems"])
    assert body["detail"].startswith(f"{len(printed) - 1} problem(s): journey_specs/"
                                     "broken_welcome.yml was not written")
    assert not (api.root / "journey_specs" / "broken_welcome.yml").exists()


def test_the_other_specs_see_a_new_one(api: Api) -> None:
    assert api.client.post("/journeys", json=manual_journey("vip_child")).status_code == 201
    parent = manual_journey("vip_parent")
    parent["tiles"]["wait_1d"]["next"] = "handoff"
    parent["tiles"]["handoff"] = {"type": "sub_journey", "journey": "vip_child", "next": "done"}
    response = api.client.post("/journeys", json=parent)
    assert response.status_code == 201, response.text


def test_a_draft_is_replaced_but_a_live_journey_is_409_pause_edit_resume(api: Api) -> None:
    assert api.client.post("/journeys", json=manual_journey("vip_edit")).status_code == 201
    changed = manual_journey("vip_edit", name="VIP edit, second take")
    replaced = api.client.put("/journeys/vip_edit", json=changed)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["name"] == "VIP edit, second take"
    assert yaml.safe_load((api.root / "journey_specs" / "vip_edit.yml").read_text()) == changed

    assert api.client.post("/journeys/vip_edit/activate").status_code == 200
    refused = api.client.put("/journeys/vip_edit", json=manual_journey("vip_edit"))
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "journey 'vip_edit' is active: only a draft is edited through the API; to change a "
        "live journey, pause it, edit journey_specs/vip_edit.yml (reviewed in git), then "
        "resume it (`journeys pause vip_edit` … `journeys resume vip_edit`)")
    assert yaml.safe_load((api.root / "journey_specs" / "vip_edit.yml").read_text()) == changed


def test_replacing_a_spec_with_another_id_is_422(api: Api) -> None:
    response = api.client.put("/journeys/welcome_series", json=manual_journey("other_id"))
    assert response.status_code == 422
    assert response.json()["detail"].startswith(
        "the spec's id (\"other_id\") is not the journey 'welcome_series' of the path")


def test_activating_twice_is_409_with_the_cli_message(api: Api) -> None:
    assert api.client.post("/journeys", json=manual_journey("vip_twice")).status_code == 201
    first = api.client.post("/journeys/vip_twice/activate")
    assert first.status_code == 200
    assert (first.json()["state"], first.json()["actor"]) == ("active", "api:ci")
    again = api.client.post("/journeys/vip_twice/activate")
    assert again.status_code == 409
    assert again.json() == {"detail": cli_error(api, "activate", "vip_twice")}


def test_activating_a_journey_with_problems_is_422_with_the_messages_of_journeys_validate(
        api: Api) -> None:
    assert api.client.post("/journeys", json=manual_journey("vip_broken")).status_code == 201
    spec = api.root / "journey_specs" / "vip_broken.yml"
    spec.write_text(spec.read_text().replace("next: done", "next: dnoe"))
    try:
        refused = api.client.post("/journeys/vip_broken/activate")
        printed = api.cli("validate").stderr.splitlines()
    finally:
        spec.unlink()
    assert refused.status_code == 422
    assert refused.json() == {
        "detail": "1 problem(s): journey 'vip_broken' was not activated (fix them; `journeys "
                  "validate` lists them)",
        "problems": printed[:-1]}
    assert printed[:-1] == ["journey_specs/vip_broken.yml: tile 'wait_1d': next 'dnoe' is not "
                            "a tile (did you mean 'done'?)"]


def test_a_draft_is_deleted_with_its_file_and_a_live_journey_is_409(api: Api) -> None:
    assert api.client.post("/journeys", json=manual_journey("vip_gone")).status_code == 201
    assert api.client.delete("/journeys/vip_gone").status_code == 204
    assert not (api.root / "journey_specs" / "vip_gone.yml").exists()
    assert api.client.get("/journeys/vip_gone").status_code == 404

    assert api.client.post("/journeys", json=manual_journey("vip_kept")).status_code == 201
    assert api.client.post("/journeys/vip_kept/activate").status_code == 200
    refused = api.client.delete("/journeys/vip_kept")
    assert refused.status_code == 409
    assert "only a draft is deleted through the API; archive it" in refused.json()["detail"]
    assert (api.root / "journey_specs" / "vip_kept.yml").exists()


def test_validate_reports_the_spec_file_as_it_is_like_journeys_validate(api: Api) -> None:
    assert api.client.post("/journeys/welcome_series/validate").json() == {
        "valid": True, "problems": []}
    assert api.client.post("/journeys", json=manual_journey("vip_hand_edited")).status_code \
        == 201
    spec = api.root / "journey_specs" / "vip_hand_edited.yml"
    spec.write_text(spec.read_text().replace("next: done", "next: dnoe")
                    .replace("duration: 1d", "duration: 1 day"))
    report = api.client.post("/journeys/vip_hand_edited/validate").json()
    printed = api.cli("validate", "journey_specs/vip_hand_edited.yml").stderr.splitlines()
    assert report == {"valid": False, "problems": printed[:-1]}
    assert len(report["problems"]) == 2
    spec.unlink()


def test_a_tick_holding_the_warehouse_is_503_with_retry_after(api: Api) -> None:
    assert api.client.post("/journeys", json=manual_journey("vip_busy")).status_code == 201
    with tick_lease(api.warehouse, "journeys run", datetime(2026, 10, 31, 10)):
        response = api.client.post("/journeys/vip_busy/activate")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "is busy with journeys run" in response.json()["detail"]
    assert api.client.post("/journeys/vip_busy/activate").status_code == 200


def test_a_missing_warehouse_is_503_with_the_cli_message(api: Api) -> None:
    missing = api.root / "absent.duckdb"
    app = create_app(Settings(project_root=api.root, warehouse=missing), {"k": "ci"})

    async def activate() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://api", headers={"X-API-Key": "k"}) as c:
            return await c.post("/api/v1/journeys/welcome_series/activate")

    response = asyncio.run(activate())
    assert response.status_code == 503
    assert response.json() == {"detail": f"no warehouse at {missing}: run `journeys demo` "
                                         "(or a tick) first, or set JOURNEYS_WAREHOUSE"}
    assert not missing.exists()


def test_malformed_json_is_422_not_500(api: Api) -> None:
    response = api.client.post("/journeys", content=b"{not json",
                               headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("malformed request: ")
    assert httpx.codes.is_client_error(api.client.post("/journeys", json=[1, 2]).status_code)


def test_a_process_holding_the_warehouse_file_fails_no_read_and_is_named_to_a_write(
        api: Api) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
         "print('open', flush=True); time.sleep(60)", str(api.warehouse)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        listed = api.client.get("/journeys")
        journey_id = listed.json()[0]["id"]
        change = api.client.post(f"/journeys/{journey_id}/activate", timeout=60)
    finally:
        holder.kill()
        holder.wait()
    assert listed.status_code == 200  # reads answer from the reader copy
    assert change.status_code == 503
    assert change.headers["Retry-After"] == "5"
    detail = change.json()["detail"]
    assert detail.startswith(f"the warehouse {api.warehouse} is held by ")
    assert f"(pid {holder.pid}), outside journeys: close that connection" in detail
    assert api.client.post(f"/journeys/{journey_id}/activate").status_code == 200


@pytest.mark.parametrize("text", ["id: odd\n1: one\nwhen: 2026-03-01\n", "- a list\n",
                                  "id: [unclosed\n", "ratio: .nan\n"])
def test_a_hand_edited_spec_is_shown_as_json_or_null_never_500(api: Api, text: str) -> None:
    spec = api.root / "journey_specs" / "hand_made.yml"
    spec.write_text(text)
    try:
        response = api.client.get("/journeys/hand_made")
        listed = api.client.get("/journeys")
        checked = api.client.post("/journeys/hand_made/validate")
        stats = api.client.get("/journeys/hand_made/stats")
    finally:
        spec.unlink()
    assert response.status_code == 200 and listed.status_code == 200
    assert checked.status_code == 200 and checked.json()["valid"] is False
    assert stats.status_code == 422 and stats.json()["problems"] == checked.json()["problems"]
    if text.startswith("id: odd"):
        assert response.json()["spec"] == {"id": "odd", "1": "one", "when": "2026-03-01"}
    else:
        assert response.json()["spec"] is None
