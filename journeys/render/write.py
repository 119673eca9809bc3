"""Writing a journey's picture to files: ``<id>.svg`` and ``<id>.html`` side by side."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from journeys.metrics.readout import JourneyReadout, read_readout
from journeys.render.html import page_html
from journeys.render.svg import render_svg
from journeys.spec.models import JourneySpec
from journeys.warehouse.readers import reading

PICTURES_DIR = "journey_pictures"
"""Where `journeys render`, the demo and Dagster write pictures (under the project root)."""


@dataclass(frozen=True)
class Picture:
    """A journey drawn with its numbers (``readout`` None without a warehouse)."""

    readout: JourneyReadout | None
    svg_path: Path
    html_path: Path


def write_picture(spec: JourneySpec, readout: JourneyReadout | None, out_dir: Path
                  ) -> tuple[Path, Path]:
    """Write the journey's SVG and its HTML page into ``out_dir`` (created if missing).

    Returns:
        The paths written: ``out_dir/<id>.svg`` and ``out_dir/<id>.html``.

    Example:
        >>> import tempfile
        >>> from journeys.spec.models import JourneySpec
        >>> spec = JourneySpec.model_validate({"id": "j", "name": "J",
        ...     "entry": {"manual": True}, "tiles": {"start": {"type": "entry", "next": "end"},
        ...     "end": {"type": "exit"}}})
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     [p.name for p in write_picture(spec, None, Path(tmp) / "pictures")]
        ['j.svg', 'j.html']
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    svg_path, html_path = out_dir / f"{spec.id}.svg", out_dir / f"{spec.id}.html"
    svg = render_svg(spec, readout)
    svg_path.write_text(svg + "\n", encoding="utf-8")
    html_path.write_text(page_html(spec, readout, svg), encoding="utf-8")
    return svg_path, html_path


def write_pictures(warehouse: Path, specs: Mapping[str, JourneySpec],
                   out_dir: Path) -> dict[str, Picture]:
    """Each journey's picture with the warehouse's numbers (none when there is no warehouse
    file yet), by journey id. Raises ``duckdb.Error`` when the file cannot be opened."""
    if not warehouse.exists():
        return {j: Picture(None, *write_picture(specs[j], None, out_dir)) for j in sorted(specs)}
    with reading(warehouse) as con:
        return {j: Picture(readout, *write_picture(specs[j], readout, out_dir))
                for j in sorted(specs) for readout in [read_readout(con, specs[j])]}
