"""The one `DbtProject` of the code location, prepared before Dagster reads its manifest.

Preparing compiles the specs (only when they changed: :func:`prepare_dbt_project`) and then
runs `dbt parse` when a file dbt reads is newer than the manifest, so a new or edited spec
shows in the UI after a reload, with no manual step.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

from dagster_dbt import DagsterDbtProjectPreparer, DbtCliResource, DbtProject

from journeys.project import ProjectError, prepare_dbt_project
from journeys.settings import WAREHOUSE_ENV, Settings, load_settings

TARGET = Path("target") / "dagster"
"""dbt's target folder for Dagster (its manifest and partial-parse cache)."""


class SpecProblems(Exception):
    """The specs have problems: the code location cannot load until they are fixed."""


def _newest_input(dbt_dir: Path) -> float:
    files = [dbt_dir / "dbt_project.yml", *(dbt_dir / "models").rglob("*"),
             *(dbt_dir / "macros").rglob("*")]
    return max((p.stat().st_mtime for p in files if p.is_file()), default=0.0)


class JourneysPreparer(DagsterDbtProjectPreparer):
    """Compile the specs, then parse the dbt project if anything changed."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(["parse", "--quiet"])
        self.settings = settings

    def prepare_if_dev(self, project: DbtProject) -> None:
        self.prepare(project)

    def prepare(self, project: DbtProject) -> None:
        try:
            prepare_dbt_project(self.settings)
        except ProjectError as problem:
            lines = "\n".join(str(p) for p in problem.result.problems)
            raise SpecProblems(f"{problem}; fix them and reload the code location:\n{lines}"
                               ) from None
        manifest = project.manifest_path
        if not manifest.exists() or manifest.stat().st_mtime < _newest_input(project.project_dir):
            dbt_cli(project).cli(["parse", "--quiet"], target_path=project.target_path).wait()


def dbt_cli(project: DbtProject) -> DbtCliResource:
    """The dbt CLI of this environment (next to its Python: the venv need not be on PATH)."""
    return DbtCliResource(project_dir=project,
                          dbt_executable=str(Path(sys.executable).parent / "dbt"))


@cache
def journeys_dbt_project() -> DbtProject:
    """The project, prepared (cached: one per process)."""
    settings = load_settings()
    os.environ[WAREHOUSE_ENV] = str(settings.warehouse)  # profiles.yml reads it
    project = DbtProject(project_dir=settings.dbt_dir, profiles_dir=settings.dbt_dir,
                         target_path=TARGET)
    JourneysPreparer(settings).prepare(project)
    return project
