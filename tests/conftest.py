"""Options of the test suite."""

from __future__ import annotations

import pytest

CI_CRASH_TRIALS = 12


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--crash-trials", type=int, default=CI_CRASH_TRIALS,
                     help="dispatcher crash-injection trials, split between the delivery "
                          f"policies (default {CI_CRASH_TRIALS}; the issue's full count: 200)")


@pytest.fixture
def crash_trials(request: pytest.FixtureRequest) -> int:
    return request.config.getoption("--crash-trials")
