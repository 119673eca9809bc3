"""The dispatch figure's pieces: its destinations, the seeded warehouse, the sink."""

from __future__ import annotations

from pathlib import Path

import duckdb
import httpx
import pytest
from pydantic import TypeAdapter

from benchmarks.figures.dispatch_throughput import (
    CONCURRENCY,
    destinations,
    per_second,
    reported,
    seed,
    sink_path,
    statuses,
)
from benchmarks.sink import actions_in, parse_head, running
from benchmarks.workspace import Run
from journeys.spec.destinations import DestinationConfig


@pytest.mark.parametrize("shape", ["webhook", "email"])
def test_the_figure_destinations_are_valid_configs_with_its_concurrency(shape) -> None:
    config = TypeAdapter(DestinationConfig).validate_python(
        destinations(shape, "http://127.0.0.1:8000", "/run-1")["bench"])
    assert config.type == ("webhook" if shape == "webhook" else "sendgrid")
    assert config.concurrency == CONCURRENCY


def test_sink_paths_follow_the_destination_shape() -> None:
    assert sink_path("webhook", "/run-2") == "/run-2"
    assert sink_path("email", "/rss") == "/rss/v3/mail/send"


def test_rates_statuses_and_the_printed_caption() -> None:
    assert per_second(100, 4) == 25.0
    assert per_second(100, 0) == 0.0
    assert statuses({}) == "none"
    assert statuses({"retrying": 3, "sent": 97}) == "sent 97, retrying 3"
    wrapped = "  100000 request(s) in  \n        35.2 s        \n"
    assert reported(Run("", 1.0, 0, wrapped)) == (100000, 35.2)
    assert reported(Run("", 1.0, 0, "nothing to dispatch")) is None


@pytest.mark.parametrize("shape", ["webhook", "email"])
def test_seed_writes_due_actions_of_one_tick_with_profiles(tmp_path: Path, shape) -> None:
    path = seed(tmp_path / "w.duckdb", 25, shape)
    with duckdb.connect(str(path), read_only=True) as con:
        due = con.execute("select count(distinct action_id), count(distinct tick_at), "
                          "min(destination), count(*) filter (where payload is null) "
                          "from journeys.due_actions").fetchone()
        ticks = con.execute("select actions from journeys.journey_ticks").fetchall()
        profiles = con.execute("select count(*) from journeys_staging.stg_profiles "
                               "where email is not null").fetchone()[0]
    assert due == (25, 1, "bench", 0)
    assert ticks == [(25,)]
    assert profiles == 25


def test_parse_head_reads_the_length_and_keep_alive() -> None:
    head = b"POST /x?y=1 HTTP/1.1\r\ncontent-length: 12\r\nConnection: keep-alive\r\n\r\n"
    assert parse_head(head) == ("POST", "/x", 12, True)
    assert parse_head(b"GET / HTTP/1.0\r\n\r\n") == ("GET", "/", 0, False)
    assert parse_head(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")[3] is False


def test_actions_in_counts_personalizations() -> None:
    assert actions_in(b'{"personalizations": [{"to": []}, {"to": []}]}') == 2
    assert actions_in(b'{"member": "m1"}') == 1
    assert actions_in(b'"personalizations" but not json') == 1


def test_the_sink_process_answers_and_counts_per_path(tmp_path: Path) -> None:
    with running(tmp_path, latency_ms=0) as server, httpx.Client(trust_env=False) as client:
        for _ in range(3):
            assert client.post(server.url + "/a", json={"x": 1}).json() == {}
        client.post(server.url + "/b", json={"personalizations": [{}, {}]})
        arrived = server.stop()
    assert arrived["requests"] == {"/a": 3, "/b": 1}
    assert arrived["actions"] == {"/a": 3, "/b": 2}


def test_the_figure_is_registered_at_the_issue_scale() -> None:
    import benchmarks.figures  # noqa: F401  (registers the figures)
    from benchmarks.harness import FIGURES

    assert FIGURES["dispatch_throughput"].profiles == 100_000
