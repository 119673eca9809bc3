"""Specs with hostile text in every position a user can write a string: the journey's name
and description, templates, field keys and string literals, event names, property keys,
condition comments. Shared by the Jinja property test and the end-to-end dbt test."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import strategies as st

PLANTED_SECRET = "planted-secret-5b1e"
"""In the environment of every command these tests run: it must never reach an output."""

PAYLOADS = (
    "{{", "}}", "{%", "%}", "{#", "#}", "{", "}", "{{{", "{%-", "-%}",
    "{{ env_var('PLANTED_SECRET') }}",
    '{{ env_var("PLANTED_SECRET") }}',
    "{% if execute %}{% do run_query(\"create or replace table main.pwned_by_spec as "
    "select 42 as x\") %}{% endif %}",
    "{{ run_query('create table main.pwned_by_api as select 1') }}",
    "{% raw %}", "{% endraw %}", "{# comment #}", "{{ 7*7 }}", "{{ '",
    "'", '"', "''", "\\", "\\'", "*/", "/*", "--", ";", "; drop table main.profiles; --",
    "$$", "\u2028", "é", "ß", "\t",
    "__ref__welcome_series__open", "__prior__journey_state", "__JOURNEYS_RUN_AT__",
    "'__JOURNEYS_RUN_AT__'", "_jinja0x0_", "_jinja1x0_", "_jinja0x1_",
)
"""Fragments that broke, or could break, a text-based writer: Jinja, SQL quoting and
comments, the compiler's own placeholder and marker names."""

hostile_text = st.lists(
    st.one_of(st.sampled_from(PAYLOADS), st.text(alphabet="ab {}%#'\"_-*/", max_size=4)),
    min_size=1, max_size=5).map("".join).filter(lambda s: s.strip() != "")


def sql_string(text: str) -> str:
    """A SQL string literal of ``text``, as a user writes one in a field."""
    return "'" + text.replace("'", "''") + "'"


def sql_comment(text: str) -> str:
    """A block comment holding ``text`` (a ``*/`` in it would end the comment early, a
    ``/*`` open a nested one)."""
    return "/* " + text.replace("*/", "* /").replace("/*", "/ *") + " */"


def hostile_spec(journey_id: str, texts: dict[str, str]) -> dict[str, Any]:
    """An event-entered journey with ``texts`` (by position) in every place a spec takes
    text, each position filled by the value of the same key, e.g. ``texts["name"]``."""
    return {
        "id": journey_id,
        "name": texts["name"],
        "description": texts["description"],
        "schedule": "0 * * * *",
        "timezone": "UTC",
        "entry": {
            "event": {"name": texts["entry_event"],
                      "where": f'properties."{texts["property"].replace(chr(34), chr(34) * 2)}"'
                               f" is null or {sql_string(texts['literal'])} <> '' "
                               + sql_comment(texts["comment"])},
            "frequency": "once",
        },
        "goal": {"event": texts["goal_event"]},
        "exit_criteria": [{"goal": True}, {"event": {"name": texts["exit_event"]}}],
        "tiles": {
            "start": {"type": "entry", "next": "hello"},
            "hello": {
                "type": "action", "destination": texts.get("destination", "sendgrid"),
                "action": "send_email",
                "template": texts["template"],
                "fields": {texts["field_key"]: "first_name",
                           "greeting": sql_string(texts["literal"]),
                           "leak": sql_string(texts["template"])},
                "next": "wait",
            },
            "wait": {"type": "wait", "until_event": {"name": texts["wait_event"]},
                     "timeout": "1d", "next": "done", "on_timeout": "done"},
            "done": {"type": "exit"},
        },
    }


POSITIONS = ("name", "description", "entry_event", "property", "literal", "comment",
             "goal_event", "exit_event", "template", "field_key", "wait_event")
hostile_texts = st.fixed_dictionaries({position: hostile_text for position in POSITIONS})


def destinations_yaml(base: str, name: str) -> str:
    """The project's ``_destinations.yml`` plus an outbox destination called ``name``."""
    extra = {name: {"type": "outbox", "path": "outbox/hostile.jsonl",
                    "recipient_column": "email"}}
    return base + "\n" + yaml.safe_dump(extra, allow_unicode=True, width=1000)


def spec_yaml(spec: dict[str, Any]) -> str:
    """The spec as a user's YAML file."""
    return yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=1000)
