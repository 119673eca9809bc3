"""A dispatcher that kills itself with SIGKILL at a named point: the crash tests' subject.

Usage: python -m tests.reverse_etl.crash_dispatcher ROOT WAREHOUSE POINT N ROUND_SIZE

Dispatches the project at ROOT into WAREHOUSE and, the N-th time it reaches POINT
(``before_request``, ``after_request``, ``after_log``), sends itself SIGKILL: no cleanup,
no finally blocks, as a machine losing power would. Exits 0 if it never got there.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from journeys.settings import Settings
from reverse_etl.run import run_dispatch


def main() -> None:
    root, warehouse, point, nth, round_size = sys.argv[1:6]
    seen = 0

    def checkpoint(name: str) -> None:
        nonlocal seen
        if name == point:
            seen += 1
            if seen == int(nth):
                os.kill(os.getpid(), signal.SIGKILL)

    run_dispatch(Settings(project_root=Path(root), warehouse=Path(warehouse)),
                 checkpoint=checkpoint, round_size=int(round_size))


if __name__ == "__main__":
    main()
