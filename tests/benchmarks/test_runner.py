"""The runner's command line and the helpers that read what the commands print."""

from __future__ import annotations

import argparse

import pytest

from benchmarks.dbt_results import parse_run_results
from benchmarks.figures.backtest import reported_ticks
from benchmarks.figures.tick_at_scale import reported_seconds
from benchmarks.harness import FIGURES
from benchmarks.machine import changed_folders
from benchmarks.runner import main, parse_args, reproduce_command
from benchmarks.workspace import shell_command


def test_reproduce_command_names_the_figure_and_its_scale() -> None:
    args = parse_args(["--only", "backtest", "memory"])
    assert reproduce_command(FIGURES["memory"], args) == (
        ".venv/bin/python -m benchmarks --only memory --profiles 1000000")
    quick = parse_args(["--profiles", "20000", "--days", "3", "--repeat", "1"])
    assert reproduce_command(FIGURES["backtest"], quick) == (
        ".venv/bin/python -m benchmarks --only backtest --profiles 20000 --days 3 --repeat 1")


def test_list_and_unknown_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list"]) == 0
    assert "growth_with_history" in capsys.readouterr().out
    assert main(["--only", "nope"]) == 2
    assert "unknown figure(s) nope" in capsys.readouterr().err


def test_cli_output_parsing() -> None:
    assert reported_seconds("│ tick 2026-10-31 13:00:00 UTC (dbt, 22037 ms) │") == 22.037
    assert reported_seconds("no table") is None
    assert reported_ticks("   720 ticks in 58.2 s   ") == (720, 58.2)
    assert reported_ticks("") is None


def test_run_results_split_models_and_tests() -> None:
    times = parse_run_results({"elapsed_time": 9.0, "results": [
        {"unique_id": "model.journeys.welcome_series__admit", "execution_time": 0.4},
        {"unique_id": "model.journeys.journey_steps", "execution_time": 0.2},
        {"unique_id": "test.journeys.not_null_journey_steps_tick_at.a1b2", "execution_time": 0.1},
        {"unique_id": "test.journeys.unique_x.c3", "execution_time": None}]})
    assert times.nodes["model.welcome_series__admit"] == 0.4
    assert times.by_kind() == {"model": (2, pytest.approx(0.6)), "test": (2, pytest.approx(0.1))}
    assert times.elapsed_s == 9.0


def test_shell_commands_quote_what_a_shell_needs() -> None:
    line = shell_command(["/usr/bin/env", "journeys", "run", "--at", "2026-10-31 12:00"],
                         {"JOURNEYS_WAREHOUSE": "/tmp/a b.duckdb"})
    assert line == ("JOURNEYS_WAREHOUSE='/tmp/a b.duckdb' /usr/bin/env journeys run "
                    "--at '2026-10-31 12:00'")


def test_changed_folders_reads_porcelain_lines() -> None:
    assert changed_folders(" M journeys/tick/inprocess.py\n M dbt_project/a.sql\n") == [
        "dbt_project/", "journeys/"]
    assert changed_folders("") == []


def test_defaults_are_the_issue_scales() -> None:
    args = parse_args([])
    assert (args.only, args.profiles, args.days, args.repeat) == (None, None, None, 3)
    assert isinstance(args, argparse.Namespace)
