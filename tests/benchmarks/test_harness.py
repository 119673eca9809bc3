"""The registry and the rows' arithmetic: what the runner and the sections rely on."""

from __future__ import annotations

import pytest

import benchmarks.figures  # noqa: F401  (registers the figures)
from benchmarks.figures import MODULES
from benchmarks.harness import FIGURES, Result, Row, Target, figure, median_by_key, select, top


def test_the_issue_figures_are_registered_at_the_issue_scales() -> None:
    assert list(FIGURES) == list(MODULES)
    assert {name: fig.profiles for name, fig in FIGURES.items()} == {
        "tick_at_scale": 1_000_000, "memory": 1_000_000, "growth_with_history": 200_000,
        "backtest": 100_000, "dispatch_throughput": 100_000,
        "compile_size": 0}  # journeys of 10 to 200 tiles, compiled: no warehouse
    assert all(fig.summary and fig.title for fig in FIGURES.values())


def test_adding_a_figure_is_a_decorator(monkeypatch: pytest.MonkeyPatch) -> None:
    registry: dict = {}
    monkeypatch.setattr("benchmarks.harness.FIGURES", registry)

    @figure("dispatch_throughput", title="Dispatch throughput", profiles=10_000)
    def dispatch(ws) -> Result:
        """Actions sent per second.

        More detail that stays out of the summary."""
        return Result()

    assert registry["dispatch_throughput"].summary == "Actions sent per second."
    assert registry["dispatch_throughput"].run is dispatch
    with pytest.raises(ValueError, match="registered twice"):
        figure("dispatch_throughput", title="again", profiles=1)(dispatch)


def test_select_keeps_the_registry_order_and_names_unknown_figures() -> None:
    assert [f.name for f in select(["backtest", "memory"], FIGURES)] == ["memory", "backtest"]
    assert [f.name for f in select(None, FIGURES)] == list(FIGURES)
    with pytest.raises(KeyError, match="unknown figure.*tick_at_scal.*known: tick_at_scale"):
        select(["tick_at_scal"], FIGURES)


@pytest.mark.parametrize(("row", "ratio", "met"), [
    (Row("tick", 2.4, "s", ("floor", 0.8), Target(3, on="ratio")), 3.0, True),
    (Row("tick", 2.5, "s", ("floor", 0.8), Target(3, on="ratio")), 3.125, False),
    (Row("run", 12.0, "s", ("floor", 0.8), Target(10)), 15.0, False),
    (Row("rss", 1.5e9, "bytes", None, Target(2e9)), None, True),
    (Row("ratio without a baseline", 1.0, "s", None, Target(1.2, on="ratio")), None, None),
    (Row("zero baseline", 1.0, "s", ("floor", 0.0), None), None, None),
])
def test_rows_compute_ratio_and_target(row: Row, ratio: float | None, met: bool | None) -> None:
    assert row.ratio == pytest.approx(ratio) if ratio is not None else row.ratio is None
    assert row.met is met


def test_top_and_medians() -> None:
    assert top({"a": 1.0, "b": 1.0, "c": 5.0}, 2) == [("c", 5.0), ("a", 1.0)]
    assert median_by_key([{"x": 1.0}, {"x": 9.0, "y": 2.0}, {"x": 2.0}]) == {"x": 2.0, "y": 2.0}
