"""The `journeys` command (CONTRACT C2).

User mistakes (a bad spec, a bad timestamp, a missing warehouse) and the machine's refusals
(a corrupt or read-only warehouse, a full disk) end with one line that says what to do and
exit code 1 (2 for click's usage errors), never a traceback; a bug in journeys itself is
named in one line with exit code 70 (``_Journeys.invoke``).
"""

from __future__ import annotations

import math
import os
import sys
from datetime import datetime, timedelta
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from journeys.compiler.dialect import DIALECTS
from journeys.compiler.render_dbt import write_golden
from journeys.failures import WarehouseUnusable, check_warehouse_file, explain
from journeys.project import ProjectError, TargetError, compile_project
from journeys.redaction import Redactor
from journeys.settings import debug_enabled, load_settings
from journeys.tick.dbt_runner import DbtTickError
from journeys.tick.runner import (
    DEFAULT_BATCH,
    TickReport,
    WarehouseError,
    run_dbt_tick,
    run_tick,
    simulate,
)
from journeys.warehouse.clock import clock_sequence, now_clock, parse_clock
from journeys.warehouse.lease import TickBusy

console = Console()
MAX_WAIT_S = 86_400.0
"""The longest ``--wait`` (a day): longer is a typo, or a job better scheduled."""
ENGINES = click.Choice(["dbt", "inprocess"])


BUG_EXIT = 70
"""Exit code of a failure that is a bug in journeys (sysexits' EX_SOFTWARE); 1 is a user's
mistake or the machine's (a full disk, a read-only file)."""


def _fail(message: str, code: int = 1) -> None:
    click.echo(click.style("error: ", fg="red") + message, err=True)
    sys.exit(code)


class _Journeys(click.Group):
    """The command group, and the one place where a failure no command handled becomes a
    message (C2): known causes (a warehouse path that is a folder, a corrupt or read-only
    file, a full disk, a file the system refuses) get one line naming the file and what to
    do, exit 1 (:func:`journeys.failures.explain`); anything else is a bug in journeys,
    named in one line with how to see the traceback, exit 70. ``JOURNEYS_DEBUG=1`` shows
    every traceback as it is."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:  # `journeys status | head`: the reader has had enough
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise SystemExit(1) from None
        except Exception as exc:  # noqa: BLE001 - each known cause is mapped; the rest named
            if debug_enabled():
                raise
            settings = ctx.obj
            message = explain(exc, getattr(settings, "warehouse", None))
            if message is not None:
                _fail(message)
            first = Redactor().clean((str(exc).strip().splitlines() or [""])[0])[:300]
            _fail(f"unexpected {type(exc).__name__}: {first} — this is a bug in journeys; "
                  "run the command again with JOURNEYS_DEBUG=1 for the traceback and report "
                  "it", BUG_EXIT)
        return None


def _fail_problems(problem: ProjectError) -> None:
    for item in problem.result.problems:
        click.echo(str(item), err=True)
    _fail(f"{len(problem.result.problems)} problem(s): nothing was compiled or run")


def _compiled(settings, dialect: str | None = None):
    try:
        return compile_project(settings, dialect)
    except ProjectError as problem:
        _fail_problems(problem)
    except TargetError as problem:
        _fail(str(problem))


def _clock(text: str | None, option: str = "--at") -> datetime:
    """The clock an option names; now when the option is absent. An empty value is refused
    (``--at "$TS"`` with ``TS`` unset must not tick at the wall clock)."""
    if text is None:
        return now_clock()
    if not text.strip():
        _fail(f"{option} is empty: write an ISO 8601 timestamp, e.g. {option} "
              "2026-03-01T09:00:00Z (is a shell variable unset?)"
              + (", or leave the option out for now" if option == "--at" else ""))
    try:
        return parse_clock(text)
    except ValueError as bad:
        _fail(f"{option}: {bad}")
        raise


def _print_tick(report: TickReport) -> None:
    for journey_id, last in sorted(report.skipped.items()):
        click.echo(f"{journey_id}: already ticked at {last:%Y-%m-%d %H:%M:%S}; "
                      f"clock {report.run_at:%Y-%m-%d %H:%M:%S} changes nothing (S1)")
    if not report.ticked:
        return
    table = Table(title=f"tick {report.run_at:%Y-%m-%d %H:%M:%S} UTC ({report.engine}, "
                        f"{report.elapsed_ms} ms)")
    for name in ("journey", "entered", "advanced", "exited", "actions"):
        table.add_column(name, justify="left" if name == "journey" else "right")
    for row in report.ticked:
        table.add_row(row["journey_id"], *(str(row[k]) for k in
                                           ("entered", "advanced", "exited", "actions")))
    console.print(table)


def _print_held(settings) -> None:
    """Which journeys the tick left alone because of their state (S18), and how to start
    them: a new journey is a draft, and a silent no-op would look like a broken engine."""
    from journeys.lifecycle import spec_ids
    from journeys.lifecycle.control import states_of
    from journeys.warehouse.readers import reading

    with reading(settings.warehouse) as con:
        states = states_of(con, spec_ids(settings))
    advice = {"draft": "`journeys activate {}` starts it", "paused": "`journeys resume {}`"}
    for journey_id, state in states.items():
        if state in advice:
            click.echo(f"{journey_id}: {state}, not ticked ({advice[state].format(journey_id)})")


class _PathOption(click.Path):
    """A path option that refuses empty text (which click would take as the cwd)."""

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> object:
        if isinstance(value, str) and not value.strip():
            self.fail("is empty: give a path, or leave the option out", param, ctx)
        return super().convert(value, param, ctx)


def _not_empty(ctx: click.Context, param: click.Parameter, value: object) -> object:
    """Refuse an option given as empty text: an unset shell variable must not silently
    become a default."""
    if isinstance(value, (str, Path)) and not str(value).strip():
        raise click.BadParameter("is empty: give a value, or leave the option out")
    return value


def _finite(ctx: click.Context, param: click.Parameter, value: float) -> float:
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a number of seconds (e.g. 30)")
    return value


_WAIT = click.option("--wait", default=0.0, show_default=True,
                     type=click.FloatRange(0, MAX_WAIT_S), callback=_finite,
                     help="Seconds to wait for another writer of the warehouse (a tick, a "
                          "dispatch, a lifecycle change) before giving up.")


@click.group(cls=_Journeys)
@click.option("--warehouse", default=None, callback=_not_empty,
              help="DuckDB warehouse file (default: JOURNEYS_WAREHOUSE, else warehouse.duckdb "
                   "at the repository root).")
@click.pass_context
def main(ctx: click.Context, warehouse: str | None) -> None:
    """Warehouse-native customer journeys: specs in journey_specs/, compiled to dbt."""
    try:
        ctx.obj = load_settings(warehouse)
    except ValueError as bad:
        _fail(str(bad))


@main.command()
@click.argument("paths", nargs=-1, type=_PathOption(path_type=Path))
@click.pass_obj
def validate(settings, paths: tuple[Path, ...]) -> None:
    """Check specs (all of journey_specs/ by default); list every problem."""
    from journeys.validation import validate_project

    result = validate_project(list(paths) or None, project_root=settings.project_root,
                              warehouse=settings.warehouse)
    for item in result.problems:
        click.echo(str(item), err=True)
    if not result.ok:
        _fail(f"{len(result.problems)} problem(s)")
    console.print(f"{len(result.specs)} journey(s) valid: {', '.join(sorted(result.specs))}")


@main.command(name="compile")
@click.option("--check", is_flag=True, help="Exit 1 when the committed models are stale.")
@click.option("--dialect", type=click.Choice(DIALECTS), default=None,
              help="SQL dialect (default: the dbt target's, JOURNEYS_DBT_TARGET).")
@click.option("--out", "out", type=_PathOption(file_okay=False, path_type=Path), default=None,
              callback=_not_empty,
              help="Write the models' SQL under this folder instead of dbt_project/models "
                   "(the golden SQL of Snowflake and BigQuery).")
@click.pass_obj
def compile_cmd(settings, check: bool, dialect: str | None, out: Path | None) -> None:
    """Write the dbt models of every spec (dbt_project/models/…)."""
    from journeys.compiler.render_dbt import stale_files, write_files

    project = _compiled(settings, dialect)
    if out is not None:
        written = write_golden(out, project.files, check=check)
        if check and written:
            _fail(f"{len(written)} golden file(s) under {out} out of date: run "
                  f"`journeys compile --dialect {dialect} --out {out}`")
        console.print(f"{len(project.plans)} models in {dialect or 'the target'} dialect under "
                      f"{out}; {len(written)} file(s) {'stale' if check else 'changed'}")
        return
    if check:
        stale = stale_files(settings.project_root, project.files)
        for path in stale:
            click.echo(f"stale: {path}", err=True)
        if stale:
            _fail(f"{len(stale)} generated file(s) out of date: run `journeys compile`")
        console.print(f"compiled models are up to date ({len(project.plans)} models)")
        return
    changed = write_files(settings.project_root, project.files)
    console.print(f"{len(project.plans)} models for {len(project.validation.specs)} journey(s); "
                  f"{len(changed)} file(s) changed")


@main.command()
@click.option("--at", "at", default=None, help="Tick clock, ISO 8601 (default: now).")
@click.option("--engine", type=ENGINES, default="dbt", show_default=True)
@_WAIT
@click.pass_obj
def run(settings, at: str | None, engine: str, wait: float) -> None:
    """One tick of every journey."""
    run_at = _clock(at)
    _usable_warehouse(settings)
    try:
        if engine == "dbt":
            report = run_dbt_tick(settings, run_at, wait_s=wait,
                                  log=lambda line: click.echo(line, err=True))
        else:
            report = run_tick(settings, _compiled(settings), run_at, engine=engine, wait_s=wait)
    except ProjectError as problem:
        _fail_problems(problem)
    except (WarehouseError, DbtTickError, TickBusy) as failure:
        _fail(str(failure))
    _print_tick(report)
    _print_held(settings)


@main.command()
@click.option("--start", required=True, help="First tick clock, ISO 8601.")
@click.option("--end", required=True, help="Last tick clock, ISO 8601 (included).")
@click.option("--every", default="1h", show_default=True, help="Time between ticks.")
@click.option("--engine", type=ENGINES, default="inprocess", show_default=True)
@click.option("--batch", default=DEFAULT_BATCH, show_default=True, type=click.IntRange(min=1),
              help="Clocks per in-process run (the tables are the same as one by one).")
@_WAIT
@click.pass_obj
def simulate_cmd(settings, start: str, end: str, every: str, engine: str, batch: int,
                 wait: float) -> None:
    """Consecutive ticks from --start to --end."""
    first, last = _clock(start, "--start"), _clock(end, "--end")
    _usable_warehouse(settings)
    try:
        clocks = clock_sequence(first, last, every)
    except ValueError as bad:
        _fail(str(bad) if str(bad).startswith("--") else f"--every: {bad}")
    project = _compiled(settings)
    try:
        reports = simulate(settings, project, clocks, engine=engine, batch=batch, wait_s=wait)
    except (WarehouseError, DbtTickError, TickBusy) as failure:
        _fail(str(failure))
    _print_totals(reports)
    _print_held(settings)


main.add_command(simulate_cmd, name="simulate")


def _print_totals(reports: list[TickReport]) -> None:
    totals: dict[str, dict[str, int]] = {}
    for report in reports:
        for row in report.ticked:
            acc = totals.setdefault(row["journey_id"], dict.fromkeys(
                ("ticks", "entered", "advanced", "exited", "actions"), 0))
            acc["ticks"] += 1
            for key in ("entered", "advanced", "exited", "actions"):
                acc[key] += row[key]
    elapsed = sum(r.elapsed_ms for r in reports)
    table = Table(title=f"{len(reports)} ticks in {elapsed / 1000:.1f} s")
    for name in ("journey", "ticks", "entered", "advanced", "exited", "actions"):
        table.add_column(name, justify="left" if name == "journey" else "right")
    for journey_id, acc in sorted(totals.items()):
        table.add_row(journey_id, *(str(v) for v in acc.values()))
    console.print(table)


@main.command(name="dispatch")
@click.option("--dry-run", is_flag=True,
              help="Write the exact requests to a file instead of sending; change nothing.")
@click.option("--out", type=_PathOption(dir_okay=False, path_type=Path), default=None,
              callback=_not_empty, help="The dry run's file (default: outbox/dry_run.jsonl).")
@_WAIT
@click.pass_obj
def dispatch_cmd(settings, dry_run: bool, out: Path | None, wait: float) -> None:
    """Send the due actions to their destinations and log every attempt (reverse ETL)."""
    from reverse_etl.dispatch import DispatchError
    from reverse_etl.report import print_summary
    from reverse_etl.run import run_dispatch

    _need_warehouse(settings)
    try:
        summary = run_dispatch(settings, dry_run=dry_run, wait_s=wait, dry_run_file=out,
                               log=lambda line: click.echo(line, err=True))
    except (DispatchError, TickBusy) as failure:
        _fail(str(failure))
    print_summary(summary, console)


def _selected(settings, journey_id: str | None) -> dict:
    """The journeys of the project, or the one named (a clear error for a wrong id):
    validated, not compiled (a command that reads does not pay for the compiler)."""
    from journeys.project import validated_project

    try:
        specs = validated_project(settings).specs
    except ProjectError as problem:
        _fail_problems(problem)
    if journey_id is None:
        return specs
    if journey_id not in specs:
        _fail(f"no journey '{journey_id}' (journeys: {', '.join(sorted(specs))})")
    return {journey_id: specs[journey_id]}


def _usable_warehouse(settings) -> None:
    """Stop with one line when the warehouse path is a folder or a file not DuckDB's
    (a missing file is each command's call), before any work that would hide it."""
    try:
        check_warehouse_file(settings.warehouse)
    except WarehouseUnusable as unusable:
        _fail(str(unusable))


def _need_warehouse(settings) -> None:
    """Stop with one line when the warehouse file is missing, a folder or not DuckDB's."""
    from journeys.warehouse.connect import no_warehouse

    _usable_warehouse(settings)
    if not settings.warehouse.exists():
        _fail(no_warehouse(settings.warehouse))


@main.command()
@click.argument("journey_id", required=False)
@click.option("--json", "as_json", is_flag=True,
              help="Print the numbers as JSON (a list, one object per journey) for scripts.")
@click.pass_obj
def status(settings, journey_id: str | None, as_json: bool) -> None:
    """Tile and journey metrics of every journey (or one), with the A/B readout."""
    from journeys.demo.report import print_report, status_json

    _usable_warehouse(settings)
    specs = _selected(settings, journey_id)
    _need_warehouse(settings)
    if as_json:
        click.echo(status_json(settings.warehouse, specs))
        return
    print_report(settings.warehouse, specs, console=console)


@main.command()
@click.argument("journey_id")
@click.option("--out", "out", type=_PathOption(file_okay=False, path_type=Path), default=None,
              callback=_not_empty,
              help="Folder of the picture (default: journey_pictures/ at the project root).")
@click.pass_obj
def render(settings, journey_id: str, out: Path | None) -> None:
    """Draw a journey with its live counts: <out>/<ID>.svg and an HTML page embedding it."""
    _usable_warehouse(settings)
    specs = _selected(settings, journey_id)
    try:
        svg, html = _write_pictures(settings, specs, out)[0]
    except OSError as failed:
        if failed.filename is None or (out is not None and not _under(failed.filename, out)):
            raise
        _fail(f"cannot write the picture under --out {out or failed.filename}: "
              f"{failed.strerror} ({failed.filename}); choose a folder you can write")
    console.print(f"{journey_id}: {svg} and {html}")


def _under(path: str, folder: Path) -> bool:
    return Path(path).resolve().is_relative_to(folder.resolve()) or \
        folder.resolve().is_relative_to(Path(path).resolve())


def _write_pictures(settings, specs: dict, out: Path | None) -> list[tuple[Path, Path]]:
    """One picture per journey, with the warehouse's numbers when it has any."""
    from journeys.render import PICTURES_DIR, write_pictures

    pictures = write_pictures(settings.warehouse, specs,
                              out or settings.project_root / PICTURES_DIR)
    return [(p.svg_path, p.html_path) for p in pictures.values()]


def _membership(settings, kind: str, journey_id: str, members: tuple[str, ...],
                file: Path | None, at: str | None, wait: float) -> None:
    from journeys.membership import MembershipError, members_from_csv, record_requests

    _usable_warehouse(settings)
    _selected(settings, journey_id)
    _need_warehouse(settings)
    requested_at = _clock(at)
    try:
        wanted = list(members) + (members_from_csv(file) if file is not None else [])
        result = record_requests(settings, journey_id, wanted, kind, requested_at, wait)
    except (MembershipError, TickBusy) as failure:
        _fail(str(failure))
    verb = "entry" if kind == "enter" else "removal"
    console.print(f"{journey_id}: {len(result.recorded)} {verb} request(s) recorded in "
                  f"{result.table} at {requested_at:%Y-%m-%d %H:%M:%S} UTC; the next tick "
                  "applies them")
    if result.unknown:
        shown = ", ".join(result.unknown[:20]) + (" …" if len(result.unknown) > 20 else "")
        _fail(f"{len(result.unknown)} member(s) have no profile and were not recorded: {shown}")


_MEMBERS = click.argument("members", nargs=-1)
_FILE = click.option("--file", "file", type=_PathOption(dir_okay=False, path_type=Path),
                     default=None, callback=_not_empty, help="A CSV file with a member_id column.")
_AT = click.option("--at", "at", default=None,
                   help="When the request takes effect, ISO 8601 (default: now).")


@main.command()
@click.argument("journey_id")
@_MEMBERS
@_FILE
@_AT
@_WAIT
@click.pass_obj
def enter(settings, journey_id: str, members: tuple[str, ...], file: Path | None,
          at: str | None, wait: float) -> None:
    """Put members into a journey (recorded in manual_entries; the next tick applies it)."""
    _membership(settings, "enter", journey_id, members, file, at, wait)


@main.command()
@click.argument("journey_id")
@_MEMBERS
@_FILE
@_AT
@_WAIT
@click.pass_obj
def remove(settings, journey_id: str, members: tuple[str, ...], file: Path | None,
           at: str | None, wait: float) -> None:
    """Take members out of a journey (manual_removals; the next tick exits them, S15)."""
    _membership(settings, "remove", journey_id, members, file, at, wait)


def _change(settings, journey_id: str, action: str, actor: str | None, wait: float) -> None:
    from journeys.lifecycle import (
        ChangeRequest,
        SpecProblems,
        TransitionError,
        UnknownJourney,
        change_state,
    )
    from journeys.lifecycle.migration import MigrationNeeded, resume_check
    from journeys.settings import default_actor

    _need_warehouse(settings)
    request = ChangeRequest(journey_id, action, actor or default_actor(), wait)
    try:
        change = change_state(settings, request, check=resume_check)
    except SpecProblems as problems:
        for item in problems.problems:
            click.echo(str(item), err=True)
        _fail(problems.summary)
    except (UnknownJourney, TransitionError, MigrationNeeded, TickBusy) as refused:
        _fail(str(refused))
    when = "the next tick" + (" (its clock is the activation time, S3)"
                              if action == "activate" else "")
    effect = {"activate": f"members start entering at {when}",
              "pause": "no entries, steps, exits or actions until `journeys resume`",
              "resume": "the next tick processes what fell due while paused, at its logical "
                        "time; nothing that happened while paused enters",
              "archive": "no new entries; members already in go on to exit"}[action]
    console.print(f"{journey_id}: {change.state} (change {change.control_seq}, by "
                  f"{change.actor}); {effect}")


_ACTOR = click.option("--actor", default=None, callback=_not_empty,
                      help="Who the audit trail names (default: JOURNEYS_ACTOR, else your "
                           "user name).")


@main.command()
@click.argument("journey_id")
@_ACTOR
@_WAIT
@click.pass_obj
def activate(settings, journey_id: str, actor: str | None, wait: float) -> None:
    """Start a draft journey (it validates first); its first tick is its activation."""
    _change(settings, journey_id, "activate", actor, wait)


@main.command()
@click.argument("journey_id")
@_ACTOR
@_WAIT
@click.pass_obj
def pause(settings, journey_id: str, actor: str | None, wait: float) -> None:
    """Hold an active journey: no entries, and members stay where they are."""
    _change(settings, journey_id, "pause", actor, wait)


@main.command()
@click.argument("journey_id")
@_ACTOR
@_WAIT
@click.pass_obj
def resume(settings, journey_id: str, actor: str | None, wait: float) -> None:
    """Restart a paused journey (it validates first, and checks the members' tiles)."""
    _change(settings, journey_id, "resume", actor, wait)


@main.command()
@click.argument("journey_id")
@_ACTOR
@_WAIT
@click.pass_obj
def archive(settings, journey_id: str, actor: str | None, wait: float) -> None:
    """Retire a journey: no new entries; members already in go on to exit. Final."""
    _change(settings, journey_id, "archive", actor, wait)


@main.command()
@click.argument("journey_id")
@click.option("--dry-run", is_flag=True, help="Show who would move where; change nothing.")
@_ACTOR
@_WAIT
@click.pass_obj
def migrate(settings, journey_id: str, dry_run: bool, actor: str | None, wait: float) -> None:
    """Move the members of a paused, edited journey as its `migrations:` block says."""
    from journeys.lifecycle import SpecProblems, UnknownJourney
    from journeys.lifecycle.migration import MigrationNeeded
    from journeys.lifecycle.migration import migrate as run_migration
    from journeys.settings import default_actor

    _need_warehouse(settings)
    try:
        plan = run_migration(settings, journey_id, actor or default_actor(), dry_run, wait)
    except SpecProblems as problems:
        for item in problems.problems:
            click.echo(str(item), err=True)
        _fail(problems.summary)
    except (UnknownJourney, MigrationNeeded, TickBusy) as refused:
        _fail(str(refused))
    table = Table("from tile", "why", "to tile", "members", title=f"{journey_id}: "
                  + ("what a migration would move (dry run: nothing changed)" if dry_run
                     else "members moved"))
    for group in plan.moves:
        table.add_row(group.tile_id, group.reason, group.to, f"{group.members:,}")
    for group in plan.unmapped:
        table.add_row(group.tile_id, group.reason, "[red]no mapping[/red]", f"{group.members:,}")
    if plan.moves or plan.unmapped:
        console.print(table)
    console.print(f"{plan.staying:,} member(s) stay at tiles the edit kept; {plan.moving:,} "
                  + ("would move" if dry_run else "moved")
                  + (f"; {sum(g.members for g in plan.unmapped):,} have no mapping: add "
                     "them to `migrations:` before resuming" if plan.unmapped else ""))
    if plan.unmapped and not dry_run:
        sys.exit(1)


@main.command()
@click.argument("journey_id", required=False)
@click.pass_obj
def history(settings, journey_id: str | None) -> None:
    """The audit trail of lifecycle changes (journeys.journey_control), oldest first."""
    from journeys.lifecycle import history as read_history
    from journeys.lifecycle import spec_ids
    from journeys.validation.problems import did_you_mean
    from journeys.warehouse.readers import reading

    _need_warehouse(settings)
    with reading(settings.warehouse) as con:
        changes = read_history(con, journey_id)
        known = {c.journey_id for c in read_history(con, None)} if journey_id else set()
    if journey_id is not None and not changes:
        known |= set(spec_ids(settings))
        if journey_id not in known:
            _fail(f"no journey '{journey_id}'{did_you_mean(journey_id, known)} (journeys: "
                  f"{', '.join(sorted(known)) or 'none'})")
        console.print(f"no lifecycle changes of {journey_id} yet: it is a draft "
                      f"(`journeys activate {journey_id}` starts it)")
        return
    table = Table("changed at (UTC)", "journey", "#", "change", "state", "spec version",
                  "by", title="journeys.journey_control")
    for c in changes:
        table.add_row(f"{c.changed_at:%Y-%m-%d %H:%M:%S}", c.journey_id, str(c.control_seq),
                      c.action, c.state, c.spec_version, c.actor)
    console.print(table if changes else "no lifecycle changes yet: every journey is a draft")


@main.command()
@click.option("--profiles", default=10_000, show_default=True, type=click.IntRange(1, 10**8),
              help="Synthetic profiles.")
@click.option("--days", default=14, show_default=True, type=click.IntRange(1, 30),
              help="Days of hourly ticks to simulate (the synthetic events cover 30).")
@click.option("--seed", default=7, show_default=True)
@click.pass_obj
def demo(settings, profiles: int, days: int, seed: int) -> None:
    """Build a synthetic warehouse, tick every journey hourly, show the tiles' counts."""
    from journeys.demo.report import print_report
    from journeys.demo.synthetic import generate_warehouse
    from journeys.lifecycle import activate_drafts
    from journeys.warehouse.setup import drop_engine_state

    end = datetime(2026, 11, 1)
    console.print(f"generating {profiles:,} profiles and 30 days of events into "
                  f"{settings.warehouse} …")
    counts = generate_warehouse(settings.warehouse, profiles=profiles, days=30, end=end, seed=seed)
    drop_engine_state(str(settings.warehouse))  # a second demo starts from the same state
    console.print(f"  {counts['profiles']:,} profiles, {counts['events']:,} events")
    project = _compiled(settings)
    activated = activate_drafts(settings, project.validation.specs, "journeys demo")
    console.print(f"activated {len(activated)} journey(s) (`journeys activate ID`; a new "
                  "journey is a draft)")
    clocks = clock_sequence(end - timedelta(days=days), end - timedelta(hours=1), "1h")
    console.print(f"simulating {len(clocks)} hourly ticks in-process …")
    _print_totals(simulate(settings, project, clocks))
    console.print("one more tick through dbt (`journeys run`: dbt build, models and tests) …")
    try:
        _print_tick(run_tick(settings, project, end, engine="dbt"))
    except DbtTickError as failure:
        _fail(str(failure))
    _demo_dispatch(settings)
    print_report(settings.warehouse, project.validation.specs, console=console)
    pictures = _write_pictures(settings, project.validation.specs, None)
    console.print(f"one picture per journey, with these numbers: {pictures[0][1].parent}/"
                  "<journey>.html (`journeys render ID` draws one again)")


def _demo_dispatch(settings) -> None:
    """The demo's last step: dispatch to the outbox files and show what went out."""
    from reverse_etl.dispatch import DispatchError
    from reverse_etl.report import print_sent, print_summary
    from reverse_etl.run import run_dispatch

    console.print("dispatching the due actions (`journeys dispatch`: every destination of the "
                  "demo is an outbox file) …")
    try:
        summary = run_dispatch(settings, log=lambda line: None)
    except (DispatchError, TickBusy) as failure:
        _fail(str(failure))
    print_summary(summary, console)
    print_sent(settings.warehouse, summary.dispatch_id, console)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.pass_obj
def serve(settings, host: str, port: int) -> None:
    """The REST API on http://HOST:PORT/api/v1 (keys: JOURNEYS_API_KEYS=name:key,…)."""
    from journeys.api.server import serve as serve_api
    from journeys.settings import API_KEYS_ENV, api_keys

    try:
        keys = api_keys()
    except ValueError as bad:
        _fail(str(bad))
    if not keys:
        _fail(f"{API_KEYS_ENV} is not set: the API needs at least one key, e.g. "
              f"{API_KEYS_ENV}=ci:<a long random key> (comma-separated name:key pairs)")
    click.echo(f"journeys API on http://{host}:{port}/api/v1 (docs: /api/v1/docs), "
               f"{len(keys)} key(s): {', '.join(sorted(set(keys.values())))}")
    serve_api(settings, keys, host, port)


if __name__ == "__main__":
    main()
