"""The edges of the picture: curves through the layout's routes, arrowheads, and labels
(``yes 62%``) on the ways out of tiles that have several.

An edge's stroke grows with the steps that went along it, so the busy paths stand out.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from journeys.metrics.readout import TileStats
from journeys.render.draw import FAINT, add, add_text, num, tint
from journeys.render.layout import COLUMN_GAP, Point, Route
from journeys.render.text import fit, percent, text_width
from journeys.spec.models import JourneySpec, edges

LABEL_SIZE = 11.0
LABEL_COLOURS = {"yes": "#15803d", "no": "#b91c1c", "timeout": "#b45309"}
ARROW = 9.0


def steps_along(stats: TileStats | None, label: str) -> int | None:
    """Steps that went along an edge: its path's count, else all that passed the tile."""
    if stats is None:
        return None
    return stats.paths.get(label, 0) if stats.paths else stats.passed_through


def draw_edge(layer: ET.Element, route: Route, steps: int | None, most: int) -> None:
    """The curve and arrowhead of one edge; ``most`` is the busiest edge's steps."""
    stroke = 1.6 + (3.4 * steps / most if steps and most else 0.0)
    *body, (ex, ey) = route.points
    attrs = {"class": "edge", "data-source": route.source, "data-target": route.target,
             "data-label": route.label}
    if steps is not None:
        attrs["data-steps"] = str(steps)
    group = add(layer, "g", attrs)
    add(group, "path", {"d": _curve([*body, (ex - ARROW + 1, ey)]), "fill": "none",
                        "stroke": FAINT, "stroke-width": num(stroke),
                        "stroke-linecap": "round"})
    tail = num(ex - ARROW)
    head = f"{num(ex)},{num(ey)} {tail},{num(ey - 4.5)} {tail},{num(ey + 4.5)}"
    add(group, "polygon", {"points": head, "fill": "#64748b"})


def _curve(points: list[Point]) -> str:
    """A smooth path through ``points`` that leaves and reaches each one horizontally."""
    (x0, y0), rest = points[0], points[1:]
    d = [f"M{num(x0)},{num(y0)}"]
    for (px, py), (qx, qy) in zip(points, rest, strict=False):
        mid = (px + qx) / 2
        d.append(f"C{num(mid)},{num(py)} {num(mid)},{num(qy)} {num(qx)},{num(qy)}")
    return " ".join(d)


def edge_text(spec: JourneySpec, stats: TileStats | None, route: Route) -> str:
    """``yes 62%`` on the ways out of a tile with several; nothing on a lone ``next``."""
    outs = edges(spec.tiles[route.source])
    if len(outs) == 1 and route.label == "next":
        return ""
    share = (stats.path_shares() if stats else {}).get(route.label)
    room = COLUMN_GAP - 26
    if share is None:
        return fit(route.label, room, LABEL_SIZE)
    share_text = percent(share)
    name = fit(route.label, room - text_width(f" {share_text}", LABEL_SIZE), LABEL_SIZE)
    return f"{name} {share_text}"


def draw_edge_label(layer: ET.Element, route: Route, text: str) -> None:
    """A pill on the edge, half a column gap from its source, where no box can be."""
    (px, py), (qx, qy) = route.points[0], route.points[1]
    x = px + COLUMN_GAP / 2
    y = _curve_y(px, py, qx, qy, x)
    w, h = text_width(text, LABEL_SIZE) + 12, 18.0
    colour = LABEL_COLOURS.get(route.label, "#334155")
    group = add(layer, "g", {"class": "edge-label", "data-source": route.source,
                             "data-label": route.label})
    add(group, "title", {}, f"{route.source} → {route.target}: {route.label}")
    add(group, "rect", {"x": num(x - w / 2), "y": num(y - h / 2), "width": num(w),
                        "height": num(h), "rx": "9", "fill": "#ffffff",
                        "stroke": tint(colour, 0.45)})
    add_text(group, x, y + 4, text, size=LABEL_SIZE, fill=colour, weight="600", anchor="middle")


def _curve_y(px: float, py: float, qx: float, qy: float, x: float) -> float:
    """Where the curve of :func:`_curve` from p to q is at ``x`` (by bisection on t)."""
    lo, hi = 0.0, 1.0
    for _ in range(40):
        t = (lo + hi) / 2
        if px + (qx - px) * (1.5 * t - 1.5 * t * t + t**3) < x:
            lo = t
        else:
            hi = t
    t = (lo + hi) / 2
    return py + (qy - py) * (3 * t * t - 2 * t**3)
