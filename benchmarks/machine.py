"""What a figure was measured on: the machine, its load, the software, the code."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

ENGINE_PATHS = ("journeys", "journey_specs", "dbt_project")
"""What a figure measures: uncommitted changes there are named in the section."""


def _cpu_model(cpuinfo: str) -> str:
    """The first ``model name`` of /proc/cpuinfo.

    Example:
        >>> _cpu_model("processor\\t: 0\\nmodel name\\t: AMD EPYC 7B13\\n")
        'AMD EPYC 7B13'
    """
    for line in cpuinfo.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _mem_total_bytes(meminfo: str) -> int | None:
    """MemTotal of /proc/meminfo, in bytes.

    Example:
        >>> _mem_total_bytes("MemTotal:       24000000 kB\\nMemFree: 1 kB\\n")
        24576000000
    """
    for line in meminfo.splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return None


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def describe() -> str:
    """One line: CPU model, cores, RAM, OS, Python, duckdb/dbt versions."""
    ram = _mem_total_bytes(_read("/proc/meminfo"))
    return (f"{_cpu_model(_read('/proc/cpuinfo'))}, {os.cpu_count()} cores, "
            f"{f'{ram / 2**30:.0f} GiB RAM' if ram else 'RAM unknown'}, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
            f"duckdb {_version('duckdb')}, dbt-core {_version('dbt-core')}, "
            f"dbt-duckdb {_version('dbt-duckdb')}, sqlglot {_version('sqlglot')}")


def load() -> str:
    """The 1-minute load average (other work on a shared machine shows here)."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


def changed_folders(porcelain: str) -> list[str]:
    """Top folders of the paths in ``git status --porcelain`` output.

    Example:
        >>> changed_folders(" M journeys/tick/runner.py\\n?? tests/x.py\\nM  journeys/cli.py\\n")
        ['journeys/', 'tests/']
    """
    return sorted({line[3:].split("/")[0] + "/" for line in porcelain.splitlines() if line})


def code_version(repo: Path) -> str:
    """The commit, and whether the engine's files differ from it (work in progress)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
        return done.stdout if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD").strip() or "unknown commit"
    paths = changed_folders(git("status", "--porcelain", "--", *ENGINE_PATHS))
    if not paths:
        return f"commit {commit}"
    return f"commit {commit} plus uncommitted changes in {', '.join(paths)}"
