"""Options of the test suite."""

from __future__ import annotations

import os

import pytest

CI_CRASH_TRIALS = 20
FULL_CRASH_TRIALS = 1000


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--crash-trials", type=int,
                     default=int(os.environ.get("JOURNEYS_CRASH_TRIALS", CI_CRASH_TRIALS)),
                     help="dispatcher crash-injection trials, split between the delivery "
                          f"policies (default {CI_CRASH_TRIALS}, or JOURNEYS_CRASH_TRIALS; the "
                          f"issue's full count: {FULL_CRASH_TRIALS})")
    parser.addoption("--engine", default=os.environ.get("JOURNEYS_TEST_ENGINE", "duckdb"),
                     help="engine of the engine suites (golden scenarios, differential "
                          "fixtures): duckdb (default), postgres or spark")


@pytest.fixture
def crash_trials(request: pytest.FixtureRequest) -> int:
    return request.config.getoption("--crash-trials")


def pytest_configure(config: pytest.Config) -> None:
    from tests import engines
    engines.select(config.getoption("--engine"))


def pytest_sessionfinish(session: pytest.Session) -> None:
    from tests import engines
    engines.cleanup()
