"""Reading dbt's ``target/run_results.json``: where a `dbt build` spent its time."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DbtTimes:
    """Per node (``model.journeys.x``, ``test.journeys.y``) execution seconds, and dbt's
    own elapsed time (parse and start-up excluded)."""

    nodes: dict[str, float]
    elapsed_s: float

    def by_kind(self) -> dict[str, tuple[int, float]]:
        """Per resource type (model, test, …): node count and summed seconds.

        Example:
            >>> DbtTimes({"model.j.a": 1.0, "test.j.t1": 0.5, "test.j.t2": 0.25}, 2.0).by_kind()
            {'model': (1, 1.0), 'test': (2, 0.75)}
        """
        kinds: dict[str, tuple[int, float]] = {}
        for node, seconds in sorted(self.nodes.items()):
            kind = node.split(".", 1)[0]
            count, total = kinds.get(kind, (0, 0.0))
            kinds[kind] = (count + 1, total + seconds)
        return kinds


def parse_run_results(data: dict) -> DbtTimes:
    """The times of a parsed run_results.json; node names lose the project part.

    Example:
        >>> parse_run_results({"elapsed_time": 3.5, "results": [
        ...     {"unique_id": "model.journeys.a__open", "execution_time": 0.5},
        ...     {"unique_id": "test.journeys.not_null_a.1f2e", "execution_time": 0.1}]})
        DbtTimes(nodes={'model.a__open': 0.5, 'test.not_null_a.1f2e': 0.1}, elapsed_s=3.5)
    """
    nodes = {}
    for result in data.get("results", []):
        kind, _, rest = result["unique_id"].partition(".")
        name = rest.partition(".")[2] or rest
        nodes[f"{kind}.{name}"] = float(result.get("execution_time") or 0.0)
    return DbtTimes(nodes=nodes, elapsed_s=float(data.get("elapsed_time") or 0.0))


def read_run_results(dbt_dir: Path) -> DbtTimes:
    return parse_run_results(json.loads((dbt_dir / "target" / "run_results.json").read_text()))
