"""Issue 3, target 4: peak resident memory of a tick at 1M profiles."""

from __future__ import annotations

from benchmarks.harness import Result, Row, Target, figure
from benchmarks.report import fmt
from benchmarks.workspace import BIN, FLOOR, Workspace, clock_text, copy_warehouse, run_measured

GB = 1e9
FLOOR_SCRIPT = ("import sys, duckdb; "
                "duckdb.connect(sys.argv[1], read_only=True).execute(sys.argv[2]).fetchall()")


@figure("memory", title="Memory of a tick", profiles=1_000_000)
def memory(ws: Workspace) -> Result:
    """Peak resident memory (`ru_maxrss` of the process, from `wait4`) of one `journeys run`
    process on the warehouse of `tick_at_scale` after its 12 warm-up ticks, each engine on a
    fresh copy at the same clock. Baseline: a Python process that only opens the warehouse
    and runs the floor query (events ⋈ open entries)."""
    profiles = ws.scale(1_000_000)
    warm = ws.warmed(profiles)
    at = clock_text(warm.next_clock)
    floor = run_measured([str(BIN / "python"), "-c", FLOOR_SCRIPT, str(warm.path),
                          " ".join(FLOOR.split())], {})
    imports = run_measured([str(BIN / "python"), "-c", "import journeys.cli"], {})
    inprocess = ws.journeys(
        "run", "--at", at, "--engine", "inprocess",
        warehouse=copy_warehouse(warm.path, ws.path("memory-inprocess.duckdb")))
    ws.log(f"in-process tick: {fmt(inprocess.max_rss_bytes, 'bytes')}")
    dbt = ws.journeys("run", "--at", at,
                      warehouse=copy_warehouse(warm.path, ws.path("memory-dbt.duckdb")))
    ws.log(f"dbt tick: {fmt(dbt.max_rss_bytes, 'bytes')}")
    baseline = ("floor query process", float(floor.max_rss_bytes))
    result = Result(rows=[
        Row("peak RSS, `journeys run --engine inprocess`", inprocess.max_rss_bytes, "bytes",
            baseline, Target(2 * GB)),
        Row("peak RSS, `journeys run` (dbt build)", dbt.max_rss_bytes, "bytes", baseline,
            Target(2 * GB)),
    ])
    result.facts = [
        ("warehouse file after warm-up", fmt(warm.path.stat().st_size, "bytes")),
        ("open entries", fmt(warm.open_entries, "count")),
        ("peak RSS of `python -c 'import journeys.cli'`", fmt(imports.max_rss_bytes, "bytes")),
        ("wall time of the two ticks", f"in-process {fmt(inprocess.wall_s, 's')}, "
                                       f"dbt {fmt(dbt.wall_s, 's')}"),
    ]
    result.notes = ["DuckDB's `memory_limit` is left at its default (80% of RAM), so its "
                    "buffer pool keeps what it reads: the figure is what a tick holds, not "
                    "the least it needs."]
    result.commands = [floor.command, inprocess.command, dbt.command]
    return result
