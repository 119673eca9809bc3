"""The one `DbtProject` of the code location, prepared before Dagster reads its manifest.

Preparing compiles the specs (only when they changed: :func:`prepare_dbt_project`) and then
runs `dbt parse` when a file dbt reads is newer than the manifest, so a new or edited spec
shows in the UI after a reload, with no manual step.
"""

from __future__ import annotations

import fcntl
import os
import sys
from functools import cache
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from journeys.project import ProjectError, prepare_dbt_project
from journeys.settings import WAREHOUSE_ENV, Settings, load_settings
from journeys.spec.models import JourneySpec

TARGET = Path("target") / "dagster"
"""dbt's target folder for Dagster (its manifest and partial-parse cache)."""


class SpecProblems(Exception):
    """The specs have problems: the code location cannot load until they are fixed."""


def _newest_input(dbt_dir: Path) -> float:
    files = [dbt_dir / "dbt_project.yml", *(dbt_dir / "models").rglob("*"),
             *(dbt_dir / "macros").rglob("*")]
    return max((p.stat().st_mtime for p in files if p.is_file()), default=0.0)


def prepare(project: DbtProject, settings: Settings) -> dict[str, JourneySpec]:
    """Compile the specs, then parse the dbt project if anything changed; return the specs.

    Under a lock: two processes loading the code location at once (test workers, the
    daemon and the UI) would otherwise write the generated files and parse together, and
    one could read the other's half-written manifest.
    """
    manifest = project.manifest_path
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with (manifest.parent / "prepare.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            specs = prepare_dbt_project(settings).specs
        except ProjectError as problem:
            lines = "\n".join(str(p) for p in problem.result.problems)
            raise SpecProblems(f"{problem}; fix them and reload the code location:\n{lines}"
                               ) from None
        if not manifest.exists() \
                or manifest.stat().st_mtime < _newest_input(project.project_dir):
            dbt_cli(project).cli(["parse", "--quiet"], target_path=project.target_path).wait()
    return specs


def dbt_cli(project: DbtProject) -> DbtCliResource:
    """The dbt CLI of this environment (next to its Python: the venv need not be on PATH)."""
    return DbtCliResource(project_dir=project,
                          dbt_executable=str(Path(sys.executable).parent / "dbt"))


@cache
def _prepared() -> tuple[DbtProject, dict[str, JourneySpec]]:
    settings = load_settings()
    os.environ[WAREHOUSE_ENV] = str(settings.warehouse)  # profiles.yml reads it
    project = DbtProject(project_dir=settings.dbt_dir, profiles_dir=settings.dbt_dir,
                         target_path=TARGET)
    return project, prepare(project, settings)


def journeys_dbt_project() -> DbtProject:
    """The project, prepared (once per process)."""
    return _prepared()[0]


def journey_specs() -> dict[str, JourneySpec]:
    """The valid specs the project was prepared from, by journey id."""
    return _prepared()[1]
