"""API keys (JOURNEYS_API_KEYS): no key or a wrong one is 401 with a challenge; a right
one, as a bearer token or an X-API-Key header, is let in; the server needs keys to start."""

from __future__ import annotations

import subprocess

import httpx
import pytest

from tests.journeys.api.conftest import JOURNEYS, KEY, Api


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-key"},
                                     {"X-API-Key": "wrong-key"},
                                     {"Authorization": "Basic dGVzdDp0ZXN0"}],
                         ids=["none", "wrong bearer", "wrong header", "not bearer"])
def test_a_request_without_a_right_key_is_401_with_a_bearer_challenge(
        api: Api, headers: dict[str, str]) -> None:
    response = httpx.get(f"{api.url}/api/v1/journeys", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "Authorization: Bearer <key>" in response.json()["detail"]


def test_a_right_key_is_let_in_as_a_bearer_token_or_an_api_key_header(api: Api) -> None:
    for headers in ({"Authorization": f"Bearer {KEY}"}, {"X-API-Key": KEY}):
        response = httpx.get(f"{api.url}/api/v1/journeys", headers=headers)
        assert response.status_code == 200, response.text
        assert "welcome_series" in {j["id"] for j in response.json()}


def test_the_openapi_document_and_docs_are_public_and_declare_the_bearer_scheme(
        api: Api) -> None:
    document = httpx.get(f"{api.url}/api/v1/openapi.json").json()
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert {"HTTPBearer": []} in document["paths"]["/api/v1/journeys"]["get"]["security"]
    assert httpx.get(f"{api.url}/api/v1/docs").status_code == 200


def test_keys_are_never_logged(api: Api) -> None:
    httpx.get(f"{api.url}/api/v1/journeys", headers={"Authorization": f"Bearer {KEY}"})
    httpx.get(f"{api.url}/api/v1/journeys", headers={"Authorization": "Bearer guess-123"})
    log = api.log.read_text()
    assert "GET /api/v1/journeys 200" in log
    assert KEY not in log and "guess-123" not in log and "alice-key-77" not in log


@pytest.mark.parametrize("keys", [None, "", " , "], ids=["unset", "empty", "blank"])
def test_serve_refuses_to_start_without_keys(tmp_path, keys: str | None) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    if keys is not None:
        env["JOURNEYS_API_KEYS"] = keys
    result = subprocess.run([*JOURNEYS, "serve", "--port", "1"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: JOURNEYS_API_KEYS is not set: the API needs at least one key, e.g. "
        "JOURNEYS_API_KEYS=ci:<a long random key> (comma-separated name:key pairs)"]
