"""Facts about a (validated) journey graph that the compiler needs.

The graph is a DAG (validation refuses cycles), so each tile has a level, the longest path
from the entry to it, and every edge climbs: the journey picture draws a column per level,
and the walk (:mod:`journeys.compiler.walk`) moves the entries of one level per step.
Everything here is linear in the tiles and edges, and iterative (no recursion), whatever
the graph's depth.
"""

from __future__ import annotations

from journeys.spec.models import (
    BranchTile,
    JourneySpec,
    SplitTile,
    SubJourneyTile,
    WaitTile,
    edges,
)


def tiles_in_order(spec: JourneySpec) -> list[str]:
    """Tile ids in breadth-first order from the entry (reports and docs read in flow order)."""
    seen = {spec.entry_tile_id}
    order = [spec.entry_tile_id]
    for tile_id in order:  # grows while it is read: a queue
        for _, target in edges(spec.tiles[tile_id]):
            if target in spec.tiles and target not in seen:
                seen.add(target)
                order.append(target)
    return order + [t for t in spec.tiles if t not in seen]


def tile_depths(spec: JourneySpec) -> dict[str, int]:
    """Each reachable tile's level: the edges on the longest path from the entry to it, so
    every edge points right in the journey picture (Sugiyama's longest-path layering) and
    an entry's moves in the walk visit increasing levels.

    Example:
        >>> from journeys.spec.models import JourneySpec
        >>> spec = JourneySpec.model_validate({"id": "j", "name": "J",
        ...     "entry": {"manual": True}, "tiles": {
        ...     "start": {"type": "entry", "next": "b"},
        ...     "b": {"type": "branch", "condition": "x", "yes": "w", "no": "done"},
        ...     "w": {"type": "wait", "duration": "1d", "next": "done"},
        ...     "done": {"type": "exit"}}})
        >>> tile_depths(spec)
        {'start': 0, 'b': 1, 'w': 2, 'done': 3}
    """
    order = tiles_in_order(spec)
    waiting = {t: 0 for t in spec.tiles}
    for tile in spec.tiles.values():
        for _, target in edges(tile):
            if target in waiting:
                waiting[target] += 1
    depth = {spec.entry_tile_id: 0}
    ready = [t for t in order if waiting[t] == 0]
    for tile_id in ready:  # Kahn's order, read while it grows: each edge is relaxed once
        for _, target in edges(spec.tiles[tile_id]):
            if target not in waiting:
                continue
            if tile_id in depth:
                depth[target] = max(depth.get(target, 0), depth[tile_id] + 1)
            waiting[target] -= 1
            if waiting[target] == 0:
                ready.append(target)
    return {t: depth[t] for t in order if t in depth}


def event_tiles(spec: JourneySpec) -> dict[str, str]:
    """Tiles that look at events, with their kind: until_event, event_within or event."""
    found: dict[str, str] = {}
    for tile_id, tile in spec.tiles.items():
        if isinstance(tile, WaitTile) and tile.kind == "until_event":
            found[tile_id] = "until_event"
        elif isinstance(tile, BranchTile) and tile.kind in ("event", "event_within"):
            found[tile_id] = tile.kind
    return found


def split_ranges(tile: SplitTile) -> list[tuple[str, str, int]]:
    """(path name, target, upper bucket bound) per path, in the order written (S10)."""
    out, total = [], 0.0
    for name, path in tile.paths.items():
        total += path.percent
        out.append((name, path.next, int(total * 100 + 0.5)))  # half up, as SQL rounds
    return out


def sub_journey_sources(specs: dict[str, JourneySpec], target: str) -> list[tuple[str, str]]:
    """(journey id, tile id) of every sub_journey tile that sends members to ``target``."""
    return [
        (jid, tid)
        for jid, spec in sorted(specs.items())
        for tid, tile in spec.tiles.items()
        if isinstance(tile, SubJourneyTile) and tile.journey == target
    ]
