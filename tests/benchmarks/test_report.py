"""BENCHMARKS.md: a figure's run rewrites its own section and nothing else."""

from __future__ import annotations

import pytest

from benchmarks.harness import Figure, Result, Row, Target
from benchmarks.report import (
    HEADER,
    _target,
    begin_marker,
    end_marker,
    render_section,
    replace_section,
    sections,
)


def section(name: str, body: str) -> str:
    return f"{begin_marker(name)}\n{body}\n{end_marker(name)}\n"


DOCUMENT = (
    "# Benchmarks\n\nHand-written introduction.\n\n"
    + section("tick_at_scale", "old tick")
    + "\n## Notes\n\nWhat dominated, in prose.\n\n"
    + section("backtest", "old backtest")
)


def test_replaces_only_its_own_section() -> None:
    updated = replace_section(DOCUMENT, "tick_at_scale", section("tick_at_scale", "new tick"))
    assert "new tick" in updated and "old tick" not in updated
    assert "old backtest" in updated
    assert updated.replace("new tick", "old tick") == DOCUMENT


def test_the_last_section_keeps_the_file_ending() -> None:
    updated = replace_section(DOCUMENT, "backtest", section("backtest", "new"))
    assert updated.endswith(section("backtest", "new"))


def test_a_new_section_is_appended_after_the_rest() -> None:
    updated = replace_section(DOCUMENT, "memory", section("memory", "rss"))
    assert updated.startswith(DOCUMENT.rstrip("\n"))
    assert sections(updated) == ["tick_at_scale", "backtest", "memory"]
    assert updated.endswith("\n\n" + section("memory", "rss"))


def test_an_empty_document_gets_the_header() -> None:
    assert replace_section("", "memory", section("memory", "rss")) == (
        HEADER + "\n" + section("memory", "rss"))


def test_rewriting_twice_is_stable() -> None:
    once = replace_section(DOCUMENT, "backtest", section("backtest", "b"))
    assert replace_section(once, "backtest", section("backtest", "b")) == once


def test_names_that_prefix_each_other_do_not_clash() -> None:
    doc = replace_section(section("tick", "short"), "tick_at_scale", section("tick_at_scale", "x"))
    updated = replace_section(doc, "tick", section("tick", "changed"))
    assert "x" in updated and "short" not in updated


@pytest.mark.parametrize("broken", [
    f"{begin_marker('backtest')}\nno end\n",
    section("backtest", "a") + section("backtest", "b"),
])
def test_broken_markers_are_refused(broken: str) -> None:
    with pytest.raises(ValueError, match="fix them by hand"):
        replace_section(broken, "backtest", section("backtest", "new"))


def test_a_section_must_carry_its_markers() -> None:
    with pytest.raises(ValueError, match="must start with"):
        replace_section(DOCUMENT, "backtest", "no markers")


@pytest.mark.parametrize(("target", "unit", "text"), [
    (Target(3, on="ratio"), "s", "≤ 3× the baseline"),
    (Target(1.2, on="ratio"), "s", "≤ 1.2× the baseline"),
    (Target(10), "s", "≤ 10 s"),
    (Target(2e9), "bytes", "≤ 2 GB"),
])
def test_targets_read_as_the_issue_states_them(target: Target, unit: str, text: str) -> None:
    assert _target(target, unit) == text


def test_a_rendered_section_holds_everything_the_issue_asks_for() -> None:
    fig = Figure("tick_at_scale", "Tick at scale", lambda ws: Result(), 1_000_000,
                 "One tick against the floor.")
    result = Result(
        rows=[Row("tick SQL", 2.4, "s", ("floor", 0.8), Target(3, on="ratio")),
              Row("run wall", 12.0, "s", ("floor", 0.8), Target(10))],
        facts=[("open entries", "889,423")],
        dominated={"per model": [("event_upsell__admit", 0.25)]},
        commands=["JOURNEYS_WAREHOUSE=/tmp/w.duckdb journeys run --at '2026-10-31 12:00'"])
    text = render_section(fig, result, measured="2026-11-23 15:00 UTC", machine="AMD EPYC, 2 cores",
                          code="commit abc1234", command=".venv/bin/python -m benchmarks --only x")
    assert text.startswith(begin_marker("tick_at_scale")) and text.rstrip().endswith(
        end_marker("tick_at_scale"))
    for expected in ("| tick SQL | 2.40 s | floor: 800 ms | 3.00× | ≤ 3× the baseline | yes |",
                     "| run wall | 12.0 s | floor: 800 ms | 15× | ≤ 10 s | **no** |",
                     "- open entries: 889,423", "`event_upsell__admit` 250 ms",
                     "AMD EPYC, 2 cores", "commit abc1234", "--only x",
                     "journeys run --at '2026-10-31 12:00'"):
        assert expected in text
    assert replace_section(DOCUMENT, "tick_at_scale", text).count("tick SQL") == 1
