"""The figures' registry and what a figure returns.

A figure is a function taking a :class:`~benchmarks.workspace.Workspace` and returning a
:class:`Result`; ``@figure(...)`` registers it under a name, which is also the name of its
section in ``BENCHMARKS.md``. Adding a figure (dispatch throughput, governance's cost, an
engine's tick time) is a module in ``benchmarks/figures/`` with one decorated function.

Machines here are shared and noisy, so every target row carries a baseline measured in the
same run, and the ratio is what to compare between runs.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from benchmarks.workspace import Workspace

Unit = Literal["s", "bytes", "count", "x"]


@dataclass(frozen=True)
class Target:
    """An upper bound on a row's value (``on="value"``) or on its ratio to the baseline."""

    limit: float
    on: Literal["value", "ratio"] = "value"

    def met(self, value: float, ratio: float | None) -> bool | None:
        measured = value if self.on == "value" else ratio
        return None if measured is None else measured <= self.limit


@dataclass(frozen=True)
class Row:
    """One figure: what was measured, its value, the baseline it is compared to, the target.

    Example:
        >>> row = Row("tick", 2.4, "s", baseline=("floor", 0.8), target=Target(3, on="ratio"))
        >>> round(row.ratio, 2), row.met
        (3.0, True)
    """

    what: str
    value: float
    unit: Unit
    baseline: tuple[str, float] | None = None
    target: Target | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or not self.baseline[1]:
            return None
        return self.value / self.baseline[1]

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.target.met(self.value, self.ratio)


@dataclass
class Result:
    """What a figure measured, for its section of BENCHMARKS.md."""

    rows: list[Row] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    """Other measurements worth keeping (sizes, counts, secondary timings)."""
    dominated: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    """Per heading, the (name, seconds) that took the most time, largest first."""
    tables: list[str] = field(default_factory=list)
    """Extra markdown blocks (e.g. table sizes), rendered as given."""
    commands: list[str] = field(default_factory=list)
    """The commands the figure ran, as a shell would run them."""
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Figure:
    name: str
    title: str
    run: Callable[[Workspace], Result]
    profiles: int
    """The issue's scale: the default number of synthetic profiles."""
    summary: str


FIGURES: dict[str, Figure] = {}


def figure(name: str, *, title: str, profiles: int) -> Callable:
    """Register a figure: ``@figure("tick_at_scale", title="…", profiles=1_000_000)``."""

    def register(run: Callable[[Workspace], Result]) -> Callable[[Workspace], Result]:
        if name in FIGURES:
            raise ValueError(f"figure '{name}' is registered twice")
        summary = " ".join((run.__doc__ or "").strip().split("\n\n")[0].split())
        FIGURES[name] = Figure(name, title, run, profiles, summary)
        return run

    return register


def select(names: Iterable[str] | None, registry: Mapping[str, Figure]) -> list[Figure]:
    """The figures to run, in registry order; an unknown name is an error naming the known.

    Example:
        >>> reg = {"a": None, "b": None}
        >>> select(["b"], reg)
        [None]
    """
    wanted = list(names or [])
    unknown = [n for n in wanted if n not in registry]
    if unknown:
        raise KeyError(f"unknown figure(s) {', '.join(unknown)}; known: {', '.join(registry)}")
    return [fig for name, fig in registry.items() if not wanted or name in wanted]


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def top(times: Mapping[str, float], n: int = 10) -> list[tuple[str, float]]:
    """The ``n`` largest entries, largest first (ties by name, for stable output).

    Example:
        >>> top({"a": 1.0, "b": 3.0, "c": 2.0}, 2)
        [('b', 3.0), ('c', 2.0)]
    """
    return sorted(times.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def median_by_key(samples: Iterable[Mapping[str, float]]) -> dict[str, float]:
    """Per key, the median over the samples holding it.

    Example:
        >>> median_by_key([{"a": 1, "b": 5}, {"a": 3}, {"a": 2, "b": 7}])
        {'a': 2, 'b': 6.0}
    """
    merged: dict[str, list[float]] = {}
    for sample in samples:
        for key, value in sample.items():
            merged.setdefault(key, []).append(value)
    return {key: statistics.median(values) for key, values in merged.items()}
