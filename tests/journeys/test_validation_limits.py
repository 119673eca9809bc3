"""The limits of journeys/limits.py, each a validation problem with its message: oversized
or deeply nested input never reaches recursive code (issue 21)."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeys.limits import MAX_EXPRESSION_DEPTH, MAX_TILES
from journeys.spec.conditions import ConditionError, Scope, parse_expression
from tests.journeys.validation_support import Project, messages


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.chdir(tmp_path)
    return Project(tmp_path)


def chain(length: int) -> dict:
    """A journey of ``length`` tiles: entry, waits one after another, exit."""
    tiles: dict = {"start": {"type": "entry", "next": "w0"}}
    for i in range(length - 2):
        tiles[f"w{i}"] = {"type": "wait", "duration": "1h",
                          "next": f"w{i + 1}" if i < length - 3 else "done"}
    tiles["done"] = {"type": "exit"}
    return {"id": "chain", "name": "Chain", "entry": {"manual": True}, "tiles": tiles}


def test_990_chained_tiles_are_refused_at_200(project: Project) -> None:
    project.write("chain.yml", chain(990))
    assert messages(project.validate().problems) == (
        f"journey_specs/chain.yml: tiles: 990 tiles: a journey may have at most {MAX_TILES}; "
        "split it into journeys joined by sub_journey tiles")


def test_200_chained_tiles_are_allowed(project: Project) -> None:
    project.write("chain.yml", chain(MAX_TILES))
    assert project.validate().ok


def test_yaml_nested_2000_brackets_is_a_problem_naming_the_line(project: Project) -> None:
    project.write("welcome_series.yml", "id: welcome_series\nname: " + "[" * 2000
                  + "]" * 2000 + "\n")
    (problem,) = project.validate().problems
    assert problem.message.startswith("YAML syntax error at line 2, column 38: nested deeper "
                                      "than 32 levels of mappings and lists")


def test_aliases_that_expand_to_a_billion_values_are_a_problem_naming_the_line(
        project: Project) -> None:
    laughs = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]\n" for i in range(1, 10))
    project.write("welcome_series.yml", "id: welcome_series\nl0: &l0 [lol]\n" + laughs)
    (problem,) = project.validate().problems
    assert problem.message.startswith("YAML syntax error at line ")
    assert problem.message.endswith("aliases expand this file to more than 100,000 values: "
                                    "write the values out, or use fewer aliases")


def test_an_alias_inside_its_own_anchor_is_a_problem(project: Project) -> None:
    project.write("welcome_series.yml", "id: welcome_series\nloop: &a [x, *a]\n")
    (problem,) = project.validate().problems
    assert problem.message.endswith("an alias refers to the value that holds it")


def test_a_spec_file_over_1_mb_is_not_read(project: Project) -> None:
    project.write("welcome_series.yml", "# padding\n" * 110_000)
    (problem,) = project.validate().problems
    assert problem.message == ("is 1,100,000 bytes: a project file may be at most 1,000,000 "
                               "bytes (1 MB); split the journey, or move data to a dbt model")


def test_ids_longer_than_64_characters(project: Project) -> None:
    long_tile = "t" * 65
    spec = chain(3)
    spec["tiles"] = {"start": {"type": "entry", "next": long_tile},
                     long_tile: {"type": "wait", "duration": "1h", "next": "done"},
                     "done": {"type": "exit"}}
    project.write("chain.yml", spec)
    name = "j" * 70
    project.write(f"{name}.yml", {**chain(3), "id": name})
    found = messages(project.validate().problems)
    assert ("journey_specs/chain.yml: tile id 'tttttttttttttttttttt…' is 65 characters long: "
            "at most 64") in found
    assert (f"journey_specs/{name}.yml: the file name (the journey id) is 70 characters long: "
            "at most 64") in found
    assert f"journey_specs/{name}.yml: id: is 70 characters long: at most 64" in found


def test_a_lone_surrogate_and_overlong_texts_are_named(project: Project) -> None:
    project.spec({"name": "\ud800"})
    assert messages(project.validate().problems) == (
        "journey_specs/welcome_series.yml: name: holds a lone surrogate (\\ud800), which is "
        "not text: write the character itself, or remove it")
    project.spec({"name": "n" * 201, "tiles": {"tips_email": {"template": "x" * 2001}}})
    found = messages(project.validate().problems)
    assert "journey_specs/welcome_series.yml: name: is 201 characters long: at most 200" in found
    assert ("journey_specs/welcome_series.yml: tile 'tips_email': template: is 2,001 characters "
            "long: at most 2,000") in found


@pytest.mark.parametrize("text, message", [
    ("(" * 3000 + "plan" + ")" * 3000, "is 6,004 characters long: at most 4,000"),
    ("not " * 2000 + "plan", "is 8,004 characters long: at most 4,000"),
    ("not " * 900 + "plan", "is nested 900 levels deep: at most 64"),
    ("(" * 65 + "plan" + ")" * 65, "is nested 65 levels deep: at most 64"),
    (" or ".join(["plan = 'a'"] * 80), "is nested 82 levels deep: at most 64"),
])
def test_expressions_too_long_or_deep_are_refused_before_sqlglot_recurses(
        text: str, message: str) -> None:
    with pytest.raises(ConditionError) as refused:
        parse_expression(text, Scope(columns=frozenset({"plan"})))
    assert str(refused.value).startswith(message)


def test_an_expression_at_the_depth_limit_parses() -> None:
    depth = MAX_EXPRESSION_DEPTH - 2  # the parentheses, the column and its identifier
    text = "(" * depth + "plan" + ")" * depth
    assert parse_expression(text, Scope(columns=frozenset({"plan"}))).sql() == text


def test_a_deep_condition_in_a_spec_names_its_tile(project: Project) -> None:
    project.spec({"tiles": {"onboarded": {"condition": "not " * 900 + "onboarding_completed"}}})
    assert messages(project.validate().problems).startswith(
        "journey_specs/welcome_series.yml: tile 'onboarded': condition is nested 900 levels "
        "deep: at most 64")


def test_governance_names_an_unknown_channel_with_a_suggestion(project: Project) -> None:
    project.spec()
    project.write("_governance.yml", "frequency_caps:\n  - {channel: emial, max: 2, per: 1d}\n")
    assert messages(project.validate().problems) == (
        "journey_specs/_governance.yml: frequency_caps[0].channel: 'emial' is not one of "
        "'email', 'sms', 'push', 'webhook' or 'any' (did you mean 'email'?)")
