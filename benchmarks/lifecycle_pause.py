"""What pausing costs: the catch-up tick after a day's pause against ordinary ticks, and a
migration of the members of an edited journey (BENCHMARKS.md, "Pause, resume, migrate").

    python -m benchmarks.lifecycle_pause [--profiles 100000]

One warehouse, warmed up with a week of hourly ticks, copied twice: one copy ticks the next
24 hours hourly; on the other every journey is paused for 23 of them and resumed for the
24th, whose tick processes the day's due steps at their logical times. Then the welcome
series is paused, its three-day wait replaced by a two-day one, and `journeys migrate`
moves the members waiting there. All in one process, one after another: the ratios are
within one run, on the same data.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from journeys.demo.synthetic import generate_warehouse
from journeys.lifecycle import ChangeRequest, activate_drafts, change_state
from journeys.lifecycle.migration import migrate, resume_check
from journeys.project import compile_project
from journeys.settings import Settings
from journeys.warehouse.clock import clock_sequence
from journeys.tick.runner import simulate

REPO = Path(__file__).resolve().parents[1]
END = datetime(2026, 11, 1)


def _project(root: Path) -> Path:
    shutil.copytree(REPO / "journey_specs", root / "journey_specs")
    shutil.copytree(REPO / "dbt_project", root / "dbt_project",
                    ignore=shutil.ignore_patterns("target", "logs"))
    return root


def _ticks(settings: Settings, clocks: list[datetime]) -> list[float]:
    """Seconds of each in-process tick, one clock per run (as a schedule runs them)."""
    project = compile_project(settings)
    reports = simulate(settings, project, clocks, batch=1)
    return [r.elapsed_ms / 1000 for r in reports]


def _change_all(settings: Settings, action: str, ids: list[str]) -> float:
    started = time.perf_counter()
    for journey_id in ids:
        change_state(settings, ChangeRequest(journey_id, action, "bench"), check=resume_check)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profiles", type=int, default=100_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="journeys-bench-pause-"))
    base = _project(work / "base")
    warehouse = base / "w.duckdb"
    generate_warehouse(warehouse, profiles=args.profiles, days=30, end=END, seed=7)
    settings = Settings(project_root=base, warehouse=warehouse)
    project = compile_project(settings)
    ids = sorted(project.validation.specs)
    activate_drafts(settings, project.validation.specs, "bench")
    start = END - timedelta(days=8)
    simulate(settings, project, clock_sequence(start, start + timedelta(days=7), "1h"))
    day = clock_sequence(start + timedelta(days=7, hours=1), start + timedelta(days=8), "1h")

    steady = _project(work / "steady")
    shutil.copy(warehouse, steady / "w.duckdb")
    ordinary = _ticks(Settings(steady, steady / "w.duckdb"), day)

    paused = _project(work / "paused")
    shutil.copy(warehouse, paused / "w.duckdb")
    held = Settings(paused, paused / "w.duckdb")
    pause_s = _change_all(held, "pause", ids)
    idle = _ticks(held, day[:-1])
    resume_s = _change_all(held, "resume", ids)
    [catch_up] = _ticks(held, day[-1:])

    spec = paused / "journey_specs" / "welcome_series.yml"
    change_state(held, ChangeRequest("welcome_series", "pause", "bench"))
    text = spec.read_text().replace("next: wait_3d", "next: wait_2d_after_welcome").replace(
        "  wait_3d: { type: wait, duration: 3d, next: onboarded }\n",
        "  wait_2d_after_welcome: { type: wait, duration: 2d, next: onboarded }\n")
    spec.write_text(text + "migrations:\n  - { from: wait_3d, to: wait_2d_after_welcome }\n")
    started = time.perf_counter()
    plan = migrate(held, "welcome_series", "bench", dry_run=True)
    dry_s = time.perf_counter() - started
    started = time.perf_counter()
    migrate(held, "welcome_series", "bench", dry_run=False)
    moved_s = time.perf_counter() - started
    with duckdb.connect(str(held.warehouse)) as con:
        open_entries = con.execute("select count(*) from journeys.journey_state "
                                   "where status = 'active'").fetchone()[0]

    median = statistics.median(ordinary)
    print(f"profiles {args.profiles:,}; open entries after the day {open_entries:,}")
    print(f"ordinary hourly tick: median {median:.3f} s, max {max(ordinary):.3f} s, "
          f"24 ticks {sum(ordinary):.2f} s")
    print(f"paused tick (every journey paused): median {statistics.median(idle):.3f} s "
          f"({statistics.median(idle) / median:.2f}x)")
    print(f"catch-up tick after 23 paused hours: {catch_up:.3f} s ({catch_up / median:.2f}x "
          "the ordinary median)")
    print(f"pause of {len(ids)} journeys {pause_s:.2f} s; resume (validates) {resume_s:.2f} s")
    print(f"migrate welcome_series: {plan.moving:,} member(s) at wait_3d; dry run "
          f"{dry_s:.2f} s, migration {moved_s:.2f} s (both validate the project)")


if __name__ == "__main__":
    main()
