"""``python -m benchmarks [--only NAME …] [--profiles N]``: run figures, rewrite their
sections of BENCHMARKS.md.

Each figure's section is written as soon as the figure finishes, so a long run that is
interrupted keeps what it measured. A figure that fails leaves its old section as it was
and makes the run exit 1.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import machine
from benchmarks.harness import FIGURES, Figure, Result, select
from benchmarks.report import HEADER, render_section, replace_section
from benchmarks.workspace import REPO, Workspace

DEFAULT_REPEAT = 3


def reproduce_command(fig: Figure, args: argparse.Namespace) -> str:
    """The command that measures ``fig`` alone with the same options.

    Example:
        >>> fig = Figure("backtest", "Backtest", None, 100_000, "")
        >>> reproduce_command(fig, argparse.Namespace(profiles=None, days=7, repeat=3))
        '.venv/bin/python -m benchmarks --only backtest --profiles 100000 --days 7'
    """
    parts = [".venv/bin/python -m benchmarks", f"--only {fig.name}",
             f"--profiles {args.profiles or fig.profiles}"]
    if args.days:
        parts.append(f"--days {args.days}")
    if args.repeat != DEFAULT_REPEAT:
        parts.append(f"--repeat {args.repeat}")
    return " ".join(parts)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split(
        "\n\n")[0].replace("\n", " "))
    parser.add_argument("--only", nargs="+", metavar="NAME", help="figures to run (default: all)")
    parser.add_argument("--profiles", type=int, help="synthetic profiles for every figure run "
                        "(default: each figure's scale from the issue)")
    parser.add_argument("--days", type=int, help="days of hourly ticks of the backtest "
                        "(default 30: 720 ticks)")
    parser.add_argument("--repeat", type=int, default=DEFAULT_REPEAT,
                        help="repetitions of the measurements taken as medians")
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "journeys-bench",
                        help="where warehouses are built (gigabytes at 1M profiles)")
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md")
    parser.add_argument("--keep", action="store_true", help="keep the warehouses afterwards")
    parser.add_argument("--list", action="store_true", help="list the figures and exit")
    return parser.parse_args(argv)


def _log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def write_section(output: Path, fig: Figure, result: Result, section_args: dict) -> None:
    document = output.read_text() if output.exists() else HEADER
    output.write_text(replace_section(document, fig.name,
                                      render_section(fig, result, **section_args)))


def main(argv: list[str] | None = None) -> int:
    import benchmarks.figures  # noqa: F401  (registers the figures)

    args = parse_args(argv)
    if args.list:
        for fig in FIGURES.values():
            print(f"{fig.name:22} {fig.profiles:>9,} profiles  {fig.title}")
        return 0
    try:
        figures = select(args.only, FIGURES)
    except KeyError as unknown:
        print(f"error: {unknown.args[0]}", file=sys.stderr)
        return 2
    workspace = Workspace(args.workdir, profiles=args.profiles, days=args.days,
                          repeat=args.repeat, log=_log)
    failed = []
    try:
        for fig in figures:
            _log(f"figure {fig.name} …")
            load_before, started = machine.load(), time.perf_counter()
            try:
                result = fig.run(workspace)
            except Exception:
                traceback.print_exc()
                failed.append(fig.name)
                continue
            took = time.perf_counter() - started
            result.facts.append(("time to measure the figure", f"{took / 60:.1f} min"))
            write_section(args.output, fig, result, {
                "measured": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
                "machine": f"{machine.describe()}; load average {load_before} before, "
                           f"{machine.load()} after",
                "code": machine.code_version(REPO),
                "command": reproduce_command(fig, args)})
            _log(f"figure {fig.name} done in {took:.0f} s: {args.output}")
    finally:
        if not args.keep:
            workspace.cleanup()
    if failed:
        _log(f"failed: {', '.join(failed)} (their sections were left as they were)")
    return 1 if failed else 0
