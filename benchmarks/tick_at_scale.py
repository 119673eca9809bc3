"""One steady-state tick at scale, against the floor: a join of the events to the open entries.

Usage: python benchmarks/tick_at_scale.py --profiles 1000000 --warmup-hours 24

Builds a synthetic warehouse (20 events per profile over 30 days), runs ``--warmup-hours``
hourly ticks in-process so that journeys hold open entries, then times one more tick and,
in the same DuckDB process, the floor query: one scan of the events joined to the open
entries. Prints both and their ratio (machines here are shared and noisy: ratios, not
absolute times, are what to compare).
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from journeys.demo.synthetic import generate_warehouse
from journeys.project import compile_project
from journeys.settings import Settings
from journeys.tick.inprocess import InProcessEngine

REPO = Path(__file__).resolve().parents[1]
FLOOR = """
select count(*), max(e.occurred_at)
from main.events e
join journeys.journey_state s on s.member_id = e.member_id
where s.status = 'active'
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--warmup-hours", type=int, default=24)
    parser.add_argument("--warehouse", default="/tmp/journeys_bench.duckdb")
    parser.add_argument("--reuse", action="store_true", help="keep an existing warehouse")
    args = parser.parse_args()
    path = Path(args.warehouse)
    end = datetime(2026, 11, 1)
    if not (args.reuse and path.exists()):
        path.unlink(missing_ok=True)
        t0 = time.perf_counter()
        counts = generate_warehouse(path, profiles=args.profiles, days=30, end=end)
        print(f"generated {counts} in {time.perf_counter() - t0:.1f} s", flush=True)
    project = compile_project(Settings(project_root=REPO, warehouse=path))
    con = duckdb.connect(str(path))
    engine = InProcessEngine(con, project.plans)
    start = end - timedelta(hours=args.warmup_hours + 1)
    for h in range(args.warmup_hours):
        timing = engine.tick(start + timedelta(hours=h))
        print(f"warm-up tick {h + 1}/{args.warmup_hours}: {timing.total_ms} ms", flush=True)
    timing = engine.tick(start + timedelta(hours=args.warmup_hours))
    open_entries = con.execute(
        "select count(*) from journeys.journey_state where status = 'active'").fetchone()[0]
    t0 = time.perf_counter()
    con.execute(FLOOR).fetchall()
    floor_ms = (time.perf_counter() - t0) * 1000
    print(f"open entries: {open_entries}")
    print(f"steady-state tick: {timing.total_ms} ms; floor (events ⋈ open entries): "
          f"{floor_ms:.0f} ms; ratio {timing.total_ms / floor_ms:.1f}x")
    for name, ms in sorted(timing.per_model_ms.items(), key=lambda kv: -kv[1])[:10]:
        print(f"  {ms:8.0f} ms  {name}")


if __name__ == "__main__":
    main()
