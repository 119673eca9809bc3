"""Issue 3, target 1: a steady-state tick at 1M profiles, against the floor."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import duckdb

from benchmarks.dbt_results import DbtTimes, read_run_results
from benchmarks.harness import Result, Row, Target, figure, median, median_by_key, top
from benchmarks.report import fmt
from benchmarks.workspace import (
    BIN,
    FLOOR,
    Run,
    Workspace,
    clock_text,
    copy_warehouse,
    run_measured,
    table_rows,
)

HOUR = timedelta(hours=1)
REPORTED_MS = re.compile(r"\((?:inprocess|dbt), (\d+) ms\)")
"""The tick time `journeys run` prints in its table's title."""


def reported_seconds(stdout: str) -> float | None:
    """The engine time `journeys run` printed, in seconds.

    Example:
        >>> reported_seconds("   tick 2026-10-31 13:00:00 UTC (inprocess, 1777 ms)   ")
        1.777
    """
    found = REPORTED_MS.search(stdout)
    return int(found.group(1)) / 1000 if found else None


def _timed(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    started = time.perf_counter()
    con.execute(sql).fetchall()
    return time.perf_counter() - started


@figure("tick_at_scale", title="Tick at scale", profiles=1_000_000)
def tick_at_scale(ws: Workspace) -> Result:
    """One hourly tick of the seed journeys (six since issue 8) on the synthetic warehouse
    (20 events per profile over 30 days) after 12 warm-up hourly ticks. The SQL time is
    `TickTiming.total_ms` of the in-process engine (a fresh engine's first tick, which also
    renders the SQL, is left out); the floor is one scan of the events joined to the open
    entries (`journeys.journey_state where status = 'active'`) in the same DuckDB process,
    right after each tick. Then `journeys run` as a command, each engine at the next
    hourly clocks of the same warehouse."""
    from journeys.tick.inprocess import InProcessEngine

    profiles = ws.scale(1_000_000)
    warm = ws.warmed(profiles)
    path = copy_warehouse(warm.path, ws.path("tick_at_scale.duckdb"))
    started = time.perf_counter()
    project = ws.compile(path)
    compile_s = time.perf_counter() - started
    clock = warm.next_clock
    con = duckdb.connect(str(path))
    try:
        engine = InProcessEngine(con, project.plans)
        first = engine.tick(clock)
        clock += HOUR
        ticks, floors = [], []
        for _ in range(2 * ws.repeat + 1):  # seconds each, and the machine is noisy
            ticks.append(engine.tick(clock))
            clock += HOUR
            floors.append(_timed(con, FLOOR))
            ws.log(f"tick {ticks[-1].total_ms} ms, floor {floors[-1] * 1000:.0f} ms")
        open_entries = table_rows(con, "journeys.journey_state where status = 'active'")
        events = table_rows(con, "main.events")
        con.execute("checkpoint")
    finally:
        con.close()

    inprocess, dbt, dbt_times = [], [], []
    for _ in range(ws.repeat):
        inprocess.append(ws.journeys("run", "--at", clock_text(clock), "--engine", "inprocess",
                                     warehouse=path))
        clock += HOUR
        ws.log(f"journeys run --engine inprocess: {inprocess[-1].wall_s:.1f} s")
    for _ in range(ws.repeat):
        dbt.append(ws.journeys("run", "--at", clock_text(clock), warehouse=path))
        dbt_times.append(read_run_results(ws.project_root() / "dbt_project"))
        clock += HOUR
        ws.log(f"journeys run (dbt): {dbt[-1].wall_s:.1f} s")
    imports = median(run_measured([str(BIN / "python"), "-c", "import journeys.cli"], {}).wall_s
                     for _ in range(ws.repeat))

    tick_s = median(t.total_ms for t in ticks) / 1000
    floor = ("floor: events ⋈ open entries", median(floors))
    inprocess_s = median(r.wall_s for r in inprocess)
    dbt_s = median(r.wall_s for r in dbt)
    n = ws.repeat
    result = Result(rows=[
        Row(f"steady-state tick, SQL in-process (median of {len(ticks)})", tick_s, "s", floor,
            Target(3, on="ratio")),
        Row(f"`journeys run --engine inprocess`, wall (median of {n})", inprocess_s, "s",
            floor, Target(10)),
        Row(f"`journeys run` (dbt build), wall (median of {n})", dbt_s, "s", floor,
            Target(10)),
    ])
    result.facts += _facts(profiles, events, open_entries, warm.warmup_s, first.total_ms,
                           compile_s, imports, inprocess, dbt, dbt_times)
    per_model = median_by_key(t.per_model_ms for t in ticks)
    governance = {name: ms for name, ms in per_model.items()
                  if name in ("governed_actions", "governance_blocks")}
    if governance:
        share = sum(governance.values())
        result.facts.append((
            "governance's models in the in-process tick (median)",
            ", ".join(f"`{name}` {fmt(ms / 1000, 's')}" for name, ms in sorted(
                governance.items())) + f": {share / (tick_s * 1000):.1%} of the tick"))
    dbt_nodes = median_by_key(t.nodes for t in dbt_times)
    result.facts += _metrics_facts(per_model, tick_s, dbt_nodes, median(
        t.elapsed_s for t in dbt_times))
    result.dominated = {
        f"in-process tick, per model (median of {len(ticks)})":
            [(name, ms / 1000) for name, ms in top(per_model)],
        f"`journeys run` (dbt), per node from run_results.json (median of {n})": top(dbt_nodes),
    }
    result.commands = [inprocess[0].command, dbt[0].command]
    return result


METRICS = ("journey_step_counts", "journey_entry_counts", "journey_conversions",
           "journey_tile_stats", "journey_metrics", "journey_split_readout")


def _is_metrics(name: str) -> bool:
    return name.endswith("__conversions") or any(m in name for m in METRICS)


def _metrics_facts(per_model: dict[str, float], tick_s: float, dbt_nodes: dict[str, float],
                   dbt_elapsed_s: float) -> list[tuple[str, str]]:
    """What the metrics models (issue 8) add to a tick: their models in-process, and their
    models and dbt tests (the views' tests read them whole) under dbt."""
    inprocess = sum(ms for name, ms in per_model.items() if _is_metrics(name))
    under_dbt = sum(s for name, s in dbt_nodes.items() if _is_metrics(name))
    return [
        ("metrics models in the in-process tick (median; counts, conversions, views)",
         f"{fmt(inprocess / 1000, 's')}: {inprocess / (tick_s * 1000):.1%} of the tick"),
        ("metrics models and their dbt tests in `journeys run` (median)",
         f"{fmt(under_dbt, 's')}: {under_dbt / dbt_elapsed_s:.1%} of dbt's elapsed time"),
    ]


def _facts(profiles: int, events: int, open_entries: int, warmup: list[float], first_ms: int,
           compile_s: float, imports_s: float, inprocess: list[Run], dbt: list[Run],
           dbt_times: list[DbtTimes]) -> list[tuple[str, str]]:
    reported = [s for s in (reported_seconds(r.stdout) for r in inprocess) if s is not None]
    kinds = dbt_times[-1].by_kind()
    dbt_elapsed = median(t.elapsed_s for t in dbt_times)
    dbt_s = median(r.wall_s for r in dbt)
    facts = [
        ("warehouse", f"{fmt(profiles, 'count')} profiles, {fmt(events, 'count')} events, "
                      f"{fmt(open_entries, 'count')} open entries at the last measured tick"),
        ("warm-up ticks (in-process SQL)", f"first {fmt(warmup[0], 's')}, then median "
                                           f"{fmt(median(warmup[1:] or warmup), 's')}"),
        ("first tick of a fresh in-process engine (SQL rendering included)",
         fmt(first_ms / 1000, "s")),
        ("`compile_project` (validation and sqlglot compile; every `journeys` command pays it)",
         fmt(compile_s, "s")),
        ("`python -c 'import journeys.cli'`", fmt(imports_s, "s")),
    ]
    if reported:
        facts.append(("`journeys run --engine inprocess`: tick time it reports (median)",
                      fmt(median(reported), "s")))
    facts.append(("`journeys run` (dbt): dbt's elapsed time (median); the rest of the wall "
                  "time is start-up, compile and dbt's parse",
                  f"{fmt(dbt_elapsed, 's')} of {fmt(dbt_s, 's')}"))
    facts.append(("dbt nodes (last run)", ", ".join(
        f"{count} {kind}s {fmt(total, 's')}" for kind, (count, total) in kinds.items())))
    facts.append(("peak RSS of the commands (max)", ", ".join(
        f"{name} {fmt(max(r.max_rss_bytes for r in runs), 'bytes')}"
        for name, runs in (("in-process", inprocess), ("dbt", dbt)))))
    return facts
