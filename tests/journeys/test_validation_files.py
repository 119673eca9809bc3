"""C2/C5/C8 around the specs: file names, YAML, destinations, profile columns, JSON Schema."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from journeys.spec.destinations import SUPPORTED_ACTIONS, OutboxDestination, channel_of
from journeys.validation import load_destinations, validate_project
from journeys.validation.schema import (
    DESTINATIONS_SCHEMA_FILE,
    SCHEMA_FILE,
    destinations_json_schema,
    json_schema,
    render_schema,
)
from tests.journeys.validation_support import DESTINATIONS, Project, messages

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.chdir(tmp_path)
    return Project(tmp_path)


# --- spec files -----------------------------------------------------------------------------


def test_file_name_must_equal_id(project: Project) -> None:
    project.spec(name="welcome.yml")
    assert messages(project.validate().problems) == (
        "journey_specs/welcome.yml: id 'welcome_series' does not match the file name: the file "
        "must be named welcome_series.yml, or the id must be 'welcome'"
    )


def test_file_name_must_be_a_journey_id(project: Project) -> None:
    project.spec({"id": "Welcome-Series"}, name="Welcome-Series.yml")
    assert "file name 'Welcome-Series' is not a journey id" in messages(project.validate().problems)


def test_yaml_syntax_error_names_the_line(project: Project) -> None:
    project.write("welcome_series.yml", "id: welcome_series\nname: [unclosed\ntiles: {}\n")
    (problem,) = project.validate().problems
    assert problem.file == "journey_specs/welcome_series.yml"
    assert problem.message.startswith("YAML syntax error at line 3, column 6:")


def test_a_key_written_twice_is_refused(project: Project) -> None:
    path = project.spec()
    path.write_text(path.read_text() + "name: Again\n")
    (problem,) = project.validate().problems
    assert problem.message.startswith("duplicate key 'name' at line")


def test_an_empty_file_is_not_a_journey(project: Project) -> None:
    project.write("welcome_series.yml", "")
    assert messages(project.validate().problems) == (
        "journey_specs/welcome_series.yml: is empty: a journey spec has id, name, entry and tiles"
    )


def test_underscore_files_are_not_journeys(project: Project) -> None:
    project.spec()
    project.write("_governance.yml", "frequency_caps: []\n")
    project.write("_notes.yml", "- not a journey\n")
    result = project.validate()
    assert result.ok, messages(result.problems)
    assert list(result.specs) == ["welcome_series"]


# --- destinations ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "message"),
    [
        pytest.param(
            "mail: {type: sendgird, api_key: {env: K}}",
            "destination 'mail': unknown destination type 'sendgird' (did you mean 'sendgrid'?)",
            id="unknown_destination_type",
        ),
        pytest.param(
            "mail: {type: sendgrid, api_key: sk-live-123, from: {email: a@b.c}}",
            "destination 'mail': api_key: must name an environment variable, not hold the "
            "secret: write `api_key: {env: VARIABLE}`",
            id="secret_written_inline_instead_of_env",
        ),
        pytest.param(
            "mail: {type: sendgrid, api_key: {env: K}, from: {email: a@b.c}, retries: 3}",
            "destination 'mail': unknown key 'retries' (did you mean 'retry'?)",
            id="unknown_key",
        ),
        pytest.param(
            "push: {type: braze, api_key: {env: K}}",
            "destination 'push': missing key 'base_url'",
            id="braze_needs_base_url",
        ),
        pytest.param(
            "hook: {type: webhook, url: rewards.example.com, secret: {env: S}}",
            "destination 'hook': url: 'rewards.example.com' is not a URL: write it with its scheme",
            id="webhook_url_needs_a_scheme",
        ),
    ],
)
def test_destination_shape(project: Project, config: str, message: str) -> None:
    path = project.specs / "_destinations.yml"
    path.write_text(config + "\n")
    configs, problems = load_destinations(path)
    assert configs == {}
    assert any(message in str(p) for p in problems), messages(problems)


SENDGRID_KEY = "SG.xxxxxplanted0123.yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"


@pytest.mark.parametrize("inline", [
    f"api_key: {SENDGRID_KEY}",
    f"api_key: {{env: '{SENDGRID_KEY}'}}",  # the secret where its variable's name goes
])
def test_an_inline_secret_is_refused_in_one_line_without_its_value(
        project: Project, inline: str) -> None:
    path = project.specs / "_destinations.yml"
    path.write_text(f"mail: {{type: sendgrid, {inline}, from: {{email: a@b.c}}}}\n")
    configs, problems = load_destinations(path)
    assert configs == {} and len(problems) == 1
    line = str(problems[0])
    assert "\n" not in line and "api_key" in line and "env" in line
    assert "SG." not in line and "planted" not in line, line


def test_destinations_load_without_reading_secrets(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SENDGRID_API_KEY", "TWILIO_AUTH_TOKEN", "BRAZE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    configs, problems = load_destinations(project.specs / "_destinations.yml")
    assert problems == []
    assert configs["sendgrid"].api_key.env == "SENDGRID_API_KEY"
    assert configs["sendgrid"].from_.email == "hello@example.com"
    assert configs["twilio"].from_ == "+15550001111"
    assert configs["sendgrid"].retry.max_attempts >= 1


def test_a_tile_naming_a_destination_without_a_destinations_file(project: Project) -> None:
    (project.specs / "_destinations.yml").unlink()
    project.spec()
    problems = project.validate().problems
    assert {p.tile for p in problems} == {
        "welcome_email", "tips_email", "reminder_email", "final_nudge"
    }
    assert problems[0].message == (
        "destination 'sendgrid' is not configured: create journey_specs/_destinations.yml "
        "with a 'sendgrid' entry"
    )


def test_a_broken_destination_is_reported_once(project: Project) -> None:
    (project.specs / "_destinations.yml").write_text(
        DESTINATIONS.replace("api_key: { env: SENDGRID_API_KEY }", "api_key: oops")
    )
    project.spec()
    problems = project.validate().problems
    assert [p.file for p in problems] == ["journey_specs/_destinations.yml"]


def test_a_recipient_column_the_profiles_lack_is_named_with_a_suggestion(
        project: Project) -> None:
    (project.specs / "_destinations.yml").write_text(
        DESTINATIONS.replace("api_key: { env: SENDGRID_API_KEY }",
                             "api_key: { env: SENDGRID_API_KEY }\n  recipient_column: emial"))
    project.spec()
    problems = project.validate().problems
    assert problems and {p.tile for p in problems} == {
        "welcome_email", "tips_email", "reminder_email", "final_nudge"}
    assert problems[0].message == (
        "destination 'sendgrid' reads each member's address from profile column 'emial', "
        "which the profiles do not have (did you mean 'email'?); set its recipient_column in "
        "journey_specs/_destinations.yml")


def test_which_destination_supports_which_action() -> None:
    assert SUPPORTED_ACTIONS["sendgrid"] == {"send_email"}
    assert SUPPORTED_ACTIONS["twilio"] == {"send_sms"}
    assert SUPPORTED_ACTIONS["braze"] == {"send_push", "send_email"}
    assert SUPPORTED_ACTIONS["webhook"] == {"custom_api"}
    assert SUPPORTED_ACTIONS["outbox"] == {"send_email", "send_sms", "send_push", "custom_api"}
    assert [channel_of(a) for a in ("send_email", "send_sms", "send_push", "custom_api")] == [
        "email", "sms", "push", "webhook"
    ]
    assert OutboxDestination(type="outbox").resolved_path("braze") == "outbox/braze.jsonl"


# --- profile columns ------------------------------------------------------------------------


def test_the_warehouse_profiles_table_is_the_truth(project: Project, tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table profiles (member_id varchar, onboarding_completed boolean,"
                    " first_name varchar, email varchar, company_name varchar,"
                    " signed_up_at timestamp, vip boolean)")
    project.spec({"tiles": {"onboarded_again": {"condition": "vip"}}})
    result = validate_project(None, project_root=project.root, warehouse=warehouse)
    assert result.ok, messages(result.problems)
    assert "vip" in result.profile_columns and "plan" not in result.profile_columns


def test_sources_yml_stands_in_for_an_empty_warehouse(project: Project, tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    project.spec()
    result = validate_project(None, project_root=project.root, warehouse=warehouse)
    assert result.ok, messages(result.problems)
    assert "lifetime_value" in result.profile_columns


def test_no_profile_columns_anywhere_says_how_to_fix(project: Project) -> None:
    (project.root / "dbt_project/models/staging/_sources.yml").unlink()
    project.spec()
    result = validate_project(None, project_root=project.root,
                              warehouse=project.root / "warehouse.duckdb")
    assert messages(result.problems) == (
        "dbt_project/models/staging/_sources.yml: cannot tell the profile columns: the "
        "warehouse warehouse.duckdb does not exist and dbt_project/models/staging/_sources.yml "
        "does not exist; declare them there (sources: [{name: warehouse, tables: [{name: "
        "profiles, columns: [{name: member_id}, ...]}]}]) or load the warehouse"
    )


def test_hostile_expressions_are_refused_even_without_columns(project: Project) -> None:
    (project.root / "dbt_project/models/staging/_sources.yml").unlink()
    project.spec({"tiles": {"onboarded": {"condition": "getenv('HOME') = plan"}}})
    result = validate_project(None, project_root=project.root, warehouse=None)
    assert "condition calls 'getenv'" in messages(result.problems)


# --- JSON Schema ----------------------------------------------------------------------------


def test_committed_spec_schema_is_up_to_date() -> None:
    """Regenerate with: python -c 'from journeys.validation.schema import *; \
write_json_schema(SCHEMA_FILE); write_destinations_json_schema(DESTINATIONS_SCHEMA_FILE)'"""
    assert (REPO / SCHEMA_FILE).read_text() == render_schema(json_schema())
    assert (REPO / DESTINATIONS_SCHEMA_FILE).read_text() == render_schema(
        destinations_json_schema()
    )


def test_schema_describes_the_spec_by_its_written_keys() -> None:
    schema = json_schema()
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["title"] == "Journey spec"
    assert "set" in schema["$defs"]["UpdateProfileTile"]["properties"]
    assert schema["additionalProperties"] is False
