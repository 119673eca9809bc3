"""A journey's life through the API, with real ticks in between: created, validated,
activated, members put in by hand, one tick, the numbers showing them; a member taken out,
another tick; the audit trail naming the API key; no member id in the server's log."""

from __future__ import annotations

from tests.journeys.api.conftest import Api
from tests.journeys.api.test_specs import manual_journey

J = "vip_onboarding"
MEMBERS = ["m0000001", "m0000002", "m0000003"]


def tick(api: Api, at: str) -> None:
    result = api.cli("run", "--at", at, "--engine", "inprocess")
    assert result.returncode == 0, result.stderr


def test_create_validate_activate_enter_tick_and_read_the_numbers(api: Api) -> None:
    client = api.client
    created = client.post("/journeys", json=manual_journey(J))
    assert created.status_code == 201, created.text
    assert client.post(f"/journeys/{J}/validate").json() == {"valid": True, "problems": []}

    early = client.post(f"/journeys/{J}/members", json={"member_ids": MEMBERS})
    assert early.status_code == 409
    assert early.json() == {"detail": f"journey '{J}' is draft: members enter only an active "
                                      f"journey; activate it first (`journeys activate {J}`)"}

    activated = client.post(f"/journeys/{J}/activate")
    assert activated.status_code == 200, activated.text
    assert (activated.json()["state"], activated.json()["actor"]) == ("active", "api:ci")

    entered = client.post(f"/journeys/{J}/members", json={
        "member_ids": [*MEMBERS, "nobody_1"], "requested_at": "2026-10-31T09:30:00Z"})
    assert entered.status_code == 200, entered.text
    assert entered.json() == {"recorded": MEMBERS, "unknown": ["nobody_1"],
                              "requested_at": "2026-10-31T09:30:00"}

    tick(api, "2026-10-31T10:00:00Z")
    stats = client.get(f"/journeys/{J}/stats").json()
    assert (stats["state"], stats["ticked"]) == ("active", True)
    assert stats["metrics"]["entered"] == 3 and stats["metrics"]["active"] == 3
    assert {t["tile_id"]: t["active"] for t in stats["tiles"]}["wait_1d"] == 3

    removed = client.delete(f"/journeys/{J}/members/m0000002",
                            params={"requested_at": "2026-10-31T10:15:00Z"})
    assert removed.status_code == 200, removed.text
    assert removed.json()["recorded"] == ["m0000002"]
    tick(api, "2026-10-31T11:00:00Z")
    metrics = client.get(f"/journeys/{J}/stats").json()["metrics"]
    assert (metrics["entered"], metrics["active"], metrics["exited_early"]) == (3, 2, 1)

    paused = client.post(f"/journeys/{J}/pause", headers={"Authorization": "Bearer "
                                                                           "alice-key-77"})
    assert (paused.json()["state"], paused.json()["actor"]) == ("paused", "api:alice")
    listed = {j["id"]: j for j in client.get("/journeys").json()}[J]
    assert (listed["state"], listed["control_seq"], listed["actor"]) == ("paused", 2,
                                                                         "api:alice")
    assert client.post(f"/journeys/{J}/resume").json()["state"] == "active"
    assert client.post(f"/journeys/{J}/archive").json()["state"] == "archived"


def test_bad_membership_requests_are_422_with_what_to_do(api: Api) -> None:
    client = api.client
    for body, message in (
            ({"member_ids": []}, "malformed request: body.member_ids: List should have at "
                                 "least 1 item"),
            ({"member_ids": ["m0000001"], "requested_at": "yesterday"},
             "'yesterday' is not a timestamp: write ISO 8601, e.g. 2026-03-01T09:00:00Z")):
        response = client.post("/journeys/welcome_series/members", json=body)
        assert response.status_code == 422
        assert response.json()["detail"].startswith(message)


def test_member_ids_never_reach_the_server_log(api: Api) -> None:
    api.client.delete("/journeys/welcome_series/members/m0000042")
    log = api.log.read_text()
    assert "DELETE /api/v1/journeys/{journey_id}/members/{member_id} 409" in log
    assert not any(m in log for m in [*MEMBERS, "nobody_1", "m0000042"])
