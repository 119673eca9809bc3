"""Issue 3, target 2: a tick after 90 days of history costs at most 1.2× one at day 10."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb

from benchmarks.dbt_results import read_run_results
from benchmarks.figures.history import History, add_history, table_sizes
from benchmarks.harness import Result, Row, Target, figure, median, median_by_key
from benchmarks.report import fmt
from benchmarks.workspace import Workspace, clock_text, copy_warehouse, table_rows

START = datetime(2026, 10, 20)
"""The journeys' first tick; the events reach back to 2026-10-02."""
DAYS = 10
VARIANTS = {"day 10": History(event_copies=0, journey_copies=0),
            "day 90": History(event_copies=2, journey_copies=8)}


def growth_table(before: dict[str, float], after: dict[str, float], n: int = 10) -> str:
    """The ``n`` names whose time grew most from ``before`` to ``after`` (seconds).

    Example:
        >>> print(growth_table({"a": 1.0, "b": 2.0}, {"a": 1.5, "b": 2.1}, 1))
        | model | day 10 | day 90 | growth |
        | --- | ---: | ---: | ---: |
        | `a` | 1.00 s | 1.50 s | +500 ms (1.50×) |
    """
    grown = sorted(after, key=lambda k: (-(after[k] - before.get(k, 0.0)), k))[:n]
    lines = ["| model | day 10 | day 90 | growth |", "| --- | ---: | ---: | ---: |"]
    for name in grown:
        old, new = before.get(name, 0.0), after[name]
        sign = "+" if new >= old else "−"
        ratio = f" ({fmt(new / old, 'x')})" if old else ""
        lines.append(f"| `{name}` | {fmt(old, 's')} | {fmt(new, 's')} | "
                     f"{sign}{fmt(abs(new - old), 's')}{ratio} |")
    return "\n".join(lines)


def _tick(ws: Workspace, source, plans, at: datetime):
    """One in-process tick at ``at`` on a fresh copy of ``source``; its SQL already rendered,
    so that only the SQL is timed. Returns the timing and the tick's counts."""
    from journeys.tick.inprocess import InProcessEngine

    path = copy_warehouse(source, ws.path("growth-run.duckdb"))
    con = duckdb.connect(str(path))
    try:
        engine = InProcessEngine(con, plans)
        for plan in plans:
            engine.render(plan)
        timing = engine.tick(at)
        counts = con.execute("select journey_id, entered, advanced, exited, actions from "
                             "journeys.journey_ticks where tick_at = ? order by journey_id",
                             [at]).fetchall()
    finally:
        con.close()
    return timing, counts


@figure("growth_with_history", title="Growth with history", profiles=200_000)
def growth_with_history(ws: Workspace) -> Result:
    """A controlled experiment. `journeys simulate` ticks the synthetic warehouse hourly
    for 10 days (the day-10 state). A copy gets 80 more days of history that no open entry
    depends on: the events shifted back by 30 and 60 days, the journey outputs (steps, due
    actions, profile updates, ended entries, tick log) shifted back by 10 to 80 days with
    distinct keys, all their entries ended (`benchmarks/figures/history.py`). The same next
    tick then runs in-process on fresh copies of both, alternating; the SQL is rendered
    before the clock starts. Same open entries, same new events: only history differs."""
    profiles = ws.scale(200_000)
    at = START + timedelta(days=DAYS)
    state = copy_warehouse(ws.base(profiles), ws.path("growth-state.duckdb"))
    simulated = ws.journeys("simulate", "--start", clock_text(START), "--end",
                            clock_text(at - timedelta(hours=1)), "--every", "1h",
                            warehouse=state)
    ws.log(f"simulated {DAYS} days in {simulated.wall_s:.0f} s")
    variants, sizes = {}, {}
    for name, history in VARIANTS.items():
        path = copy_warehouse(state, ws.path(f"growth-{name.replace(' ', '')}.duckdb"))
        with duckdb.connect(str(path)) as con:
            add_history(con, history)
            sizes[name] = table_sizes(con)
            sizes[name]["open entries"] = table_rows(
                con, "journeys.journey_state where status = 'active'")
        sizes[name]["file"] = path.stat().st_size
        variants[name] = path
    plans = ws.compile(state).plans
    timings: dict[str, list] = {name: [] for name in variants}
    outcomes: dict[str, list] = {name: [] for name in variants}
    pairs = 2 * ws.repeat + 1  # a tick is cheap here and the machine noisy: more pairs
    for rep in range(pairs):
        for name in (list(variants) if rep % 2 == 0 else list(reversed(variants))):
            timing, counts = _tick(ws, variants[name], plans, at)
            timings[name].append(timing)
            outcomes[name].append(counts)
            ws.log(f"{name}: {timing.total_ms} ms")
    dbt = {}
    for name, path in variants.items():
        run = ws.journeys("run", "--at", clock_text(at),
                          warehouse=copy_warehouse(path, ws.path("growth-run.duckdb")))
        dbt[name] = (run, read_run_results(ws.project_root() / "dbt_project"))
        ws.log(f"{name}, dbt: {run.wall_s:.1f} s")

    tick = {name: median(t.total_ms for t in ts) / 1000 for name, ts in timings.items()}
    fastest = {name: min(t.total_ms for t in ts) / 1000 for name, ts in timings.items()}
    n = pairs
    result = Result(rows=[
        Row(f"in-process tick at day 90, SQL (median of {n})", tick["day 90"], "s",
            ("the same tick at day 10", tick["day 10"]), Target(1.2, on="ratio")),
        Row("`journeys run` (dbt) at day 90, wall (1 run)", dbt["day 90"][0].wall_s, "s",
            ("day 10", dbt["day 10"][0].wall_s)),
    ])
    same = all(o == outcomes["day 10"][0] for os_ in outcomes.values() for o in os_)
    result.facts = [
        ("the tick", f"{clock_text(at)}, after {DAYS} days of hourly ticks from "
                     f"{clock_text(START)} (simulated in {fmt(simulated.wall_s, 's')})"),
        ("same entered/advanced/exited/actions on both warehouses", "yes" if same else
         "**no**: the added history changed the tick's outcome"),
        ("fastest run of each (less sensitive to other work on the machine)",
         f"day 90 {fmt(fastest['day 90'], 's')}, day 10 {fmt(fastest['day 10'], 's')}: "
         f"{fmt(fastest['day 90'] / fastest['day 10'], 'x')}"),
        ("every in-process run (s), in order", "; ".join(
            f"{name}: " + ", ".join(f"{t.total_ms / 1000:.2f}" for t in ts)
            for name, ts in timings.items())),
    ]
    result.tables.append(_sizes_table(sizes))
    per_model = {name: median_by_key(t.per_model_ms for t in ts) for name, ts in timings.items()}
    result.tables.append(f"In-process models whose time grew most (median of {n}):\n\n"
                         + growth_table({k: v / 1000 for k, v in per_model["day 10"].items()},
                                        {k: v / 1000 for k, v in per_model["day 90"].items()}))
    result.tables.append("dbt nodes whose time grew most (run_results.json, 1 run each):\n\n"
                         + growth_table(dbt["day 10"][1].nodes, dbt["day 90"][1].nodes))
    result.commands = [simulated.command, dbt["day 90"][0].command]
    return result


def _sizes_table(sizes: dict[str, dict[str, int]]) -> str:
    names = list(next(iter(sizes.values())))
    lines = ["| rows | " + " | ".join(sizes) + " |", "| --- |" + " ---: |" * len(sizes)]
    for table in names:
        unit = "bytes" if table == "file" else "count"
        lines.append(f"| {table} | " + " | ".join(fmt(s[table], unit) for s in sizes.values())
                     + " |")
    return "\n".join(lines)
