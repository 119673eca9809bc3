"""``python -m benchmarks.measure OUT -- COMMAND…``: run a command, write its wall time, CPU
time (user + system, which a loaded machine disturbs less) and peak RSS to OUT (JSON), exit
with its exit code.

Why a separate small process: on Linux a child's ``ru_maxrss`` starts at its parent's
resident size at ``fork``, so a command forked from the benchmark process (which holds
DuckDB's buffers after in-process ticks) would report at least that. Forked from this
process, it starts at a few MB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    out, command = Path(argv[0]), argv[1:]
    if command[:1] == ["--"]:
        command = command[1:]
    started = time.perf_counter()
    proc = subprocess.Popen(command)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.write_text(json.dumps({"wall_s": wall, "max_rss_bytes": usage.ru_maxrss * 1024,
                               "cpu_s": usage.ru_utime + usage.ru_stime,
                               "returncode": proc.returncode}))
    return proc.returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
