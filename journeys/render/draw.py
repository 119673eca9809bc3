"""SVG drawing primitives shared by the picture's parts: elements, text, numbers, colours.

Every number goes through :func:`num` (one decimal at most), so the same picture is the same
bytes; every string goes into the tree as text or an attribute, so ElementTree escapes it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

INK, MUTED, FAINT, LINE, PAPER = "#0f172a", "#64748b", "#94a3b8", "#cbd5e1", "#f8fafc"
ALARM = "#dc2626"


def num(value: float) -> str:
    """A coordinate as text: one decimal at most, the same every time."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def add(parent: ET.Element, tag: str, attrs: dict[str, str], text: str | None = None
        ) -> ET.Element:
    """A child element; attributes are written in the order given."""
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def add_text(parent: ET.Element, x: float, y: float, text: str, *, size: float,
             fill: str = INK, weight: str | None = None, anchor: str | None = None
             ) -> ET.Element:
    """A ``<text>`` at (x, y): the text is escaped by ElementTree like every other."""
    attrs = {"x": num(x), "y": num(y), "font-size": num(size), "fill": fill}
    if weight:
        attrs["font-weight"] = weight
    if anchor:
        attrs["text-anchor"] = anchor
    return add(parent, "text", attrs, text)


def tint(colour: str, amount: float) -> str:
    """``colour`` mixed with white: ``amount`` of the colour, the rest white."""
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 - (255 - c) * amount):02x}" for c in rgb)
