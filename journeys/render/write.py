"""Writing a journey's picture to files: ``<id>.svg`` and ``<id>.html`` side by side."""

from __future__ import annotations

from pathlib import Path

from journeys.metrics.readout import JourneyReadout
from journeys.render.html import render_html
from journeys.render.svg import render_svg
from journeys.spec.models import JourneySpec


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
    svg_path.write_text(render_svg(spec, readout) + "\n", encoding="utf-8")
    html_path.write_text(render_html(spec, readout), encoding="utf-8")
    return svg_path, html_path
