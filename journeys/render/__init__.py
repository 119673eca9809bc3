"""``journeys render``: a journey drawn left to right as SVG, and as an HTML page, with the
live counts of its readout on every tile.

The tiles are placed by :mod:`.layout` (grandalf's Sugiyama layout, turned), their boxes
worded by :mod:`.cards`, drawn by :mod:`.svg` and wrapped in a page by :mod:`.html`.
"""

from __future__ import annotations

from journeys.render.html import render_html
from journeys.render.svg import picture_size, render_svg
from journeys.render.write import PICTURES_DIR, Picture, write_picture, write_pictures

__all__ = ["PICTURES_DIR", "Picture", "picture_size", "render_html", "render_svg",
           "write_picture", "write_pictures"]
