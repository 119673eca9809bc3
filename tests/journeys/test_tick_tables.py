"""The tables a failed tick restores are exactly the ones a tick rewrites (tick_tables)."""

from __future__ import annotations

from pathlib import Path

from journeys.compiler import compile_plans
from journeys.compiler.metrics_models import metrics_models
from journeys.compiler.project_models import output_models
from journeys.validation import validate_project
from journeys.warehouse.tick_tables import decided_tables, tick_tables

REPO = Path(__file__).resolve().parents[2]


def test_every_table_a_journey_tick_writes_is_restored_by_a_rollback() -> None:
    result = validate_project(None, project_root=REPO, warehouse=None)
    plans = compile_plans(result.specs, result.profile_columns)
    for journey_id in result.specs:
        written = {f"{p.schema}.{p.name}" for p in plans
                   if p.group == journey_id and p.materialized != "view"}
        assert written == set(tick_tables(journey_id).rewritten), journey_id


def test_every_project_level_decision_table_is_cleaned_by_its_clock() -> None:
    result = validate_project(None, project_root=REPO, warehouse=None)
    decided = {(f"{p.schema}.{p.name}", "decision_seq") for p in compile_plans(
        result.specs, result.profile_columns, result.governance)
        if p.group == "governance" and p.materialized == "incremental"}
    assert decided == set(decided_tables())


def test_every_appended_output_is_cleaned_by_its_clock_key() -> None:
    spec = validate_project(None, project_root=REPO, warehouse=None).specs["welcome_series"]
    models = output_models(["a"]) + metrics_models({"a": spec}, None)
    appended = {(f"{p.schema}.{p.name}", p.unique_key[1]) for p in models
                if p.materialized == "incremental"}
    assert appended == set(tick_tables("a").appended)


def test_the_dbt_macro_creates_the_delivery_log_the_engine_and_dispatch_write() -> None:
    """dbt's `journeys_log` macro creates `delivery_log` for views when no dispatch has yet:
    its column list is written in Jinja, so it is checked against the one definition."""
    import re

    from journeys.warehouse.tables import DELIVERY_LOG_COLUMNS

    macro = (REPO / "dbt_project/macros/journeys_log.sql").read_text()
    ddl = re.search(r'" \("\s*~\s*"(.*?)\)"\) -%\}', macro, re.S)
    assert ddl, "the create table statement of journeys_log.sql"
    text = " ".join(part.strip().strip('"') for part in ddl.group(1).split("~"))
    columns = [tuple(c.split()) for c in text.split(",")]
    assert columns == [(name, kind) for name, kind in DELIVERY_LOG_COLUMNS]
