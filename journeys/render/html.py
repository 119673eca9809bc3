"""The journey as one self-contained HTML page: the picture inline, then its numbers as tables.

The page loads nothing (no script, font, stylesheet or image from anywhere), so it opens
the same from a file, an artifact store or a Dagster asset's metadata.
"""

from __future__ import annotations

from html import escape

from journeys.metrics.readout import ArmReadout, JourneyReadout
from journeys.render.svg import FONT, render_svg
from journeys.render.text import count, key_numbers, percent, points
from journeys.spec.models import JourneySpec
from journeys.warehouse.tables import HOLDOUT_TILE

_STYLE = """
body { margin: 0; background: #f8fafc; color: #0f172a; font-family: %(font)s; }
main { padding: 0 0 40px; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
figure { margin: 0; overflow-x: auto; }
figure svg { display: block; }
section { margin: 8px 32px 24px; max-width: 960px; }
h2 { font-size: 15px; margin: 16px 0 8px; }
h3 { font-size: 13px; margin: 12px 0 6px; color: #475569; }
p.none { color: #64748b; font-size: 13px; }
table { border-collapse: collapse; font-size: 13px; background: #ffffff;
  border: 1px solid #e2e8f0; }
th, td { padding: 6px 12px; border-bottom: 1px solid #e2e8f0; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f1f5f9; color: #475569; font-weight: 600; }
td.clear { font-weight: 700; }
td.baseline { color: #64748b; }
"""


def render_html(spec: JourneySpec, readout: JourneyReadout | None = None) -> str:
    """A page showing the journey's picture, its key numbers and, for splits and the
    holdout, each arm's conversion against its baseline.

    Args:
        spec: the journey.
        readout: its numbers; None before the first tick.

    Returns:
        The page's HTML, with the SVG of :func:`render_svg` inline.

    Example:
        >>> from journeys.spec.models import JourneySpec
        >>> spec = JourneySpec.model_validate({"id": "j", "name": "J",
        ...     "entry": {"manual": True}, "tiles": {"start": {"type": "entry", "next": "end"},
        ...     "end": {"type": "exit"}}})
        >>> page = render_html(spec)
        >>> page.startswith("<!DOCTYPE html>"), "<svg" in page, "http" in page.split("<svg")[0]
        (True, True, False)
    """
    return page_html(spec, readout, render_svg(spec, readout))


def page_html(spec: JourneySpec, readout: JourneyReadout | None, svg: str) -> str:
    """The page of :func:`render_html` around an SVG already rendered (written beside it)."""
    title = f"{spec.name} ({spec.id})"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)} · journey</title>",
        f"<style>{_STYLE % {'font': FONT}}</style>",
        "</head>",
        "<body>",
        "<main>",
        f'<h1 class="visually-hidden">{escape(title)}</h1>',
        f'<figure aria-label="{escape(title, quote=True)}">{svg}</figure>',
        *_key_numbers(readout),
        *_arms(readout),
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _key_numbers(readout: JourneyReadout | None) -> list[str]:
    out = ['<section class="key-numbers">', "<h2>Key numbers</h2>"]
    if readout is None:
        out += ['<p class="none">No ticks yet: the journey has no numbers.</p>', "</section>"]
        return out
    m = readout.metrics
    rows = key_numbers(m)
    rows.insert(4, ("converted", count(m.converted)))
    last = m.last_tick_at.isoformat(sep=" ", timespec="minutes") if m.last_tick_at else "–"
    rows.append(("last tick", last))
    out.append("<table>")
    out += [f"<tr><th>{escape(c)}</th><td>{escape(v)}</td></tr>" for c, v in rows]
    out += ["</table>", "</section>"]
    return out


def _arms(readout: JourneyReadout | None) -> list[str]:
    if readout is None or not readout.arms:
        return []
    out = ['<section class="ab-readout">', "<h2>A/B readout</h2>"]
    by_tile: dict[str, list[ArmReadout]] = {}
    for arm in readout.arms:
        by_tile.setdefault(arm.tile_id, []).append(arm)
    for tile_id, rows in by_tile.items():
        heading = ("Global holdout (no messages) against messaged members"
                   if tile_id == HOLDOUT_TILE else f"Split <code>{escape(tile_id)}</code>")
        out.append(f"<h3>{heading}</h3>")
        out.append(
            "<table><thead><tr><th>path</th><th>entered</th><th>converted</th>"
            "<th>rate</th><th>diff vs baseline (95% interval)</th></tr></thead><tbody>"
        )
        out += [_arm_row(arm) for arm in rows]
        out.append("</tbody></table>")
    out.append("</section>")
    return out


def _arm_row(arm: ArmReadout) -> str:
    if arm.is_baseline:
        diff, cls = "baseline", "baseline"
    elif arm.diff is None:
        diff, cls = "–", ""
    else:
        interval = (f" ({points(arm.ci_low)} to {points(arm.ci_high)})"
                    if arm.ci_low is not None and arm.ci_high is not None else "")
        diff = f"{points(arm.diff)}{interval}"
        # an interval that leaves out zero: a difference the numbers can tell apart
        clear = arm.ci_low is not None and arm.ci_high is not None and (
            arm.ci_low > 0 or arm.ci_high < 0)
        cls = "clear" if clear else ""
    attr = f' class="{cls}"' if cls else ""
    return (f"<tr><td>{escape(arm.path)}</td><td>{count(arm.entered)}</td>"
            f"<td>{count(arm.converted)}</td><td>{percent(arm.conversion_rate, digits=1)}</td>"
            f"<td{attr}>{escape(diff)}</td></tr>")
