"""Bad paths, bad warehouse files, read-only places, empty options, a full disk: each ends
in one line naming the file or option and what to do, and a non-zero exit, never a
traceback (issue 21). Real subprocesses on real files."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from journeys.cli import BUG_EXIT, main
from tests.journeys.cli.test_commands import JOURNEYS, REPO, run
from tests.project_copy import copy_project
from tests.warehouses import live_warehouse

J = "post_purchase"
AT = "2026-11-01T00:00:00Z"
COMMANDS = {
    "status": ["status"],
    "run": ["run", "--at", AT, "--engine", "inprocess"],
    "enter": ["enter", J, "m0000001", "--at", AT],
    "dispatch": ["dispatch"],
    "activate": ["activate", "welcome_series"],
    "history": ["history"],
    "render": ["render", J],
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One live warehouse per module; tests copy it."""
    root = tmp_path_factory.mktemp("built")
    live_warehouse(root / "w.duckdb", profiles=50, days=3, end=datetime(2026, 11, 1), seed=2)
    return root / "w.duckdb"


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


def one_line_error(result: subprocess.CompletedProcess, *parts: str) -> str:
    """The single ``error:`` line of a failed command, checked to hold ``parts``."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, result.stderr
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


# --- the warehouse path -----------------------------------------------------------------------


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("kind", ["corrupt", "empty", "folder"])
def test_a_warehouse_that_is_not_a_duckdb_file_is_named_by_every_command(
        project: Path, command: str, kind: str) -> None:
    warehouse = project / "w.duckdb"
    if kind == "folder":
        warehouse.mkdir()
        expected = ("is a folder, not a DuckDB file", "JOURNEYS_WAREHOUSE")
    else:
        warehouse.write_bytes(b"" if kind == "empty" else b"not a database " * 100)
        expected = ("an empty file" if kind == "empty" else "not a DuckDB database",
                    "JOURNEYS_WAREHOUSE", "journeys demo")
    result = run(COMMANDS[command], project, warehouse)
    one_line_error(result, str(warehouse), *expected)


def test_validate_names_a_corrupt_warehouse_instead_of_falling_back(project: Path) -> None:
    warehouse = project / "w.duckdb"
    warehouse.write_bytes(b"garbage" * 10)
    result = run(["validate"], project, warehouse)
    assert result.returncode == 1
    assert f"{warehouse} is not a DuckDB database" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_empty_warehouse_option_or_variable_is_refused(project: Path) -> None:
    empty_option = run(["--warehouse", "", "status"], project)
    assert empty_option.returncode == 2
    assert "'--warehouse': is empty" in empty_option.stderr
    env = {"PATH": "/usr/bin:/bin", "HOME": str(project), "PYTHONPATH": str(REPO),
           "JOURNEYS_WAREHOUSE": ""}
    unset = subprocess.run([*JOURNEYS, "status"], cwd=project, env=env,
                           capture_output=True, text=True, timeout=300)
    one_line_error(unset, "JOURNEYS_WAREHOUSE is set but empty")


# --- read-only files and folders --------------------------------------------------------------


@contextlib.contextmanager
def immutable(path: Path) -> Iterator[None]:
    """``chattr +i``: read-only even for root (CI runs as root, where chmod changes nothing).
    Skips the test where the file system or the user cannot."""
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed: cannot make a file read-only for root")
    made = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"chattr +i is not possible here: {made.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_a_read_only_warehouse_file_can_be_read_not_written(project: Path, built: Path) -> None:
    warehouse = project / "data" / "w.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(built, warehouse)
    with immutable(warehouse):
        for reading in (["status"], ["status", J, "--json"], ["history"], ["render", J]):
            result = run(reading, project, warehouse)
            assert result.returncode == 0, (reading, result.stderr)
        for writing in ("run", "enter", "activate", "dispatch"):
            one_line_error(run(COMMANDS[writing], project, warehouse),
                           f"the warehouse {warehouse} is read-only", "writable")


def test_a_read_only_warehouse_folder_can_be_read_not_written(project: Path,
                                                              built: Path) -> None:
    folder = project / "data"
    folder.mkdir()
    shutil.copy(built, folder / "w.duckdb")
    with immutable(folder):
        for reading in (["status"], ["history"], ["render", J]):
            result = run(reading, project, folder / "w.duckdb")
            assert result.returncode == 0, (reading, result.stderr)
        for writing in ("run", "enter", "activate"):
            one_line_error(run(COMMANDS[writing], project, folder / "w.duckdb"),
                           f"the folder {folder} of the warehouse is read-only")


# --- empty and malformed options --------------------------------------------------------------


@pytest.mark.parametrize("args, message", [
    (["run", "--at", "", "--engine", "inprocess"], "--at is empty"),
    (["run", "--at", "  ", "--engine", "inprocess"], "--at is empty"),
    (["enter", J, "m0000001", "--at", ""], "--at is empty"),
    (["simulate", "--start", "", "--end", AT], "--start is empty"),
    (["simulate", "--start", AT, "--end", "yesterday"], "--end: 'yesterday' is not a timestamp"),
    (["simulate", "--start", AT, "--end", AT, "--every", "0m"], "--every: '0m' is not a "
                                                                "duration"),
    (["simulate", "--start", "2000-01-01", "--end", "2100-01-01", "--every", "1m"],
     "every 1m is 52,596,001 ticks: at most 100,000 per simulation"),
])
def test_an_empty_or_malformed_time_option_is_refused(project: Path, built: Path,
                                                      args: list[str], message: str) -> None:
    warehouse = project / "w.duckdb"
    shutil.copy(built, warehouse)
    one_line_error(run(args, project, warehouse), message)


@pytest.mark.parametrize("args, option", [
    (["render", J, "--out", ""], "--out"),
    (["dispatch", "--dry-run", "--out", ""], "--out"),
    (["enter", J, "--file", ""], "--file"),
    (["activate", J, "--actor", ""], "--actor"),
    (["dispatch", "--wait", "nan"], "--wait"),
    (["dispatch", "--wait", "inf"], "--wait"),
    (["demo", "--profiles", "0"], "--profiles"),
])
def test_an_empty_or_impossible_option_is_a_usage_error(project: Path, args: list[str],
                                                        option: str) -> None:
    result = run(args, project, project / "w.duckdb")
    assert result.returncode == 2, result.stderr
    assert f"Invalid value for '{option}'" in result.stderr
    assert "Traceback" not in result.stderr


def test_history_of_an_unknown_journey_is_refused_with_a_suggestion(project: Path,
                                                                    built: Path) -> None:
    warehouse = project / "w.duckdb"
    shutil.copy(built, warehouse)
    one_line_error(run(["history", "nope"], project, warehouse), "no journey 'nope'",
                   "welcome_series")
    one_line_error(run(["history", "welcom_series"], project, warehouse),
                   "(did you mean 'welcome_series'?)")
    known = run(["history", "welcome_series"], project, warehouse)
    assert known.returncode == 0 and "journeys.journey_control" in known.stdout


def test_enter_with_a_binary_file_says_it_is_not_csv(project: Path, built: Path) -> None:
    warehouse = project / "w.duckdb"
    shutil.copy(built, warehouse)
    (project / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe" * 20)
    one_line_error(run(["enter", J, "--file", str(project / "photo.png")], project, warehouse),
                   "photo.png: is not a CSV text file", "UTF-8")


def test_render_to_a_folder_that_cannot_exist(project: Path, built: Path) -> None:
    warehouse = project / "w.duckdb"
    shutil.copy(built, warehouse)
    one_line_error(run(["render", J, "--out", "/proc/nope"], project, warehouse),
                   "cannot write the picture under --out /proc/nope")


@pytest.mark.parametrize("condition, message", [
    ("(" * 3000 + "onboarding_completed" + ")" * 3000, "is 6,020 characters long: at most 4,000"),
    ("not " * 2000 + "onboarding_completed", "is 8,020 characters long: at most 4,000"),
    ("not " * 900 + "onboarding_completed", "is nested 900 levels deep: at most 64"),
    ("(" * 65 + "onboarding_completed" + ")" * 65, "is nested 65 levels deep: at most 64"),
])
def test_a_condition_nested_thousands_deep_is_a_problem_not_a_recursion_error(
        project: Path, condition: str, message: str) -> None:
    spec = project / "journey_specs" / "welcome_series.yml"
    text = spec.read_text()
    assert 'condition: "onboarding_completed"' in text
    spec.write_text(text.replace('condition: "onboarding_completed"',
                                 f'condition: "{condition}"', 1))
    result = run(["validate"], project)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr and "RecursionError" not in result.stderr


# --- a full disk ------------------------------------------------------------------------------


@pytest.fixture()
def small_disk(tmp_path: Path, built: Path) -> Iterator[Path]:
    """A tmpfs just larger than the warehouse, holding a copy of it (needs root's mount;
    skipped elsewhere, saying so)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    size_kb = built.stat().st_size // 1024 + 40
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs",
                           str(mount)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({made.stderr.strip()}): needs root "
                    "with CAP_SYS_ADMIN, as CI has")
    try:
        shutil.copy(built, mount / "w.duckdb")
        yield mount / "w.duckdb"
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_tick_on_a_full_disk_reports_the_disk_not_the_rollback(project: Path,
                                                                 small_disk: Path) -> None:
    result = run(COMMANDS["run"], project, small_disk)
    line = one_line_error(result, f"the disk is full at {small_disk.parent}")
    assert "rollback" not in result.stderr and "no transaction" not in line


# --- a bug is named as one --------------------------------------------------------------------


def test_an_unexpected_error_is_one_line_exit_70_and_debug_shows_it(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr("journeys.validation.validate_project", broken)
    monkeypatch.delenv("JOURNEYS_DEBUG", raising=False)
    monkeypatch.setenv("JOURNEYS_WAREHOUSE", str(tmp_path / "w.duckdb"))
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == BUG_EXIT
    assert "unexpected RuntimeError: boom — this is a bug in journeys" in result.output
    assert "second line" not in result.output and "JOURNEYS_DEBUG=1" in result.output
    monkeypatch.setenv("JOURNEYS_DEBUG", "1")
    assert isinstance(CliRunner().invoke(main, ["validate"]).exception, RuntimeError)
    assert os.environ["JOURNEYS_DEBUG"] == "1"


def test_a_reader_that_stops_reading_is_not_a_bug(tmp_path: Path) -> None:
    """`journeys validate | head -0`: the pipe closes before the output is written."""
    project = copy_project(tmp_path / "project")
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run([*JOURNEYS, "validate"], cwd=project, stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=120,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    finally:
        os.close(write_end)
    assert done.returncode == 1
    assert done.stderr == ""
