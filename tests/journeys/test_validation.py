"""C5 validation, rule by rule: each broken spec gets one clear message naming its tile.

Every case writes the C4 example journey with one mistake patched in (``~`` deletes a key)
and checks the exact wording; the specs are real files in a real project folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from journeys.validation import Problem
from tests.journeys.validation_support import WELCOME_SERIES, Project, messages


@dataclass(frozen=True)
class Case:
    """One mistake: a patch to the example spec, the message and the tile it should name."""

    patch: dict[str, Any]
    message: str
    tile: str | None = None
    only: bool = True  # the mistake yields exactly one problem


def hostile(expression: str, message: str) -> Case:
    """The ``onboarded`` branch condition replaced by ``expression``."""
    return Case({"tiles": {"onboarded": {"condition": expression}}}, message, "onboarded")


CONDITIONS = {
    "statement_after_semicolon": hostile(
        "onboarding_completed; drop table profiles",
        "condition must be one expression: statements (';', drop, select …) are not allowed",
    ),
    "read_csv_is_not_an_allowed_function": hostile(
        "email in read_csv('/etc/passwd')", "condition calls 'read_csv', which is not an allowed"
    ),
    "getenv_is_not_an_allowed_function": hostile(
        "getenv('HOME') = 'x'", "condition calls 'getenv', which is not an allowed function"
    ),
    "subquery": hostile(
        "email in (select email from profiles)",
        "condition must not contain a query: subqueries and SELECT are not allowed",
    ),
    "exists_subquery": hostile(
        "exists (select 1)", "subqueries and SELECT are not allowed"
    ),
    "now_hints_at_run_at": hostile(
        "signed_up_at < now()", "uses the machine's clock (NOW()): use 'run_at', the tick clock"
    ),
    "current_date_hints_at_run_at": hostile(
        "signed_up_at < current_date", "uses the machine's clock (CURRENT_DATE): use 'run_at'"
    ),
    "unknown_column_with_did_you_mean": hostile(
        "onboardng_completed",
        "condition uses unknown column 'onboardng_completed' of profiles "
        "(did you mean 'onboarding_completed'?)",
    ),
    "properties_in_a_profile_condition": hostile(
        "properties.plan = 'free'",
        "condition uses 'properties.plan': properties.<key> is only available in event filters",
    ),
    "qualified_column": hostile(
        "p.plan = 'free'", "condition uses 'p.plan': refer to columns by their bare name"
    ),
    "aggregate_function": hostile("count(*) > 1", "condition calls 'count'"),
    "constant_condition": hostile("'yes'", "condition is a constant"),
    "invalid_sql": hostile("plan = = 'x'", "condition is not a valid SQL expression"),
    "drop_statement_as_a_set_value": Case(
        {"tiles": {"tips_email": {"next": "mark"}, "mark": {
            "type": "update_profile", "set": {"plan": "drop table profiles"}, "next": "done"}}},
        "set.plan must be an expression, not a DROP statement",
        "mark",
    ),
    "getenv_in_action_fields": Case(
        {"tiles": {"welcome_email": {"fields": {"key": "getenv('SENDGRID_API_KEY')"}}}},
        "fields.key calls 'getenv', which is not an allowed function",
        "welcome_email",
    ),
    "unknown_column_in_fields": Case(
        {"tiles": {"welcome_email": {"fields": {"company": "company"}}}},
        "fields.company uses unknown column 'company' of profiles (did you mean "
        "'company_name'?)",
        "welcome_email",
    ),
    "clock_in_audience_where": Case(
        {"entry": {"audience": {"where": "signed_up_at >= current_timestamp"}}},
        "entry.audience.where uses the machine's clock (CURRENT_TIMESTAMP): use 'run_at'",
    ),
    "profile_column_in_an_event_filter": Case(
        {"goal": {"event": {"name": "onboarding_completed", "where": "plan = 'free'"}}},
        "goal.event.where uses unknown column 'plan' of events",
    ),
    "subquery_in_exit_event_filter": Case(
        {"exit_criteria": [{"event": {"name": "unsubscribed",
                                      "where": "member_id in (select 1)"}}]},
        "exit_criteria[0].event.where must not contain a query",
    ),
    "unknown_column_in_goal_where": Case(
        {"goal": {"event": None, "where": "has_renewd"}},
        "goal.where uses unknown column 'has_renewd' of profiles (did you mean 'has_renewed'?)",
    ),
}

SHAPE = {
    "unknown_key_in_a_tile": Case(
        {"tiles": {"wait_1h": {"duration": None, "duraton": "1h"}}},
        "unknown key 'duraton' (did you mean 'duration'?)", "wait_1h", only=False,
    ),
    "unknown_top_level_key": Case(
        {"exit_critera": []}, "unknown key 'exit_critera' (did you mean 'exit_criteria'?)"
    ),
    "unknown_key_in_entry": Case(
        {"entry": {"frequncy": "once"}},
        "entry: unknown key 'frequncy' (did you mean 'frequency'?)",
    ),
    "missing_name": Case({"name": None}, "missing key 'name'"),
    "bad_duration": Case(
        {"tiles": {"wait_3d": {"duration": "3 days"}}},
        "duration: '3 days' is not a duration: write a whole number and a unit, "
        "e.g. 30m, 1h, 3d, 2w",
        "wait_3d",
    ),
    "bad_timeout_in_exit_criteria": Case(
        {"exit_criteria": [{"timeout": "1 month"}]},
        "exit_criteria[0].timeout: '1 month' is not a duration",
    ),
    "unknown_tile_type": Case(
        {"tiles": {"wait_1h": {"type": "wiat"}}},
        "unknown tile type 'wiat' (did you mean 'wait'?); types are: entry, wait, branch, "
        "split, action, webhook, update_profile, sub_journey, exit",
        "wait_1h",
    ),
    "tile_without_type": Case(
        {"tiles": {"wait_1h": {"type": None}}}, "missing key 'type'", "wait_1h"
    ),
    "tile_is_not_a_mapping": Case(
        {"tiles": {"done": "exit"}}, "must be a mapping (key: value), got 'exit'", "done"
    ),
    "unknown_action_type": Case(
        {"tiles": {"tips_email": {"action": "send_mail"}}},
        "action: 'send_mail' is not one of 'send_email', 'send_sms', 'send_push' or "
        "'custom_api' (did you mean 'send_email'?)",
        "tips_email",
    ),
    "action_without_template": Case(
        {"tiles": {"tips_email": {"template": None}}}, "missing key 'template'", "tips_email"
    ),
    "exit_criterion_mixing_kinds": Case(
        {"exit_criteria": [{"audience_exit": True, "timeout": "1d"}]},
        "exit_criteria[0]: mixes 'audience_exit', 'timeout': write one of",
    ),
    "exit_criterion_unknown_key": Case(
        {"exit_criteria": [{"evnt": {"name": "unsubscribed"}}]},
        "exit_criteria[0]: unknown key 'evnt' (did you mean 'event'?)",
    ),
    "exit_criterion_turned_off_with_false": Case(
        {"exit_criteria": [{"goal": False}]},
        "exit_criteria[0].goal: must be true, got False (leave it out to turn it off)",
    ),
    "cooldown_needs_recurring": Case(
        {"entry": {"cooldown": "30d"}},
        "entry: 'cooldown' only applies to 'frequency: recurring'",
    ),
    "wait_with_two_kinds": Case(
        {"tiles": {"wait_1h": {"until": {"time": "09:00"}}}},
        "a wait takes exactly one of 'duration', 'until' or 'until_event'", "wait_1h",
    ),
    "wait_until_time_not_hh_mm": Case(
        {"tiles": {"wait_1h": {"duration": None, "until": {"time": "9am"}}}},
        "until.time: '9am' is not a time of day: write HH:MM (24 hours), e.g. 09:00",
        "wait_1h",
    ),
    "set_value_is_a_number": Case(
        {"tiles": {"tips_email": {"next": "mark"}, "mark": {
            "type": "update_profile", "set": {"total_orders": 1}, "next": "done"}}},
        "set.total_orders: must be text, got 1 (quote it in YAML)", "mark",
    ),
    "split_percent_over_100": Case(
        {"tiles": {"wait_1h": {"type": "split", "duration": None, "next": None,
                               "paths": {"a": {"percent": 150, "next": "welcome_email"}}}}},
        "paths.a.percent: must be at most 100.0, got 150", "wait_1h", only=False,
    ),
}

STRUCTURE = {
    "misspelled_next": Case(
        {"tiles": {"wait_2d": {"next": "onboarded_agian"}}},
        "next 'onboarded_agian' is not a tile (did you mean 'onboarded_again'?)",
        "wait_2d",
    ),
    "misspelled_yes": Case(
        {"tiles": {"onboarded": {"yes": "tip_email"}}},
        "yes 'tip_email' is not a tile (did you mean 'tips_email'?)", "onboarded",
    ),
    "two_entry_tiles": Case(
        {"tiles": {"again": {"type": "entry", "next": "done"}}},
        "2 entry tiles ('start', 'again'): a journey has exactly one",
    ),
    "no_entry_tile": Case(
        {"tiles": {"start": {"type": "wait", "duration": "1h"}}},
        "no entry tile: add exactly one tile with 'type: entry'",
    ),
    "no_exit_tile": Case(
        {"tiles": {"done": {"type": "wait", "duration": "1d", "next": "done"}}},
        "no exit tile: add a tile with 'type: exit'", only=False,  # and done loops on itself
    ),
    "unreachable_tile": Case(
        {"tiles": {"orphan": {"type": "wait", "duration": "1d", "next": "done"}}},
        "missing connection: no path from the entry tile 'start' leads here", "orphan",
    ),
    "circular_path": Case(
        {"tiles": {"wait_2d": {"next": "onboarded"}}},
        "circular path onboarded -> reminder_email -> wait_2d -> onboarded", "onboarded",
        only=False,  # onboarded_again and final_nudge are then unreachable
    ),
    "dead_end": Case(
        {"tiles": {"wait_2d": {"next": None}}},
        "missing key 'next': a dead end; every path must end in an exit tile", "wait_2d",
    ),
    "split_without_paths_is_a_dead_end": Case(
        {"tiles": {"wait_1h": {"type": "split", "duration": None, "next": None, "paths": {}}}},
        "dead end: this split tile leads nowhere; every path must end in an exit tile",
        "wait_1h", only=False,  # and its percents add up to 0
    ),
    "split_percents_do_not_add_up": Case(
        {"tiles": {"wait_1h": {"type": "split", "duration": None, "next": None, "paths": {
            "a": {"percent": 50, "next": "welcome_email"}, "b": {"percent": 40, "next": "done"},
        }}}},
        "split percents add up to 90, not 100", "wait_1h",
    ),
    "reserved_tile_id": Case(
        {"tiles": {"_exit": {"type": "exit"}}},
        "tile id '_exit' is reserved: ids starting with '_' are the engine's", "_exit",
        only=False,  # and nothing leads to it
    ),
    "invalid_tile_id": Case(
        {"tiles": {"Orphan-1": {"type": "exit"}}},
        "tile id 'Orphan-1' is not valid", "Orphan-1", only=False,
    ),
    "next_back_to_the_entry": Case(
        {"tiles": {"wait_2d": {"next": "start"}}},
        "next 'start' is the entry tile: no tile may lead back to the entry", "wait_2d",
    ),
}

RULES = {
    "audience_exit_without_audience": Case(
        {"entry": {"audience": None, "event": {"name": "signed_up"}}},
        "exit_criteria[2]: 'audience_exit' needs an audience entry (entry.audience)",
    ),
    "goal_criterion_without_goal": Case(
        {"goal": None}, "exit_criteria[0]: 'goal: true' needs a 'goal:' block"
    ),
    "bad_spec_timezone": Case(
        {"timezone": "Europe/Pariss"},
        "timezone: 'Europe/Pariss' is not an IANA time zone (did you mean 'Europe/Paris'?)",
    ),
    "member_is_not_a_spec_timezone": Case(
        {"timezone": "member"}, "timezone: 'member' is only for tiles"
    ),
    "bad_tile_timezone": Case(
        {"tiles": {"wait_1h": {"duration": None,
                               "until": {"time": "09:00", "timezone": "Mars/Olympus"}}}},
        "until.timezone: 'Mars/Olympus' is not an IANA time zone", "wait_1h",
    ),
    "bad_cron": Case(
        {"schedule": "61 * * * *"}, "schedule: '61 * * * *' is not a cron expression"
    ),
    "cron_with_seconds": Case({"schedule": "0 0 * * * *"}, "write 5 fields"),
    "sub_journey_to_unknown_journey": Case(
        {"tiles": {"tips_email": {"next": "more"}, "more": {
            "type": "sub_journey", "journey": "welcome_serie", "next": "done"}}},
        "journey 'welcome_serie' is not a journey (did you mean 'welcome_series'?)", "more",
    ),
}

CONFIGURATION = {
    "unknown_destination": Case(
        {"tiles": {"tips_email": {"destination": "sendgird"}}},
        "destination 'sendgird' is not configured in journey_specs/_destinations.yml "
        "(did you mean 'sendgrid'?)",
        "tips_email",
    ),
    "action_not_supported_by_destination": Case(
        {"tiles": {"tips_email": {"destination": "twilio"}}},
        "destination 'twilio' is a twilio destination, which cannot carry out action "
        "'send_email' (it supports: send_sms); use a destination of type braze or outbox "
        "or sendgrid",
        "tips_email",
    ),
    "webhook_tile_needs_a_webhook_destination": Case(
        {"tiles": {"tips_email": {"type": "webhook", "action": None, "template": None,
                                  "body": {"email": "email"}}}},
        "destination 'sendgrid' is a sendgrid destination, which cannot carry out a webhook "
        "tile (it supports: send_email); use a destination of type outbox or webhook",
        "tips_email",
    ),
    "set_unknown_column": Case(
        {"tiles": {"tips_email": {"next": "mark"}, "mark": {
            "type": "update_profile", "set": {"tips_sent": "true"}, "next": "done"}}},
        "set: unknown column 'tips_sent' of profiles", "mark",
    ),
    "set_member_id": Case(
        {"tiles": {"tips_email": {"next": "mark"}, "mark": {
            "type": "update_profile", "set": {"member_id": "email"}, "next": "done"}}},
        "set: 'member_id' identifies the member and cannot be set", "mark",
    ),
    "audience_model_missing": Case(
        {"entry": {"audience": {"where": None, "model": "new_signup"}}},
        "entry.audience.model: 'new_signup' is not a dbt model (did you mean 'new_signups'?)",
    ),
    "migration_to_no_tile": Case(
        {"migrations": [{"from": "wait_3d", "to": "wait_2"}]},
        "migrations[0]: 'to: wait_2' is not a tile of this journey (did you mean 'wait_2d'?)",
    ),
    "migration_to_an_exit": Case(
        {"migrations": [{"from": "wait_3d", "to": "done"}]},
        "migrations[0]: 'to: done' is a tile of type exit: members move to a tile they wait "
        "at",
    ),
    "migration_twice": Case(
        {"migrations": [{"from": "old", "to": "wait_2d"}, {"from": "old", "to": "wait_1h"}]},
        "migrations[1]: tile 'old' is moved twice",
    ),
}


def _cases(group: dict[str, Case]) -> list[Any]:
    return [pytest.param(case, id=name) for name, case in group.items()]


@pytest.mark.parametrize(
    "case",
    [*_cases(CONDITIONS), *_cases(SHAPE), *_cases(STRUCTURE), *_cases(RULES),
     *_cases(CONFIGURATION)],
)
def test_a_mistake_is_named_with_its_tile(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    project = Project(tmp_path)
    project.spec(case.patch)
    result = project.validate()
    found = [p for p in result.problems if case.message in p.message]
    assert found, f"expected {case.message!r} in:\n{messages(result.problems)}"
    assert found[0].tile == case.tile
    assert found[0].file == "journey_specs/welcome_series.yml"
    if case.only:
        assert len(result.problems) == 1, messages(result.problems)
    assert not result.ok
    assert result.specs == {}


def test_the_contract_example_message_is_exact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    project = Project(tmp_path)
    project.spec({"tiles": {"wait_2d": {"next": "onboarded_agian"}}})
    lines = [str(p) for p in project.validate().problems]
    assert (
        "journey_specs/welcome_series.yml: tile 'wait_2d': next 'onboarded_agian' is not a "
        "tile (did you mean 'onboarded_again'?)"
    ) in lines


def test_a_valid_spec_passes(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.spec()
    result = project.validate()
    assert result.ok, messages(result.problems)
    assert list(result.specs) == ["welcome_series"]
    assert result.specs["welcome_series"].tiles["onboarded"].yes == "tips_email"
    assert set(result.destinations) == {"sendgrid", "twilio", "braze", "rewards", "outbox"}
    assert "onboarding_completed" in result.profile_columns


def test_every_tile_kind_of_the_contract_validates(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write("other.yml", {"id": "other", "name": "Other", "entry": {"manual": True},
                                "tiles": {"s": {"type": "entry", "next": "e"},
                                          "e": {"type": "exit"}}})
    project.spec({
        "timezone": "Europe/Paris",
        "schedule": "*/15 * * * *",
        "entry": {"audience": {"where": None, "model": "new_signups"},
                  "frequency": "recurring", "cooldown": "30d"},
        "goal": {"event": {"name": "order_completed", "where": "properties.total > 100"}},
        "tiles": {
            "tips_email": {"next": "pick"},
            "pick": {"type": "split", "paths": {
                "a": {"percent": 33.3, "next": "at_nine"}, "b": {"percent": 66.7, "next": "sms"},
            }},
            "at_nine": {"type": "wait", "until": {"weekdays": ["mon", "fri"], "time": "09:00",
                                                  "timezone": "member"}, "next": "clicked"},
            "clicked": {"type": "branch", "event": {"name": "email_clicked",
                                                    "where": "properties.url like '%/pro'"},
                        "within": "2d", "yes": "office_hours", "no": "reward"},
            "office_hours": {"type": "branch", "time": {"between": "09:00-17:00",
                                                        "timezone": "America/New_York"},
                             "yes": "push", "no": "reward"},
            "push": {"type": "action", "destination": "braze", "action": "send_push",
                     "template": "p-1", "fields": {"name": "coalesce(first_name, 'there')"},
                     "next": "reward"},
            "sms": {"type": "wait", "until_event": {"name": "app_opened"}, "timeout": "3d",
                    "on_timeout": "reward", "next": "mark"},
            "mark": {"type": "update_profile",
                     "set": {"plan": "'pro'", "discount_code": "upper(email)"}, "next": "reward"},
            "reward": {"type": "webhook", "destination": "rewards",
                       "body": {"points": "100", "email": "lower(email)"}, "next": "handoff"},
            "handoff": {"type": "sub_journey", "journey": "other", "next": "done"},
        },
    })
    result = project.validate()
    assert result.ok, messages(result.problems)
    assert set(result.specs) == {"welcome_series", "other"}


def test_yes_and_no_keys_stay_text_and_times_stay_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """YAML 1.1 would read ``yes:``/``no:`` as booleans and ``9:00`` as the number 540."""
    monkeypatch.chdir(tmp_path)
    project = Project(tmp_path)
    project.write("welcome_series.yml", WELCOME_SERIES)
    assert project.validate().ok
    text = WELCOME_SERIES.replace(
        "{ type: wait, duration: 2d, next: onboarded_again }",
        "{ type: wait, until: { time: 9:00 }, next: onboarded_again }",
    )
    project.write("welcome_series.yml", text)
    assert messages(project.validate().problems) == (
        "journey_specs/welcome_series.yml: tile 'wait_2d': until.time: '9:00' is not a time "
        "of day: write HH:MM (24 hours), e.g. 09:00"
    )


def test_every_problem_of_every_file_comes_out_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    project = Project(tmp_path)
    project.spec({"tiles": {
        "wait_1h": {"duration": "1 hour"},
        "wait_2d": {"next": "onboarded_agian"},
        "onboarded": {"condition": "now() > signed_up_at"},
        "tips_email": {"destination": "sendgird"},
    }})
    project.spec({"id": "second", "timezone": "Moon/Base", "schedule": "every hour",
                  "tiles": {"welcome_email": {"fields": {"x": "read_csv('secrets.csv')"}}}},
                 name="second.yml")
    project.write("third.yml", "id: third\ntiles: [unclosed\n")
    project.write("_governance.yml", "not: a journey\n")
    result = project.validate()
    lines = messages(result.problems)
    for expected in [
        "welcome_series.yml: tile 'wait_1h': duration: '1 hour' is not a duration",
        "welcome_series.yml: tile 'wait_2d': next 'onboarded_agian' is not a tile",
        "welcome_series.yml: tile 'onboarded': condition uses the machine's clock",
        "welcome_series.yml: tile 'tips_email': destination 'sendgird' is not configured",
        "second.yml: timezone: 'Moon/Base' is not an IANA time zone",
        "second.yml: schedule: 'every hour' is not a cron expression",
        "second.yml: tile 'welcome_email': fields.x calls 'read_csv'",
        "third.yml: YAML syntax error at line 3",
    ]:
        assert expected in lines, f"{expected!r} missing from:\n{lines}"
    # _governance.yml is not a journey: its problems are its own (C9)
    assert "journey_specs/_governance.yml: unknown key 'not'" in lines
    assert result.specs == {}


def test_only_the_valid_specs_are_returned(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.spec()
    project.spec({"id": "broken", "tiles": {"done": None}}, name="broken.yml")
    result = project.validate()
    assert list(result.specs) == ["welcome_series"]
    assert not result.ok
    assert all(p.file.endswith("broken.yml") for p in result.problems)


def test_the_given_paths_only_are_validated(tmp_path: Path) -> None:
    project = Project(tmp_path)
    good = project.spec()
    project.spec({"tiles": {"done": None}}, name="broken.yml")
    assert project.validate([good]).ok
    missing = project.validate([tmp_path / "nope.yml"]).problems
    assert [p.message for p in missing] == ["file not found"]


def test_sub_journeys_must_not_enter_each_other_in_a_circle(tmp_path: Path) -> None:
    project = Project(tmp_path)
    hop = {"tiles": {"tips_email": {"next": "hop"},
                     "hop": {"type": "sub_journey", "journey": "b", "next": "done"}}}
    project.spec({"id": "a", **hop}, name="a.yml")
    hop["tiles"]["hop"]["journey"] = "a"
    project.spec({"id": "b", **hop}, name="b.yml")
    problems = project.validate().problems
    assert {(Path(p.file).name, p.tile, p.message) for p in problems} == {
        ("a.yml", "hop", "sub_journey to 'b' makes a circular path across journeys: a -> b -> a"),
        ("b.yml", "hop", "sub_journey to 'a' makes a circular path across journeys: a -> b -> a"),
    }


def test_problem_str_is_the_c5_format() -> None:
    assert str(Problem("journey_specs/x.yml", None, "no exit tile")) == (
        "journey_specs/x.yml: no exit tile"
    )
    assert str(Problem("journey_specs/x.yml", "w", "bad")) == "journey_specs/x.yml: tile 'w': bad"
