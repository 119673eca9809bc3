"""The one module that reads the environment.

Everything else receives a :class:`Settings`, or, for the reverse-ETL step, the secrets
read by :func:`read_secrets` at dispatch (never at validation, never logged).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

WAREHOUSE_ENV = "JOURNEYS_WAREHOUSE"
PROJECT_ENV = "JOURNEYS_PROJECT_ROOT"
TARGET_ENV = "JOURNEYS_DBT_TARGET"


def _default_root() -> Path:
    """The repository root: the nearest folder up from the cwd holding journey_specs/."""
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "journey_specs").is_dir() and (folder / "dbt_project").is_dir():
            return folder
    return here


@dataclass(frozen=True)
class Settings:
    """Where the project and the warehouse are."""

    project_root: Path
    warehouse: Path
    target: str = "duckdb"
    """The dbt target of ``dbt_project/profiles.yml`` (``JOURNEYS_DBT_TARGET``); its adapter
    type selects the compiler's SQL dialect."""

    @property
    def spec_dir(self) -> Path:
        return self.project_root / "journey_specs"

    @property
    def dbt_dir(self) -> Path:
        return self.project_root / "dbt_project"


def load_settings(warehouse: str | Path | None = None) -> Settings:
    """Settings from the environment, with an explicit warehouse path taking precedence."""
    root = Path(os.environ.get(PROJECT_ENV) or _default_root()).resolve()
    path = warehouse or os.environ.get(WAREHOUSE_ENV) or root / "warehouse.duckdb"
    path = Path(path)
    return Settings(project_root=root,
                    warehouse=(path if path.is_absolute() else Path.cwd() / path).resolve(),
                    target=os.environ.get(TARGET_ENV) or "duckdb")


def read_secrets(names: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """The values of the named environment variables, and the names that are unset or empty.

    Example:
        >>> read_secrets(["JOURNEYS_SURELY_UNSET_VARIABLE"])
        ({}, ['JOURNEYS_SURELY_UNSET_VARIABLE'])
    """
    found: dict[str, str] = {}
    missing: list[str] = []
    for name in dict.fromkeys(names):
        value = os.environ.get(name)
        if value:
            found[name] = value
        else:
            missing.append(name)
    return found, missing
