"""Running ticks: `journeys run` (one tick, through dbt) and `journeys simulate` (many).

Both engines run the same compiled plans. ``dbt`` is the production path (`dbt build`,
models and their tests); ``inprocess`` executes the plans on one DuckDB connection in one
transaction per tick, which is what makes a month of hourly ticks take seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import duckdb

from journeys.failures import WarehouseUnusable, check_warehouse_file
from journeys.lifecycle.control import adopt_ticked_journeys
from journeys.project import CompiledProject, prepare_dbt_project
from journeys.settings import Settings
from journeys.tick.dbt_runner import run_dbt
from journeys.tick.guarded import guarded_tick
from journeys.tick.inprocess import InProcessEngine
from journeys.warehouse.catalog import last_ticks
from journeys.warehouse.connect import FILE_WAIT_S, connect
from journeys.warehouse.setup import ensure_inputs
from journeys.warehouse.writers import write_lease

Engine = Literal["dbt", "inprocess"]
DEFAULT_BATCH = 72
"""Clocks per in-process run in `journeys simulate` (three days of hourly ticks)."""
TICK_COLUMNS = ("journey_id", "tick_at", "entered", "advanced", "exited", "actions",
                "duration_ms")


class WarehouseError(RuntimeError):
    """The warehouse is missing or lacks an input table; the message says what to do."""


class StrandedMembers(WarehouseError):
    """A live journey was edited so that members sit at tiles it no longer has: a tick would
    leave them there silently, so it does not run (pause, migrate, resume instead)."""


def refuse_stranding_edits(con: duckdb.DuckDBPyConnection, specs: dict) -> None:
    from journeys.lifecycle.migration import stranded_by_edits

    problems = stranded_by_edits(con, specs)
    if problems:
        raise StrandedMembers("no tick was run: " + "\n".join(problems))


@dataclass(frozen=True)
class TickReport:
    """What one tick did: per-journey counts, and the journeys it skipped (S1)."""

    run_at: datetime
    engine: str
    ticked: list[dict] = field(default_factory=list)
    skipped: dict[str, datetime] = field(default_factory=dict)
    elapsed_ms: int = 0


def check_warehouse(settings: Settings) -> None:
    """Fail early and clearly when there is no warehouse file, or not a DuckDB one."""
    if not settings.warehouse.exists():
        raise WarehouseError(
            f"no warehouse at {settings.warehouse}: set JOURNEYS_WAREHOUSE to your DuckDB file, "
            "or create the demo one with `journeys demo` (or `make demo`)")
    try:
        check_warehouse_file(settings.warehouse)
    except WarehouseUnusable as unusable:
        raise WarehouseError(str(unusable)) from None


def prepare_inputs(con: duckdb.DuckDBPyConnection, warehouse: Path) -> None:
    """A writer's first step: refuse a warehouse without the inputs of C3, create the
    tool-owned inputs, and record as active the journeys that ticked before the lifecycle."""
    present = {r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'main'"
    ).fetchall()}
    missing = [t for t in ("profiles", "events") if t not in present]
    if missing:
        raise WarehouseError(
            f"the warehouse {warehouse} has no table {', '.join(missing)} in schema "
            "main (CONTRACT C3: profiles(member_id, timezone, …), events(member_id, event, "
            "occurred_at, properties))")
    ensure_inputs(con)
    adopt_ticked_journeys(con, datetime.now(UTC).replace(tzinfo=None))


def _tick_rows(con: duckdb.DuckDBPyConnection, run_at: datetime) -> list[dict]:
    rows = con.execute(f"select {', '.join(TICK_COLUMNS)} from journeys.journey_ticks "
                       "where tick_at = ? order by journey_id", [run_at]).fetchall()
    return [dict(zip(TICK_COLUMNS, row, strict=True)) for row in rows]


def _skipped(before: dict[str, datetime], journeys: Iterable[str],
             run_at: datetime) -> dict[str, datetime]:
    return {j: before[j] for j in journeys if j in before and before[j] >= run_at}


def run_tick(settings: Settings, project: CompiledProject, run_at: datetime,
             engine: Engine = "dbt", wait_s: float = 0.0) -> TickReport:
    """One tick of every journey at ``run_at`` (journeys already past it are skipped, S1).

    Waits up to ``wait_s`` for another writer (a tick, a dispatch, a lifecycle change), then
    raises :class:`journeys.warehouse.lease.TickBusy` naming it.
    """
    if engine == "dbt":
        return run_dbt_tick(settings, run_at, wait_s=wait_s)
    return simulate(settings, project, [run_at], "inprocess", wait_s=wait_s)[0]


def run_dbt_tick(settings: Settings, run_at: datetime, wait_s: float = 0.0,
                 log: Callable[[str], None] = lambda _: None) -> TickReport:
    """One tick through `dbt build`, compiling first only if the specs changed.

    One tick at a time, all or nothing (:mod:`journeys.tick.guarded`): waits up to
    ``wait_s`` for another writer, then raises :class:`journeys.warehouse.lease.TickBusy`,
    and a failed tick leaves the warehouse as it was. Raises
    :class:`journeys.project.ProjectError` for specs with problems.
    """
    check_warehouse(settings)
    specs = prepare_dbt_project(settings).specs
    journeys = sorted(specs)
    with guarded_tick(settings.warehouse, run_at, journeys, "journeys run", wait_s=wait_s,
                      log=log):
        con = connect(settings.warehouse)  # same config as dbt-duckdb's handle
        try:
            prepare_inputs(con, settings.warehouse)
            refuse_stranding_edits(con, specs)
            before = last_ticks(con)
        finally:
            con.close()
        started = time.perf_counter()
        run_dbt(settings, "build", run_at)
        elapsed = int((time.perf_counter() - started) * 1000)
        con = connect(settings.warehouse)
        try:
            con.execute("update journeys.journey_ticks set duration_ms = ? "
                        "where tick_at = ? and duration_ms is null", [elapsed, run_at])
            rows = _tick_rows(con, run_at)
        finally:
            con.close()
    return TickReport(run_at=run_at, engine="dbt", ticked=rows,
                      skipped=_skipped(before, journeys, run_at), elapsed_ms=elapsed)


def batches(clocks: list[datetime], size: int) -> list[list[datetime]]:
    """Consecutive clocks in runs of at most ``size``.

    Example:
        >>> [len(b) for b in batches([datetime(2026, 1, d) for d in range(1, 6)], 2)]
        [2, 2, 1]
    """
    ordered = sorted(set(clocks))
    return [ordered[i:i + size] for i in range(0, len(ordered), max(size, 1))]


def simulate_on(con: duckdb.DuckDBPyConnection, project: CompiledProject,
                clocks: list[datetime],
                progress: Callable[[TickReport], None] | None = None,
                batch: int = DEFAULT_BATCH) -> list[TickReport]:
    """Consecutive in-process ticks on an open connection, ``batch`` clocks per run when
    the project allows it (the same tables as one by one; docs/semantics.md §9)."""
    refuse_stranding_edits(con, project.validation.specs)
    engine = InProcessEngine(con, project.plans, project.generations)
    journeys = sorted(project.validation.specs)
    reports = []
    for run in batches(clocks, batch if project.batchable else 1):
        before = last_ticks(con)
        timing = engine.run(run)
        for run_at in run:
            report = TickReport(run_at=run_at, engine="inprocess",
                                ticked=_tick_rows(con, run_at),
                                skipped=_skipped(before, journeys, run_at),
                                elapsed_ms=timing.total_ms // len(run))
            reports.append(report)
            if progress:
                progress(report)
    return reports


def simulate(settings: Settings, project: CompiledProject, clocks: list[datetime],
             engine: Engine = "inprocess",
             progress: Callable[[TickReport], None] | None = None,
             batch: int = DEFAULT_BATCH, wait_s: float = 0.0) -> list[TickReport]:
    """`journeys simulate`: ticks one after another, in-process unless dbt is asked for.

    In-process, the whole simulation is one writer of the warehouse: it holds the lease
    (waiting up to ``wait_s`` for another writer), and readers see it once it has ended.
    """
    check_warehouse(settings)
    if engine == "dbt":
        reports = []
        for run_at in clocks:
            report = run_tick(settings, project, run_at, engine="dbt", wait_s=wait_s)
            reports.append(report)
            if progress:
                progress(report)
        return reports
    holder = "journeys run" if len(clocks) == 1 else "journeys simulate"
    with write_lease(settings.warehouse, holder, min(clocks), wait_s=wait_s) as file_wait_s:
        build_external_models(settings, project, file_wait_s)
        con = connect(settings.warehouse, wait_s=file_wait_s)
        try:
            prepare_inputs(con, settings.warehouse)
            return simulate_on(con, project, clocks, progress, batch)
        finally:
            con.close()


def build_external_models(settings: Settings, project: CompiledProject,
                          file_wait_s: float = FILE_WAIT_S) -> list[str]:
    """Build with dbt, once, the user's models the plans read that the warehouse lacks
    (audience and suppression models: views, so built once they follow their inputs).
    The caller holds the lease."""
    con = connect(settings.warehouse, wait_s=file_wait_s)
    try:
        missing = InProcessEngine(con, project.plans, project.generations).missing_external()
    finally:
        con.close()
    if missing:
        prepare_dbt_project(settings)
        # the in-process engine runs on the DuckDB file, whatever JOURNEYS_DBT_TARGET says
        run_dbt(settings, "run", None,
                ("--target", "duckdb", "--select", *[f"+{name}" for name in missing]))
    return missing
