"""Checks on the journey graph (C5 structure): entry, exits, targets, loops, loose ends.

They work on the tiles as written (``next``/``yes``/``no``/``on_timeout``/``paths``), not only
on tiles that validated, so a spec with a bad duration in one tile still gets its misspelled
targets and missing connections reported in the same run.
"""

from __future__ import annotations

import math
import re
import typing
from typing import Any

from journeys.spec.models import TILE_ID_PATTERN, SplitTile, Tile
from journeys.validation.drafts import SpecDraft
from journeys.validation.graphs import find_cycles
from journeys.validation.problems import did_you_mean, quoted_list

_EDGE_KEYS = ("next", "yes", "no", "on_timeout")
TILE_TYPES = frozenset(
    typing.get_args(member.model_fields["type"].annotation)[0]
    for member in typing.get_args(typing.get_args(Tile)[0])
)


def tile_type(raw_tile: Any) -> str | None:
    """The written ``type`` of a tile, when it is text."""
    if isinstance(raw_tile, dict) and isinstance(raw_tile.get("type"), str):
        return raw_tile["type"]
    return None


def written_edges(raw_tile: Any) -> list[tuple[str, str]]:
    """Outgoing edges as written: (field label, target) for every text target."""
    if not isinstance(raw_tile, dict) or tile_type(raw_tile) == "exit":
        return []
    out = [(key, raw_tile[key]) for key in _EDGE_KEYS if isinstance(raw_tile.get(key), str)]
    paths = raw_tile.get("paths")
    for name, path in (paths.items() if isinstance(paths, dict) else []):
        if isinstance(path, dict) and isinstance(path.get("next"), str):
            out.append((f"paths.{name}.next", path["next"]))
    return out


def lacks_edges(raw_tile: Any) -> bool:
    """Whether a tile misses a key it needs to lead on (``next``, ``yes``/``no``, ``paths``)."""
    kind = tile_type(raw_tile)
    if kind is None or kind == "exit" or kind not in TILE_TYPES:
        return False
    if kind == "split":
        return not isinstance(raw_tile.get("paths"), dict)
    needed = ("yes", "no") if kind == "branch" else ("next",)
    return any(not isinstance(raw_tile.get(key), str) for key in needed)


def check_structure(draft: SpecDraft) -> None:
    """Run every graph check on one draft, recording problems on it."""
    raw_tiles = {str(tid): tile for tid, tile in draft.raw_tiles.items()}
    if not raw_tiles:
        return
    _check_tile_ids(draft, raw_tiles)
    entries = [tid for tid, tile in raw_tiles.items() if tile_type(tile) == "entry"]
    _check_entry_and_exit(draft, raw_tiles, entries)
    before = len(draft.problems)
    graph = _check_targets(draft, raw_tiles, entries)
    _check_dead_ends(draft, raw_tiles)
    broken = len(draft.problems) > before or any(map(lacks_edges, raw_tiles.values()))
    if len(entries) == 1 and not broken:  # else unreachable tiles are mostly a consequence
        _check_reachable(draft, graph, entries[0])
    _check_cycles(draft, graph)
    _check_split_percents(draft)


def _check_tile_ids(draft: SpecDraft, raw_tiles: dict[str, Any]) -> None:
    for tid in raw_tiles:
        if tid.startswith("_"):
            draft.problem(
                f"tile id '{tid}' is reserved: ids starting with '_' are the engine's "
                "(e.g. '_exit'); rename the tile",
                tid,
            )
        elif not re.match(TILE_ID_PATTERN, tid):
            draft.problem(
                f"tile id '{tid}' is not valid: use lowercase letters, digits and '_', "
                "starting with a letter",
                tid,
            )


def _check_entry_and_exit(draft: SpecDraft, raw_tiles: dict[str, Any], entries: list[str]) -> None:
    if any(tile_type(tile) not in TILE_TYPES for tile in raw_tiles.values()):
        return  # a tile of unknown type may be the entry or the exit: its own problem says so
    if not entries:
        draft.problem("no entry tile: add exactly one tile with 'type: entry'")
    elif len(entries) > 1:
        draft.problem(
            f"{len(entries)} entry tiles ({quoted_list(entries)}): a journey has exactly one"
        )
    if not any(tile_type(tile) == "exit" for tile in raw_tiles.values()):
        draft.problem("no exit tile: add a tile with 'type: exit' for every path to end in")


def _check_targets(
    draft: SpecDraft, raw_tiles: dict[str, Any], entries: list[str]
) -> dict[str, list[str]]:
    """Report targets that are not tiles or lead back to the entry; return the valid graph."""
    graph: dict[str, list[str]] = {}
    for tid, raw_tile in raw_tiles.items():
        graph[tid] = []
        for label, target in written_edges(raw_tile):
            if target not in raw_tiles:
                hint = did_you_mean(target, raw_tiles)
                draft.problem(f"{label} '{target}' is not a tile{hint}", tid)
            elif target in entries:
                draft.problem(
                    f"{label} '{target}' is the entry tile: no tile may lead back to the entry",
                    tid,
                )
            else:
                graph[tid].append(target)
    return graph


def _check_reachable(draft: SpecDraft, graph: dict[str, list[str]], entry: str) -> None:
    seen, todo = {entry}, [entry]
    while todo:
        for target in graph[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    for tid in graph:
        if tid not in seen:
            draft.problem(
                f"missing connection: no path from the entry tile '{entry}' leads here, "
                "so no member can reach it (connect it or remove it)",
                tid,
            )


def _check_cycles(draft: SpecDraft, graph: dict[str, list[str]]) -> None:
    for cycle in find_cycles(graph):
        shown = " -> ".join([*cycle, cycle[0]])
        draft.problem(
            f"circular path {shown}: a member could loop forever; "
            "journeys move forward and every path ends in an exit",
            cycle[0],
        )


def _check_dead_ends(draft: SpecDraft, raw_tiles: dict[str, Any]) -> None:
    """A valid tile that leads nowhere (a split without paths); a missing ``next`` is
    reported as a dead end by the shape check."""
    for tid, tile in draft.tiles.items():
        if tile.type != "exit" and not written_edges(raw_tiles.get(tid)):
            draft.problem(
                f"dead end: this {tile.type} tile leads nowhere; every path must end in an "
                "exit tile",
                tid,
            )


def _check_split_percents(draft: SpecDraft) -> None:
    for tid, tile in draft.tiles.items():
        if isinstance(tile, SplitTile):
            total = sum(path.percent for path in tile.paths.values())
            if not math.isclose(total, 100.0, rel_tol=0.0, abs_tol=1e-9):
                draft.problem(f"split percents add up to {total:g}, not 100", tid)
