"""Where each tile's box and each edge go: grandalf's Sugiyama layout, turned left to right.

grandalf (a pure-Python port of the layered layout graphviz calls *dot*) ranks the tiles,
orders each rank to cut crossings and routes long edges through dummy points. It lays out
top to bottom; swapping x and y turns its ranks into columns, so a journey reads left to
right like a Canvas. All this module adds is the turn, the ports (where an edge leaves and
enters a box) and a frozen result that the SVG writer reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from grandalf.graphs import Edge, Vertex, graph_core
from grandalf.layouts import SugiyamaLayout

from journeys.spec.models import JourneySpec, edges

COLUMN_GAP = 132.0  # between columns: room for the edge labels
ROW_GAP = 40.0  # between the boxes of one column
LONG_EDGE_ROOM = 16.0  # height a long edge takes where it crosses a column
COMPONENT_GAP = 60.0  # between unconnected parts (only an invalid spec has them)
PORT_SPACING = 26.0  # between the edges leaving (or entering) one side of a box
ORDERING_ROUNDS = 2.5  # grandalf's crossing-reduction sweeps (its default is 1.5)

Point = tuple[float, float]


@dataclass(frozen=True)
class Box:
    """A tile's box, by its top-left corner; ``column`` is its rank (depth) in the layout."""

    tile_id: str
    x: float
    y: float
    width: float
    height: float
    column: int


@dataclass(frozen=True)
class Route:
    """An edge's way from the right side of its source's box to the left side of its
    target's, through grandalf's points for the columns between."""

    source: str
    target: str
    label: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class JourneyLayout:
    """Boxes in spec order and routes in edge order, in a frame whose top-left is (0, 0)."""

    boxes: tuple[Box, ...]
    routes: tuple[Route, ...]
    width: float
    height: float

    def box(self, tile_id: str) -> Box:
        return next(b for b in self.boxes if b.tile_id == tile_id)


class _View:
    """What grandalf reads and writes on a vertex: its size and, after drawing, its centre."""

    def __init__(self, w: float, h: float) -> None:
        self.w, self.h = w, h
        self.xy: Point = (0.0, 0.0)


class _EdgeView:
    def __init__(self) -> None:
        self.points: list[Point] = []

    def setpath(self, pts: list[Point]) -> None:
        self.points = list(pts)


def layout_journey(spec: JourneySpec, sizes: Mapping[str, tuple[float, float]]) -> JourneyLayout:
    """Lay out a journey's tiles, left to right from its entry.

    Args:
        spec: the journey.
        sizes: each tile's box as (width, height) in px.

    Example:
        >>> from journeys.spec.models import JourneySpec
        >>> spec = JourneySpec.model_validate({"id": "j", "name": "J",
        ...     "entry": {"manual": True}, "tiles": {"start": {"type": "entry", "next": "end"},
        ...     "end": {"type": "exit"}}})
        >>> layout = layout_journey(spec, {"start": (100, 50), "end": (100, 50)})
        >>> [(b.tile_id, b.x, b.column) for b in layout.boxes]
        [('start', 0.0, 0), ('end', 232.0, 1)]
    """
    vertices = {tid: Vertex(tid) for tid in spec.tiles}
    for tid, v in vertices.items():
        width, height = sizes[tid]
        v.view = _View(w=height, h=width)  # turned: grandalf's width is our height
    links: list[tuple[str, str, Edge]] = []
    for tid, tile in spec.tiles.items():
        for label, target in edges(tile):
            if target in vertices and target != tid:
                e = Edge(vertices[tid], vertices[target], data=label)
                e.view = _EdgeView()
                links.append((tid, target, e))

    centres: dict[str, Point] = {}
    columns: dict[str, int] = {}
    top = 0.0
    for part in _components(list(spec.tiles), [(s, t) for s, t, _ in links]):
        part_edges = [e for s, _, e in links if s in part]
        sugiyama = SugiyamaLayout(graph_core([vertices[t] for t in part], part_edges))
        sugiyama.xspace, sugiyama.yspace = ROW_GAP, COLUMN_GAP
        sugiyama.dw = LONG_EDGE_ROOM
        entry = next((t for t in part if spec.tiles[t].type == "entry"), None)
        sugiyama.init_all(roots=[vertices[entry]] if entry else None)
        sugiyama.draw(N=ORDERING_ROUNDS)
        turned = {t: (vertices[t].view.xy[1], vertices[t].view.xy[0]) for t in part}
        # the points long edges bend through: grandalf's x, our y
        bends = [gx for e in part_edges for gx, _ in e.view.points[1:-1]]
        shift = top - min([y - sizes[t][1] / 2 for t, (_, y) in turned.items()]
                          + [y - LONG_EDGE_ROOM / 2 for y in bends])
        for t, (x, y) in turned.items():
            centres[t] = (x, y + shift)
            columns[t] = sugiyama.grx[vertices[t]].rank
        for e in part_edges:
            e.view.points = [(py, px + shift) for px, py in e.view.points]
        top = max([centres[t][1] + sizes[t][1] / 2 for t in part]
                  + [y + shift + LONG_EDGE_ROOM / 2 for y in bends]) + COMPONENT_GAP

    left = min(x - sizes[t][0] / 2 for t, (x, _) in centres.items())
    boxes = tuple(
        Box(t, centres[t][0] - sizes[t][0] / 2 - left, centres[t][1] - sizes[t][1] / 2,
            sizes[t][0], sizes[t][1], columns[t])
        for t in spec.tiles
    )
    by_id = {b.tile_id: b for b in boxes}
    routes = _routes([(s, t, e.data, [(x - left, y) for x, y in e.view.points])
                      for s, t, e in links], by_id)
    width = max(b.x + b.width for b in boxes)
    height = top - COMPONENT_GAP
    return JourneyLayout(boxes=boxes, routes=routes, width=width, height=height)


def _components(tiles: list[str], links: list[tuple[str, str]]) -> list[list[str]]:
    """The connected parts of the journey graph, tiles in spec order (one for a valid spec)."""
    part_of = {t: t for t in tiles}

    def find(t: str) -> str:
        while part_of[t] != t:
            t = part_of[t]
        return t

    for s, t in links:
        part_of[find(s)] = find(t)
    parts: dict[str, list[str]] = {}
    for t in tiles:
        parts.setdefault(find(t), []).append(t)
    return list(parts.values())


def _routes(raw: list[tuple[str, str, str, list[Point]]], boxes: dict[str, Box]
            ) -> tuple[Route, ...]:
    """Ports for every edge: the edges leaving a box spread down its right side in the order
    of where they head, the edges entering it down its left side in the order they come."""
    out_ports = _ports(raw, boxes, leaving=True)
    in_ports = _ports(raw, boxes, leaving=False)
    routes = []
    for i, (source, target, label, pts) in enumerate(raw):
        routes.append(Route(source, target, label,
                            (out_ports[i], *[(x, y) for x, y in pts[1:-1]], in_ports[i])))
    return tuple(routes)


def _ports(raw: list[tuple[str, str, str, list[Point]]], boxes: dict[str, Box], *,
           leaving: bool) -> dict[int, Point]:
    sides: dict[str, list[tuple[float, int]]] = {}
    for i, (source, target, _, pts) in enumerate(raw):
        tile, toward = (source, pts[1]) if leaving else (target, pts[-2])
        sides.setdefault(tile, []).append((toward[1], i))
    ports: dict[int, Point] = {}
    for tile, ends in sides.items():
        box = boxes[tile]
        x = box.x + box.width if leaving else box.x
        n = len(ends)
        spacing = min(PORT_SPACING, (box.height - 20) / max(n - 1, 1))
        for k, (_, i) in enumerate(sorted(ends)):
            ports[i] = (x, box.y + box.height / 2 + (k - (n - 1) / 2) * spacing)
    return ports
