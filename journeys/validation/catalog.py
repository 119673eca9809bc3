"""The columns of the ``profiles`` input, which conditions and values may refer to (C3, C5).

The truth is the warehouse: when its DuckDB file exists and has a ``profiles`` table, its
columns are used. Before the warehouse is loaded (a fresh clone, CI), the columns declared
for the ``profiles`` source in dbt's ``_sources.yml`` stand in, so ``journeys validate``
works without data. The warehouse path is passed in: only the settings module reads the
environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from journeys.failures import WarehouseUnusable, check_warehouse_file
from journeys.validation.problems import Problem, display_path
from journeys.validation.yaml_loader import read_yaml

SOURCES_FILE = Path("dbt_project/models/staging/_sources.yml")
PROFILES_TABLE = "profiles"


@dataclass(frozen=True)
class ProfileCatalog:
    """Profile columns and where they came from.

    Attributes:
        columns: the column names, or None when no source declares them.
        source: the file they were read from, for messages.
        problems: why the columns could not be found, or what is wrong with the sources file.
    """

    columns: frozenset[str] | None
    source: str
    problems: list[Problem] = field(default_factory=list)


def profile_catalog(project_root: Path, warehouse: Path | None) -> ProfileCatalog:
    """Profile columns from the warehouse when it has them, else from dbt's sources file.

    A warehouse path that is a folder or a file DuckDB cannot read is a problem, not a
    reason to check against the sources file instead: the user named that file.
    """
    if warehouse is not None:
        try:
            check_warehouse_file(warehouse)
        except WarehouseUnusable as unusable:
            shown = display_path(warehouse)
            return ProfileCatalog(None, shown, [Problem(shown, None, str(unusable))])
    if warehouse is not None and warehouse.is_file():
        columns = _warehouse_columns(warehouse, _declared_schema(project_root))
        if columns:
            return ProfileCatalog(columns, display_path(warehouse))
    sources = project_root / SOURCES_FILE
    shown = display_path(sources)
    if not sources.is_file():
        return ProfileCatalog(None, shown, [Problem(shown, None, _no_catalog(shown, warehouse))])
    data, problems = read_yaml(sources)
    if problems:
        return ProfileCatalog(None, shown, problems)
    columns = _declared_columns(data)
    if not columns:
        return ProfileCatalog(None, shown, [Problem(shown, None, (
            "declares no columns for the 'profiles' table: list them under "
            "sources[].tables[name: profiles].columns so conditions can be checked"
        ))])
    return ProfileCatalog(frozenset(columns), shown)


def _no_catalog(shown: str, warehouse: Path | None) -> str:
    if warehouse is None:
        found = "no warehouse was given"
    elif warehouse.is_file():
        found = f"the warehouse {display_path(warehouse)} has no 'profiles' table"
    else:
        found = f"the warehouse {display_path(warehouse)} does not exist"
    return (
        f"cannot tell the profile columns: {found} and {shown} does not exist; declare "
        "them there (sources: [{name: warehouse, tables: [{name: profiles, columns: "
        "[{name: member_id}, ...]}]}]) or load the warehouse"
    )


def _profiles_tables(data: Any) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(source, table) pairs for every ``profiles`` table in a dbt sources file."""
    found = []
    sources = data.get("sources") if isinstance(data, dict) else None
    for source in sources if isinstance(sources, list) else []:
        tables = source.get("tables") if isinstance(source, dict) else None
        for table in tables if isinstance(tables, list) else []:
            if isinstance(table, dict) and table.get("name") == PROFILES_TABLE:
                found.append((source, table))
    return found


def _declared_columns(data: Any) -> list[str]:
    for _, table in _profiles_tables(data):
        columns = table.get("columns")
        names = [
            c["name"] for c in (columns if isinstance(columns, list) else [])
            if isinstance(c, dict) and isinstance(c.get("name"), str)
        ]
        if names:
            return names
    return []


def _declared_schema(project_root: Path) -> str | None:
    """The schema the sources file puts ``profiles`` in, preferred when the file has several."""
    sources = project_root / SOURCES_FILE
    if not sources.is_file():
        return None
    data, problems = read_yaml(sources)
    for source, _ in [] if problems else _profiles_tables(data):
        schema = source.get("schema")
        if isinstance(schema, str):
            return schema
    return None


def _warehouse_columns(warehouse: Path, schema: str | None) -> frozenset[str] | None:
    """Columns of the warehouse's ``profiles`` table, or None (no table, file in use)."""
    from journeys.warehouse.lease import TickBusy
    from journeys.warehouse.readers import reading

    try:
        with reading(warehouse, wait_s=0) as con:
            rows = con.execute(
                "select table_schema, column_name from information_schema.columns "
                "where table_name = ? order by table_schema, ordinal_position",
                [PROFILES_TABLE],
            ).fetchall()
    except (duckdb.Error, TickBusy):
        return None
    by_schema: dict[str, list[str]] = {}
    for table_schema, column in rows:
        by_schema.setdefault(table_schema, []).append(column)
    for preferred in (schema, "main"):
        if preferred in by_schema:
            return frozenset(by_schema[preferred])
    others = [s for s in sorted(by_schema) if s != "journeys"]
    return frozenset(by_schema[others[0]]) if others else None
