"""A dispatcher in a process of its own, for the crash tests to ``kill -9``.

Processes come from a fork server that has already imported dispatch, so starting one
costs milliseconds rather than a second of imports, and a thousand crash trials fit in
minutes. Each is still a separate process with its own DuckDB connection and sockets; the
test kills it with SIGKILL from outside, at a moment of its choosing: no cleanup, no
finally blocks, as a machine losing power would.

Also runnable alone: ``python -m tests.reverse_etl.crash_dispatcher ROOT WAREHOUSE ROUND``.
"""

from __future__ import annotations

import multiprocessing
import sys
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from pathlib import Path

from journeys.settings import Settings
from reverse_etl.run import run_dispatch

PRELOAD = ["reverse_etl.run", "journeys.settings", "httpx", "duckdb"]


def dispatch(root: str, warehouse: str, round_size: int) -> None:
    """Dispatch the project at ``root`` into ``warehouse``, as `journeys dispatch` would."""
    run_dispatch(Settings(project_root=Path(root), warehouse=Path(warehouse)),
                 round_size=round_size)


def context() -> ForkServerContext:
    """The fork server's context, with dispatch imported before any fork."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def start(ctx: ForkServerContext, root: Path, warehouse: Path, round_size: int) -> BaseProcess:
    """A running dispatcher process."""
    process = ctx.Process(target=dispatch, args=(str(root), str(warehouse), round_size),
                          daemon=True)
    process.start()
    return process


if __name__ == "__main__":
    dispatch(sys.argv[1], sys.argv[2], int(sys.argv[3]))
