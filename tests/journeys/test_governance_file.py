"""C5 for ``journey_specs/_governance.yml`` (C9): every problem named, nothing run."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeys.validation.governance_file import GOVERNANCE_FILE
from tests.journeys.validation_support import Project, messages

REPO = Path(__file__).resolve().parents[2]
SHOWN = str(GOVERNANCE_FILE)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.chdir(tmp_path)
    found = Project(tmp_path)
    found.spec()
    return found


def test_the_demo_governance_file_is_valid_and_read() -> None:
    from journeys.validation import validate_project

    result = validate_project(None, project_root=REPO, warehouse=None)
    assert result.ok, messages(result.problems)
    assert result.governance is not None
    assert result.governance.holdout is not None and result.governance.priority


def test_no_file_means_no_governance(project: Project) -> None:
    result = project.validate()
    assert result.ok and result.governance is None


def test_an_empty_file_governs_nothing(project: Project) -> None:
    project.write("_governance.yml", "")
    result = project.validate()
    assert result.ok and result.governance is not None
    assert result.governance.frequency_caps == [] and result.governance.holdout is None


def test_an_unknown_key_is_named_with_a_suggestion(project: Project) -> None:
    project.write("_governance.yml", "frequency_caps: []\nquiet_hour: {}\n")
    assert "quiet_hour" in messages(project.validate().problems)
    assert "quiet_hours" in messages(project.validate().problems)


def test_a_cap_needs_a_known_channel_and_a_duration(project: Project) -> None:
    project.write("_governance.yml", "frequency_caps:\n  - { channel: fax, max: 2, per: 7 }\n")
    text = messages(project.validate().problems)
    assert text.startswith(SHOWN + ": frequency_caps[0].channel")
    assert "frequency_caps[0].per" in text


def test_priority_names_journeys(project: Project) -> None:
    project.write("_governance.yml", "priority: [welcome_seris]\n")
    assert messages(project.validate().problems) == (
        f"{SHOWN}: priority: 'welcome_seris' is not a journey (did you mean 'welcome_series'?) "
        "(journeys are the files journey_specs/<id>.yml)")


def test_a_journey_listed_twice_in_priority_is_refused(project: Project) -> None:
    project.write("_governance.yml", "priority: [welcome_series, welcome_series]\n")
    assert "lists 'welcome_series' twice" in messages(project.validate().problems)


def test_consent_names_profile_columns(project: Project) -> None:
    project.write("_governance.yml", "consent: { email: email_optin }\n")
    assert messages(project.validate().problems) == (
        f"{SHOWN}: consent.email: 'email_optin' is not a profile column (did you mean "
        "'email_opt_in'?); name the boolean column that says the member agreed to email")


def test_quiet_hours_need_a_window_and_a_known_time_zone(project: Project) -> None:
    project.write("_governance.yml", "quiet_hours: { channels: [sms], between: '21:00-21:00' }\n")
    assert "starts and ends at the same time" in messages(project.validate().problems)
    project.write("_governance.yml",
                  "quiet_hours: { channels: [sms], between: '21:00-08:00', "
                  "timezone: Europe/Pari }\n")
    assert messages(project.validate().problems) == (
        f"{SHOWN}: quiet_hours.timezone: 'Europe/Pari' is not an IANA time zone (did you mean "
        "'Europe/Paris'?); write 'member' for each member's own zone, or a name such as "
        "'Europe/Paris'")


def test_the_suppression_model_must_be_a_dbt_model(project: Project) -> None:
    project.write("_governance.yml", "suppression: { model: supression_list }\n")
    assert messages(project.validate().problems) == (
        f"{SHOWN}: suppression.model: 'supression_list' is not a dbt model: add "
        "dbt_project/models/<folder>/supression_list.sql selecting member_id")


def test_the_holdout_is_a_percent_with_at_most_two_decimals(project: Project) -> None:
    project.write("_governance.yml", "holdout: { percent: 0 }\n")
    assert "holdout.percent" in messages(project.validate().problems)
    project.write("_governance.yml", "holdout: { percent: 2.555 }\n")
    assert "holdout.percent" in messages(project.validate().problems)
