"""Cycle finding, shared by the tile graph of a journey and the sub-journey graph."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def find_cycles(graph: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """One cycle per loop a depth-first search meets, in the graph's order.

    Each cycle is listed from the node where the search entered it; a loop is reported once
    however many of its nodes the search starts from.

    Example:
        >>> find_cycles({"a": ["b"], "b": ["c", "a"], "c": []})
        [['a', 'b']]
    """
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    seen: set[frozenset[str]] = set()
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        path.append(node)
        for target in graph.get(node, ()):
            if state.get(target) == 1:
                cycle = path[path.index(target):]
                if frozenset(cycle) not in seen:
                    seen.add(frozenset(cycle))
                    cycles.append(cycle)
            elif target not in state:
                visit(target, path)
        path.pop()
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [])
    return cycles
