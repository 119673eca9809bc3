"""The journey as an SVG picture: tiles as boxes, edges as curves, counts from the readout.

Built with :mod:`xml.etree.ElementTree`, so every piece of spec text is escaped and the result
is well-formed XML; attributes are written in a fixed order and numbers rounded the same way,
so the same spec and readout give the same bytes.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from journeys.metrics.readout import JourneyReadout
from journeys.render.cards import (
    CARD_WIDTH,
    DETAIL_LINE,
    DETAIL_SIZE,
    ID_SIZE,
    KIND_SIZE,
    PAD,
    STAT_LINE,
    STAT_SIZE,
    TOP_BAND,
    Card,
    tile_card,
)
from journeys.render.draw import ALARM, INK, LINE, MUTED, PAPER, add, add_text, num, tint
from journeys.render.edges import draw_edge, draw_edge_label, edge_text, steps_along
from journeys.render.layout import Box, layout_journey
from journeys.render.text import fit, key_numbers
from journeys.spec.models import JourneySpec

SVG_NS = "http://www.w3.org/2000/svg"
FONT = ("system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, "
        "'Liberation Sans', 'DejaVu Sans', sans-serif")
MARGIN = 32.0
KEY_WIDTH, KEY_HEIGHT, KEY_GAP = 124.0, 54.0, 10.0
LEGEND = (("entry", "#16a34a"), ("wait", "#d97706"), ("branch", "#7c3aed"),
          ("split", "#db2777"), ("action, webhook, update_profile, sub_journey", "#2563eb"),
          ("exit", "#64748b"))


def render_svg(spec: JourneySpec, readout: JourneyReadout | None = None) -> str:
    """Draw a journey left to right, with each tile's live counts when there is a readout.

    Args:
        spec: the journey to draw.
        readout: its numbers (:func:`journeys.metrics.readout.read_readout`); None before
            the first tick: the boxes are drawn without counts.

    Returns:
        An ``<svg>`` document with ``width``, ``height`` and ``viewBox``; each tile is a
        ``<g id="tile-<tile_id>">`` carrying its counts as ``data-`` attributes.

    Example:
        >>> from journeys.spec.models import JourneySpec
        >>> spec = JourneySpec.model_validate({"id": "j", "name": "J & co",
        ...     "entry": {"manual": True}, "tiles": {"start": {"type": "entry", "next": "end"},
        ...     "end": {"type": "exit"}}})
        >>> svg = render_svg(spec)
        >>> svg.startswith("<svg"), "J &amp; co" in svg, 'id="tile-end"' in svg
        (True, True, True)
    """
    cards = {
        tid: tile_card(tid, tile, readout.tile(tid) if readout else None, spec.entry)
        for tid, tile in spec.tiles.items()
    }
    layout = layout_journey(spec, {tid: (CARD_WIDTH, c.height) for tid, c in cards.items()})
    header = 70.0 + (KEY_HEIGHT + 22.0 if readout else 0.0)
    keys_width = 6 * KEY_WIDTH + 5 * KEY_GAP
    width = math.ceil(max(layout.width, keys_width, 560.0) + 2 * MARGIN)
    height = math.ceil(MARGIN + header + layout.height + 56.0)

    root = ET.Element("svg", {
        "xmlns": SVG_NS, "width": str(width), "height": str(height),
        "viewBox": f"0 0 {width} {height}", "font-family": FONT, "role": "img",
    })
    ET.SubElement(root, "title").text = f"{spec.name} ({spec.id})"
    ET.SubElement(root, "rect", {"width": str(width), "height": str(height), "fill": PAPER})
    _header(root, spec, readout, width)
    offset = f"translate({num(MARGIN)},{num(MARGIN + header)})"
    graph = add(root, "g", {"class": "graph", "transform": offset})
    stats = {tid: readout.tile(tid) if readout else None for tid in spec.tiles}
    flows = {(r.source, r.label): steps_along(stats[r.source], r.label) for r in layout.routes}
    most = max((f for f in flows.values() if f is not None), default=0)
    edge_layer = add(graph, "g", {"class": "edges"})
    for route in layout.routes:
        draw_edge(edge_layer, route, flows[(route.source, route.label)], most)
    tile_layer = add(graph, "g", {"class": "tiles"})
    for box in layout.boxes:
        _tile(tile_layer, box, cards[box.tile_id])
    label_layer = add(graph, "g", {"class": "edge-labels"})
    for route in layout.routes:
        text = edge_text(spec, stats[route.source], route)
        if text:
            draw_edge_label(label_layer, route, text)
    _legend(root, height - 24.0)
    return ET.tostring(root, encoding="unicode")


def picture_size(svg: str) -> tuple[int, int]:
    """Width and height in px of a picture drawn by :func:`render_svg`.

    Example:
        >>> picture_size('<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480"/>')
        (640, 480)
    """
    root = ET.fromstring(svg)
    return int(float(root.attrib["width"])), int(float(root.attrib["height"]))


def _header(root: ET.Element, spec: JourneySpec, readout: JourneyReadout | None,
            width: int) -> None:
    head = add(root, "g", {"class": "header"})
    title = add_text(head, MARGIN, MARGIN + 22, fit(spec.name, 560, 22, bold=True), size=22,
                     weight="700")
    add(title, "tspan", {"dx": "12", "font-size": "13", "font-weight": "400", "fill": MUTED},
        spec.id)
    parts = [spec.description or ""]
    if readout is None:
        parts.append("no ticks yet")
    elif readout.metrics.last_tick_at is not None:
        parts.append(f"last tick {readout.metrics.last_tick_at:%Y-%m-%d %H:%M}")
    sub = " · ".join(p for p in parts if p)
    add_text(head, MARGIN, MARGIN + 46, fit(sub, width - 2 * MARGIN, 12.5), size=12.5, fill=MUTED)
    if readout is None:
        return
    for i, (caption, value) in enumerate(key_numbers(readout.metrics)):
        x, y = MARGIN + i * (KEY_WIDTH + KEY_GAP), MARGIN + 64
        key = add(head, "g", {"class": "key-number", "data-key": caption})
        add(key, "rect", {"x": num(x), "y": num(y), "width": num(KEY_WIDTH),
                          "height": num(KEY_HEIGHT), "rx": "8", "fill": "#ffffff",
                          "stroke": "#e2e8f0"})
        add_text(key, x + 12, y + 19, caption.upper(), size=9.5, fill=MUTED, weight="600")
        add_text(key, x + 12, y + 42, value, size=18, weight="700")


def _tile(layer: ET.Element, box: Box, card: Card) -> None:
    attrs = {"id": f"tile-{card.tile_id}", "class": f"tile tile-{card.tile_type}"}
    attrs.update(card.data)
    group = add(layer, "g", attrs)
    add(group, "title", {}, f"{card.tile_id} ({card.tile_type})")
    x, y, w, h, r = box.x, box.y, box.width, box.height, 10.0
    add(group, "rect", {"x": num(x + 1), "y": num(y + 2), "width": num(w), "height": num(h),
                        "rx": num(r), "fill": INK, "fill-opacity": "0.06"})
    add(group, "rect", {"class": "box", "x": num(x), "y": num(y), "width": num(w),
                        "height": num(h), "rx": num(r), "fill": "#ffffff", "stroke": LINE})
    band = (f"M{num(x)},{num(y + TOP_BAND)} V{num(y + r)} A{num(r)},{num(r)} 0 0 1 {num(x + r)},"
            f"{num(y)} H{num(x + w - r)} A{num(r)},{num(r)} 0 0 1 {num(x + w)},{num(y + r)} "
            f"V{num(y + TOP_BAND)} Z")
    add(group, "path", {"d": band, "fill": tint(card.accent, 0.12)})
    add(group, "rect", {"x": num(x), "y": num(y + r), "width": "4",
                        "height": num(TOP_BAND - r), "fill": card.accent})
    add(group, "line", {"x1": num(x), "y1": num(y + TOP_BAND), "x2": num(x + w),
                        "y2": num(y + TOP_BAND), "stroke": tint(card.accent, 0.35)})
    add_text(group, x + PAD, y + 20, card.title, size=ID_SIZE, weight="700")
    add_text(group, x + PAD, y + 37, card.kind, size=KIND_SIZE, fill=card.accent, weight="600")
    line_y = y + TOP_BAND + 16
    for detail in card.details:
        add_text(group, x + PAD, line_y, detail, size=DETAIL_SIZE, fill="#475569")
        line_y += DETAIL_LINE
    if card.details and card.stats:
        line_y += 8
        add(group, "line", {"x1": num(x + PAD), "y1": num(line_y - 15), "x2": num(x + w - PAD),
                            "y2": num(line_y - 15), "stroke": "#e2e8f0"})
    column = (w - 2 * PAD) / 2
    for i, stat in enumerate(card.stats):
        sx, sy = x + PAD + (i % 2) * column, line_y + (i // 2) * STAT_LINE
        colour = ALARM if stat.alarm else INK
        shown = add_text(group, sx, sy, stat.value, size=STAT_SIZE, weight="700", fill=colour)
        add(shown, "tspan", {"font-weight": "400", "fill": ALARM if stat.alarm else MUTED},
            f" {stat.caption}")


def _legend(root: ET.Element, y: float) -> None:
    legend = add(root, "g", {"class": "legend"})
    x = MARGIN
    for name, colour in LEGEND:
        add(legend, "rect", {"x": num(x), "y": num(y - 9), "width": "10", "height": "10",
                             "rx": "2", "fill": colour})
        add_text(legend, x + 15, y, name, size=11, fill=MUTED)
        x += 28 + len(name) * 11 * 0.55
