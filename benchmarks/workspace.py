"""Where figures run: synthetic warehouses, a copy of the project, timed subprocesses.

Figures never touch the repository's ``dbt_project/`` (its ``target/``, its generated
models): the commands run against a copy of ``journey_specs/`` and ``dbt_project/`` in the
work directory, through ``JOURNEYS_PROJECT_ROOT``. The Python code measured is the
repository's (the installed ``journeys`` package).

A tick changes the warehouse, so every measurement runs at the next clock or on a fresh
copy of a prepared warehouse; warehouses that several figures share (the 1M one, warmed up)
are built once per run.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
END = datetime(2026, 11, 1)
"""End of the synthetic warehouse's 30 days of events."""
WARMUP_START = datetime(2026, 10, 31)
"""First clock of the warm-up ticks; the figures' steady-state ticks follow them hourly."""
FLOOR = """
select count(*), max(e.occurred_at)
from main.events e
join journeys.journey_state s on s.member_id = e.member_id
where s.status = 'active'
"""
"""The floor of a tick: one scan of the events joined to the open entries."""


class CommandFailed(RuntimeError):
    """A measured command exited non-zero; the message holds its stderr's end."""


@dataclass(frozen=True)
class Run:
    """A finished subprocess: wall time, peak resident memory and CPU time (its own, from
    wait4)."""

    command: str
    wall_s: float
    max_rss_bytes: int
    stdout: str
    cpu_s: float = 0.0


@dataclass(frozen=True)
class Warm:
    """A warehouse after hourly warm-up ticks, and the clock of the next tick."""

    path: Path
    next_clock: datetime
    warmup_s: list[float]
    open_entries: int


def clock_text(clock: datetime) -> str:
    """A clock as the CLI takes it.

    Example:
        >>> clock_text(datetime(2026, 10, 31, 12))
        '2026-10-31 12:00'
    """
    return clock.strftime("%Y-%m-%d %H:%M")


def shell_command(argv: list[str], env: dict[str, str]) -> str:
    """``argv`` with its environment as one shell line; the venv's binaries relative to the
    repository, as a developer types them.

    Example:
        >>> shell_command([str(REPO / ".venv/bin/journeys"), "run", "--at", "2026-10-31 12:00"],
        ...               {"JOURNEYS_WAREHOUSE": "/tmp/w.duckdb"})
        "JOURNEYS_WAREHOUSE=/tmp/w.duckdb .venv/bin/journeys run --at '2026-10-31 12:00'"
    """
    shown = [os.path.relpath(a, REPO) if a.startswith(str(REPO) + os.sep) else a for a in argv]
    assignments = [f"{k}={shlex.quote(v)}" for k, v in env.items()]
    return " ".join([*assignments, shlex.join(shown)])


def run_measured(argv: list[str], env: dict[str, str]) -> Run:
    """Run ``argv`` to completion: its wall time and its own peak RSS, both taken by
    :mod:`benchmarks.measure` (see there why)."""
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryFile("w+") as out, \
            tempfile.TemporaryFile("w+") as err:
        report = Path(tmp) / "measure.json"
        done = subprocess.run([sys.executable, "-m", "benchmarks.measure", str(report), "--",
                               *argv], stdout=out, stderr=err, cwd=REPO,
                              env={**os.environ, **env})
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
        measured = json.loads(report.read_text()) if report.exists() else None
    command = shell_command(argv, env)
    if done.returncode != 0 or measured is None:
        raise CommandFailed(f"{command} exited {done.returncode}: {stderr[-2000:]}")
    return Run(command=command, wall_s=measured["wall_s"],
               max_rss_bytes=measured["max_rss_bytes"], stdout=stdout,
               cpu_s=measured.get("cpu_s", 0.0))


def copy_warehouse(source: Path, target: Path) -> Path:
    """A fresh copy of a (closed, checkpointed) DuckDB file, as ``<target without
    suffix>/<source's name>``: the copy keeps the source's stem, which dbt-duckdb's views
    name as their database, so the dbt models built in the source (the suppression list)
    still read in the copy. Returns the copy's path."""
    folder = target.with_suffix("")
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / source.name
    copy.unlink(missing_ok=True)
    Path(f"{copy}.wal").unlink(missing_ok=True)
    shutil.copyfile(source, copy)
    return copy


def table_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(f"select count(*) from {table}").fetchone()[0]


@dataclass
class Workspace:
    """What figures share in one run: the work directory, the scale, prepared warehouses."""

    workdir: Path
    profiles: int | None = None
    """Overrides every figure's own scale (a quick run while developing)."""
    days: int | None = None
    """Overrides the backtest's 30 days."""
    repeat: int = 3
    log: Callable[[str], None] = print
    _bases: dict[int, Path] = field(default_factory=dict)
    _warm: dict[tuple[int, int], Warm] = field(default_factory=dict)
    _project: Path | None = None

    def scale(self, default: int) -> int:
        return self.profiles or default

    def path(self, name: str) -> Path:
        self.workdir.mkdir(parents=True, exist_ok=True)
        return self.workdir / name

    def base(self, profiles: int) -> Path:
        """The synthetic warehouse of ``profiles`` (20 events each over 30 days), with the
        user's dbt models the journeys read (the suppression list) built once, as in a
        deployed project; no tick has run."""
        if profiles not in self._bases:
            from journeys.demo.synthetic import generate_warehouse

            path = self.path(f"base-{profiles}.duckdb")
            path.unlink(missing_ok=True)
            started = time.perf_counter()
            counts = generate_warehouse(path, profiles=profiles, days=30, end=END)
            self.log(f"generated {counts['profiles']:,} profiles, {counts['events']:,} events "
                     f"in {time.perf_counter() - started:.0f} s")
            self._bases[profiles] = path
            self.compile(path)
        return self._bases[profiles]

    def project_root(self) -> Path:
        """A copy of the project (specs, dbt project), compiled and parsed by dbt once, as
        a deployed project is before its scheduled ticks."""
        if self._project is None:
            root = self.path("project")
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir()
            shutil.copytree(REPO / "journey_specs", root / "journey_specs")
            shutil.copytree(REPO / "dbt_project", root / "dbt_project",
                            ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
            self._project = root
            warehouse = self.base(10)
            self.journeys("compile", warehouse=warehouse)
            dbt = root / "dbt_project"
            run_measured([str(BIN / "dbt"), "parse", "--quiet", "--project-dir", str(dbt),
                          "--profiles-dir", str(dbt)], self.env(warehouse))
        return self._project

    def env(self, warehouse: Path) -> dict[str, str]:
        return {"JOURNEYS_WAREHOUSE": str(warehouse),
                "JOURNEYS_PROJECT_ROOT": str(self._project or REPO)}

    def journeys(self, *args: str, warehouse: Path) -> Run:
        """The ``journeys`` CLI as a subprocess on ``warehouse``, with the project copy."""
        self.project_root()
        return run_measured([str(BIN / "journeys"), *args], self.env(warehouse))

    def compile(self, warehouse: Path):
        """The compiled project, as the CLI compiles it, with the user's dbt models it reads
        (the suppression list) built in ``warehouse`` as `journeys simulate` builds them,
        by dbt in a process of its own (dbt-duckdb keeps the file open in its process)."""
        from journeys.project import compile_project
        from journeys.settings import Settings
        from journeys.tick.inprocess import InProcessEngine

        project = compile_project(Settings(project_root=self.project_root(),
                                           warehouse=warehouse))
        con = duckdb.connect(str(warehouse))
        try:
            missing = InProcessEngine(con, project.plans).missing_external()
        finally:
            con.close()
        if missing:
            dbt = self.project_root() / "dbt_project"
            run_measured([str(BIN / "dbt"), "run", "--quiet", "--target", "duckdb",
                          "--project-dir", str(dbt), "--profiles-dir", str(dbt), "--select",
                          *[f"+{name}" for name in missing]], self.env(warehouse))
            self.log(f"built {', '.join(missing)} with dbt in {warehouse.name}")
        return project

    def warmed(self, profiles: int, hours: int = 12) -> Warm:
        """The warehouse of ``profiles`` after ``hours`` hourly in-process ticks from
        ``WARMUP_START``: journeys hold their open entries, the next tick is steady state."""
        key = (profiles, hours)
        if key not in self._warm:
            from journeys.tick.inprocess import InProcessEngine

            path = copy_warehouse(self.base(profiles), self.path(f"warm-{profiles}.duckdb"))
            project = self.compile(path)
            con = duckdb.connect(str(path))
            try:
                engine = InProcessEngine(con, project.plans)
                warmup = []
                for hour in range(hours):
                    timing = engine.tick(WARMUP_START + timedelta(hours=hour))
                    warmup.append(timing.total_ms / 1000)
                    self.log(f"warm-up tick {hour + 1}/{hours}: {timing.total_ms} ms")
                open_entries = table_rows(
                    con, "journeys.journey_state where status = 'active'")
                con.execute("checkpoint")
            finally:
                con.close()
            self._warm[key] = Warm(path, WARMUP_START + timedelta(hours=hours), warmup,
                                   open_entries)
        return self._warm[key]

    def cleanup(self) -> None:
        """Remove the warehouses (gigabytes at 1M profiles)."""
        for path in self.workdir.rglob("*.duckdb*"):
            path.unlink()
