"""Oversized and hostile requests get a 4xx naming what is wrong, never a 500 and never a
body read whole (issue 21): bodies over 1 MB (declared or chunked), ids of 10,000
characters, lone surrogates, specs and conditions nested thousands deep, 990 tiles."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from journeys.api import create_app
from journeys.settings import Settings
from tests.journeys.api.conftest import KEY, Api
from tests.journeys.api.test_specs import manual_journey
from tests.project_copy import copy_project


def raw_request(api: Api, head: str, body_parts: list[bytes]) -> tuple[str, bytes, float]:
    """Send a request by hand (to declare a length it does not send, or send chunks);
    return the status line, the rest of the answer, and the seconds it took."""
    host, port = api.url.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=20) as conn:
        conn.sendall(head.encode())
        for part in body_parts:
            try:
                conn.sendall(part)
            except (BrokenPipeError, ConnectionResetError):
                break  # the server answered and closed: it did not read the rest
        answer = b""
        while not _complete(answer):
            chunk = conn.recv(65536)
            if not chunk:
                break
            answer += chunk
    status, _, rest = answer.partition(b"\r\n")
    return status.decode(), rest, time.monotonic() - started


def _complete(answer: bytes) -> bool:
    """Whether the headers and the Content-Length bytes of the body have arrived."""
    head, found, body = answer.partition(b"\r\n\r\n")
    if not found:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def _head(extra: str) -> str:
    return (f"POST /api/v1/journeys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n"
            f"Content-Type: application/json\r\n{extra}\r\n")


def test_a_60_mb_body_is_refused_with_413_before_it_is_read(api: Api) -> None:
    status, _, took = raw_request(api, _head("Content-Length: 60000000\r\n"), [b"{" * 1000])
    assert status.startswith("HTTP/1.1 413 ")
    assert took < 10  # answered without waiting for the 60 MB that never come


def test_a_chunked_body_is_counted_and_refused_past_1_mb(api: Api) -> None:
    chunk = b" " * 65536
    framed = [f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"] * 40  # 2.6 MB, no length
    status, rest, _ = raw_request(api, _head("Transfer-Encoding: chunked\r\n"), framed)
    assert status.startswith("HTTP/1.1 413 ")
    detail = json.loads(rest.partition(b"\r\n\r\n")[2])["detail"]
    assert detail.startswith("the request body is larger than 1,000,000 bytes (1 MB)")


def test_an_id_of_10000_characters_is_422_not_a_file_name_too_long(api: Api) -> None:
    answer = api.client.post("/journeys", json=manual_journey("a" * 10_000))
    assert answer.status_code == 422
    assert answer.json()["detail"] == (
        "the spec's id: it is 10,000 characters long: at most 64 (lowercase letters, digits "
        "and '_'); the id names its file journey_specs/<id>.yml")
    assert api.client.get("/journeys/" + "a" * 10_000).status_code == 404


def test_a_lone_surrogate_is_422_naming_the_field(api: Api) -> None:
    body = json.dumps(manual_journey("surrogate_name", name="\ud800"))  # JSON: "\\ud800"
    answer = api.client.post("/journeys", content=body,
                             headers={"Content-Type": "application/json"})
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("name: holds a lone surrogate (\\ud800)")


@pytest.mark.parametrize("nested", [900, 3000])
def test_a_spec_nested_thousands_deep_is_422(api: Api, nested: int) -> None:
    body = '{"id": "deep_spec", "name": ' + "[" * nested + "]" * nested + "}"
    answer = api.client.post("/journeys", content=body,
                             headers={"Content-Type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"].startswith(
        f"the spec is nested {nested + 1:,} levels deep: at most 32" if nested < 1000
        else "malformed request")


@pytest.mark.parametrize("condition, message", [
    ("(" * 3000 + "plan" + ")" * 3000, "is 6,004 characters long: at most 4,000"),
    ("not " * 900 + "plan", "is nested 900 levels deep: at most 64"),
])
def test_a_condition_nested_thousands_deep_is_422(api: Api, condition: str,
                                                  message: str) -> None:
    spec = manual_journey("deep_condition", entry={"audience": {"where": condition}})
    answer = api.client.post("/journeys", json=spec)
    assert answer.status_code == 422
    assert answer.json()["problems"] == [
        f"journey_specs/deep_condition.yml: entry.audience.where {message}"
        + ("; split it over tiles, or use IN (…) for a list of values" if "long" in message
           else " (parentheses, 'not', operators chained one after another); simplify it, "
                "e.g. a list of values as IN (…)")]


def test_990_tiles_are_422_at_200(api: Api) -> None:
    tiles = {"start": {"type": "entry", "next": "w0"}}
    tiles |= {f"w{i}": {"type": "wait", "duration": "1h",
                        "next": f"w{i + 1}" if i < 987 else "done"} for i in range(988)}
    tiles["done"] = {"type": "exit"}
    answer = api.client.post("/journeys", json=manual_journey("long_chain", tiles=tiles))
    assert answer.status_code == 422
    assert answer.json()["problems"] == [
        "journey_specs/long_chain.yml: tiles: 990 tiles: a journey may have at most 200; "
        "split it into journeys joined by sub_journey tiles"]


@pytest.mark.parametrize("kind", ["corrupt", "folder"])
def test_a_warehouse_that_is_not_duckdb_is_503_naming_it(tmp_path: Path, kind: str) -> None:
    root = copy_project(tmp_path / "project")
    warehouse = root / "w.duckdb"
    if kind == "folder":
        warehouse.mkdir()
    else:
        warehouse.write_bytes(b"not a database" * 50)
    client = TestClient(create_app(Settings(root, warehouse), {KEY: "ci"}),
                        raise_server_exceptions=False)
    for method, path in (("GET", "/api/v1/journeys"), ("POST", "/api/v1/journeys/"
                                                               "post_purchase/activate")):
        answer = client.request(method, path, headers={"Authorization": f"Bearer {KEY}"})
        assert answer.status_code == 503
        assert answer.json()["detail"].startswith(f"the warehouse {warehouse} is ")
        assert "Retry-After" not in answer.headers  # waiting will not fix the file
