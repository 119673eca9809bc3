"""Golden SQL: the demo journeys compiled for Snowflake and BigQuery are committed under
tests/journeys/golden_sql/<dialect>/ (there is no account to run them here), parse with
sqlglot in that dialect, and hold no engine-neutral call the lowering missed.

Regenerate after a compiler change with
``journeys compile --dialect snowflake --out tests/journeys/golden_sql/snowflake`` (and the
same for bigquery); review the diff like any other code.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlglot

from journeys.compiler.dialect import DIALECTS
from journeys.compiler.render_dbt import golden_files, write_golden
from journeys.project import compile_project
from journeys.settings import Settings
from tests.journeys.engine_harness import REPO

GOLDEN = REPO / "tests" / "journeys" / "golden_sql"
COMPILED_ONLY = ("snowflake", "bigquery")
_JINJA_TABLE = re.compile(
    r"\{\{\s*(ref|source|journeys_prior|journeys_part|journeys_log)\(([^)]*)\)\s*\}\}")
_CONFIG = re.compile(r"^\{\{ config\(.*\) \}\}$", re.MULTILINE)


def _compiled(dialect: str) -> dict[Path, str]:
    settings = Settings(project_root=REPO, warehouse=REPO / "no-warehouse.duckdb")
    return compile_project(settings, dialect).files


def as_plain_sql(text: str) -> str:
    """A model file without its Jinja: tables for refs, a timestamp for the clock."""
    text = _CONFIG.sub("", text)
    text = _JINJA_TABLE.sub(lambda m: m.group(2).split(",")[-1].strip(" '\""), text)
    return text.replace('{{ var("run_at") }}', "2026-01-01 00:00:00")


@pytest.mark.parametrize("dialect", COMPILED_ONLY)
def test_golden_sql_is_what_the_compiler_writes(dialect: str) -> None:
    stale = write_golden(GOLDEN / dialect, _compiled(dialect), check=True)
    assert stale == [], (f"golden SQL out of date: run `journeys compile --dialect {dialect} "
                         f"--out tests/journeys/golden_sql/{dialect}`")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_model_parses_in_its_dialect(dialect: str) -> None:
    files = golden_files(_compiled(dialect))
    assert len(files) > 50
    for path, text in files.items():
        assert not re.search(r"\bJOURNEYS_[A-Z_]+\(", text), \
            f"{path}: a portable call was not lowered"
        assert "{{" not in as_plain_sql(text), path
        sqlglot.parse_one(as_plain_sql(text), read=dialect)


@pytest.mark.parametrize("dialect", COMPILED_ONLY)
def test_engine_specific_constructs_use_the_dialects_own_functions(dialect: str) -> None:
    """The demo's time zones, buckets and payloads come out in the engine's own terms."""
    every = "\n".join(p.read_text() for p in sorted((GOLDEN / dialect).rglob("*.sql")))
    expected = {"snowflake": ["OBJECT_CONSTRUCT_KEEP_NULL(", "('America/New_York')"],
                "bigquery": ["json_object(", "to_hex(", "STRUCT('Europe/Berlin' AS name)"]}
    for construct in expected[dialect]:
        assert construct in every, construct
