"""Issue 3, target 3: a month's backtest (720 hourly ticks) at 100k profiles in a minute."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import duckdb

from benchmarks.harness import Result, Row, Target, figure, median, top
from benchmarks.report import fmt
from benchmarks.workspace import END, Workspace, clock_text, copy_warehouse

REPORTED = re.compile(r"(\d+) ticks in ([\d.]+) s")
"""The total `journeys simulate` prints in its table's title."""


def per_day(per_tick: list[tuple[datetime, float]]) -> dict[str, float]:
    """Seconds per day of clocks.

    Example:
        >>> per_day([(datetime(2026, 10, 2, 0), 0.5), (datetime(2026, 10, 2, 1), 0.25),
        ...          (datetime(2026, 10, 3, 0), 0.5)])
        {'2026-10-02': 0.75, '2026-10-03': 0.5}
    """
    days: dict[str, float] = {}
    for at, seconds in per_tick:
        days[f"{at:%Y-%m-%d}"] = days.get(f"{at:%Y-%m-%d}", 0.0) + seconds
    return days


def reported_ticks(stdout: str) -> tuple[int, float] | None:
    """Ticks and engine seconds `journeys simulate` printed.

    Example:
        >>> reported_ticks("                 720 ticks in 512.3 s                ")
        (720, 512.3)
    """
    found = REPORTED.search(stdout)
    return (int(found.group(1)), float(found.group(2))) if found else None


@figure("backtest", title="Backtest", profiles=100_000)
def backtest(ws: Workspace) -> Result:
    """`journeys simulate` over the 30 days of the synthetic warehouse's events, hourly
    (720 ticks, fewer with `--days`), as a command on a fresh copy. Baseline: one tick as
    a command (`journeys run --engine inprocess` at the first clock, on another copy), which
    is what 720 separate runs would each pay."""
    profiles = ws.scale(100_000)
    days = ws.days or 30
    start, end = END - timedelta(days=days), END - timedelta(hours=1)
    base = ws.base(profiles)
    one = ws.journeys("run", "--at", clock_text(start), "--engine", "inprocess",
                      warehouse=copy_warehouse(base, ws.path("backtest-one.duckdb")))
    path = copy_warehouse(base, ws.path("backtest.duckdb"))
    run = ws.journeys("simulate", "--start", clock_text(start), "--end", clock_text(end),
                      "--every", "1h", warehouse=path)
    ws.log(f"simulate {days} days: {run.wall_s:.0f} s")
    with duckdb.connect(str(path), read_only=True) as con:
        per_tick = con.execute("select tick_at, max(duration_ms) / 1000 from "
                               "journeys.journey_ticks group by tick_at order by tick_at"
                               ).fetchall()
        steps = con.execute("select count(*) from journeys.journey_steps").fetchone()[0]
    ticks = len(per_tick)
    result = Result(rows=[
        Row(f"`journeys simulate`, {ticks} hourly ticks, wall", run.wall_s, "s",
            ("one tick as a command", one.wall_s), Target(60 if days == 30 else 60 * days / 30)),
    ])
    reported = reported_ticks(run.stdout)
    if reported:
        result.facts.append(("tick time `journeys simulate` reports (the rest of the wall "
                             "time is start-up and compile)",
                             f"{fmt(reported[1], 's')} for {reported[0]} ticks"))
    if per_tick:
        result.facts += [
            ("per tick (journey_ticks.duration_ms; a batch's share when ticks run in batches)",
             f"median {fmt(median(s for _, s in per_tick), 's')}, first "
             f"{fmt(per_tick[0][1], 's')}, slowest {fmt(max(s for _, s in per_tick), 's')}"),
            ("throughput", f"{ticks / run.wall_s:.1f} ticks/s of wall time"),
            ("steps written", fmt(steps, "count")),
            ("peak RSS", fmt(run.max_rss_bytes, "bytes")),
        ]
        result.dominated = {"slowest days (their ticks' summed share)": top(per_day(per_tick), 5)}
    if days != 30:
        result.notes.append(f"Shortened to {days} days with `--days`: the target is scaled "
                            "to 60 s × days / 30.")
    result.commands = [one.command, run.command]
    return result
