"""``journeys status``: each journey's numbers as rich tables (or JSON), from the metrics.

Why: the first question after a tick is "where are my members, which way did they go, and
does it work?". Every number here comes from the metrics models (``journey_tile_stats``,
``journey_metrics``, ``journey_split_readout``) through :mod:`journeys.metrics.readout`, so
the terminal, the JSON, the picture and Dagster show the same figures.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from journeys.demo.governance_report import governance_counts, governance_table
from journeys.lifecycle.control import states_of
from journeys.metrics.readout import JourneyReadout, has_metrics, read_readout
from journeys.spec.models import JourneySpec
from journeys.warehouse.readers import reading


def _cell(n: int) -> str:
    return f"{n:,}" if n else "[dim]·[/dim]"


def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.1%}"


def duration_text(seconds: float | None) -> str:
    """``2d 4h``, ``3h 20m`` or ``45m``: an average duration as people say it.

    Example:
        >>> duration_text(187_200.0), duration_text(12_000.0), duration_text(None)
        ('2d 4h', '3h 20m', '–')
    """
    if seconds is None:
        return "–"
    minutes = int(round(seconds / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {minutes}m" if hours else f"{minutes}m"


def summary_line(readout: JourneyReadout) -> str:
    """``entered 120 · active 30 · completed 80 · exited early 10 · converted 12 (10.0%) ·
    avg 2d 4h``."""
    m = readout.metrics
    return (f"entered {m.entered:,} · active {m.active:,} · completed {m.completed:,} · "
            f"exited early {m.exited_early:,} · converted {m.converted:,} "
            f"({_pct(m.conversion_rate)}) · avg duration {duration_text(m.avg_duration_s)}")


def tile_table(readout: JourneyReadout, ticked: bool = True, state: str | None = None) -> Table:
    """A row per tile, in flow order; the journey's totals as the caption, its lifecycle
    state (S18) beside its name."""
    caption = summary_line(readout) if ticked else "no metrics yet: a tick (`journeys run`) " \
        "builds them"
    shown_state = f" · {state}" if state else ""
    table = Table(title=f"{readout.name} [dim]({readout.journey_id}){shown_state}[/dim]",
                  caption=caption,
                  title_justify="left", caption_justify="left")
    for name, justify in (("tile", "left"), ("type", "left"), ("active", "right"),
                          ("passed through", "right"), ("exited here", "right"),
                          ("paths", "left"), ("sent", "right"), ("errors", "right")):
        table.add_column(name, justify=justify, style="dim" if name == "type" else None)
    for s in readout.tiles:
        shares = s.path_shares()
        paths = " · ".join(f"{label} {n:,} ({shares[label]:.0%})" if shares else f"{label} 0"
                           for label, n in s.paths.items())
        errors = "" if not s.delivery_errors else (
            f"{s.delivery_errors:,}" + (f" ({s.retrying:,} retrying)" if s.retrying else ""))
        exited = _cell(s.exited_here)
        table.add_row(s.tile_id, s.tile_type, _cell(s.active), _cell(s.passed_through),
                      f"[bold]{exited}[/bold]" if s.tile_type == "exit" else exited, paths,
                      _cell(s.sent) if s.actions_due else "", errors)
    return table


def ab_table(readout: JourneyReadout) -> Table | None:
    """The A/B readout: per split path (and the holdout), conversion and the difference
    with the baseline arm, with its 95% interval."""
    if not readout.arms:
        return None
    table = Table(title=f"A/B readout: {readout.journey_id}", title_justify="left")
    for name in ("tile", "arm", "entered", "converted", "rate", "vs baseline (95% CI)"):
        table.add_column(name, justify="left" if name in ("tile", "arm") else "right")
    for arm in readout.arms:
        if arm.is_baseline:
            versus = "[dim]baseline[/dim]"
        elif arm.diff is None:
            versus = "–"
        else:
            versus = (f"{arm.diff * 100:+.1f} pts [{arm.ci_low * 100:+.1f}, "
                      f"{arm.ci_high * 100:+.1f}]")
        table.add_row(arm.tile_id, arm.path, f"{arm.entered:,}",
                      "–" if arm.converted is None else f"{arm.converted:,}",
                      _pct(arm.conversion_rate), versus)
    return table


def readouts(con: Any, specs: Mapping[str, JourneySpec]) -> list[JourneyReadout]:
    """Every journey's :class:`JourneyReadout`, sorted by id."""
    return [read_readout(con, specs[j]) for j in sorted(specs)]


def status_json(warehouse_path: Path | str, specs: Mapping[str, JourneySpec]) -> str:
    """``journeys status --json``: a list with one object per journey."""
    with reading(Path(warehouse_path)) as con:
        states = states_of(con, specs)
        return json.dumps([{**r.to_json(), "state": states[r.journey_id]}
                           for r in readouts(con, specs)], indent=2)





def print_report(
    warehouse_path: Path | str,
    specs: Mapping[str, JourneySpec],
    console: Console | None = None,
) -> None:
    """Print every journey's tile table and A/B readout, then governance's counts."""
    console = console or Console()
    with reading(Path(warehouse_path)) as con:
        ticked = has_metrics(con)
        states = states_of(con, specs)
        for readout in readouts(con, specs):
            console.print(tile_table(readout, ticked, states[readout.journey_id]))
            console.print()
            ab = ab_table(readout)
            if ab is not None:
                console.print(ab)
                console.print()
        only = next(iter(specs)) if len(specs) == 1 else None
        counts = governance_counts(con, only)
        if not counts.empty:
            console.print(governance_table(
                counts, "Governance: actions not sent on purpose" + (f" ({only})" if only else "")))
            console.print()
