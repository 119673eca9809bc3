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


def _set_but_empty(name: str) -> bool:
    return name in os.environ and not os.environ[name].strip()


def load_settings(warehouse: str | Path | None = None) -> Settings:
    """Settings from the environment, with an explicit warehouse path taking precedence.

    Raises:
        ValueError: for a variable that is set but empty (``JOURNEYS_WAREHOUSE=`` in a
            scheduler's environment must not silently mean the default file).
    """
    for name in (PROJECT_ENV, WAREHOUSE_ENV, TARGET_ENV):
        if _set_but_empty(name) and not (name == WAREHOUSE_ENV and warehouse):
            raise ValueError(f"{name} is set but empty: set it to a value, or unset it for "
                             "the default")
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


DEBUG_ENV = "JOURNEYS_DEBUG"


def debug_enabled() -> bool:
    """Whether ``JOURNEYS_DEBUG`` asks for tracebacks instead of one-line messages."""
    return os.environ.get(DEBUG_ENV, "").strip() not in ("", "0")


ACTOR_ENV = "JOURNEYS_ACTOR"


def default_actor() -> str:
    """Who the audit trail names for a change made from this shell: ``JOURNEYS_ACTOR`` (set
    it in CI or a scheduler to name the pipeline), else the operating-system user."""
    import getpass

    named = os.environ.get(ACTOR_ENV, "").strip()
    if named:
        return named
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "unknown"


API_KEYS_ENV = "JOURNEYS_API_KEYS"


def api_keys() -> dict[str, str]:
    """The REST API's keys, ``key -> name``, from ``JOURNEYS_API_KEYS``: comma-separated
    ``name:key`` pairs; a bare ``key`` is named ``key1``, ``key2`` … in order. Empty when
    the variable is unset or blank (`journeys serve` then refuses to start). The names, not
    the keys, appear in the audit trail (``api:<name>``).

    Raises:
        ValueError: for an entry with a name and no key (``ci:``).

    Example:
        >>> import os
        >>> os.environ[API_KEYS_ENV] = "ci:s3cret, abc"
        >>> api_keys()
        {'s3cret': 'ci', 'abc': 'key1'}
        >>> del os.environ[API_KEYS_ENV]
    """
    keys: dict[str, str] = {}
    bare = 0
    for item in os.environ.get(API_KEYS_ENV, "").split(","):
        name, _, key = item.partition(":") if ":" in item else ("", "", item)
        name, key = name.strip(), key.strip()
        if not key:
            if name:
                raise ValueError(f"{API_KEYS_ENV}: '{name}:' has no key (write name:key)")
            continue
        if not name:
            bare += 1
            name = f"key{bare}"
        keys[key] = name
    return keys
