"""Spec text stays data: dbt's Jinja never evaluates it (issue 21, item 1).

dbt renders every model and properties file as Jinja. Whatever text a spec holds, in any
position, the files the compiler writes must render under dbt's own Jinja environment to
exactly the SQL the in-process engine runs (the compiled tree as text), calling nothing but
the compiler's refs, sources, macros and clock var. The end-to-end tests run the payloads of
the issue through `journeys run` (a real `dbt build`) and the in-process engine.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from dbt_common.clients.jinja import get_environment
from hypothesis import HealthCheck, assume, event, given, settings
from sqlglot import exp

from journeys.compiler import compile_plans
from journeys.compiler.dialect import keeps_log, read_latest, to_sql
from journeys.compiler.jinja import LiveJinja, with_live_jinja
from journeys.compiler.plan import ModelPlan
from journeys.compiler.render_dbt import LiveText, _aliased, _model_yaml, render_files
from journeys.validation.project import validate_project
from journeys.warehouse.relations import RUN_AT_TOKEN
from tests.journeys.untrusted_specs import (
    PLANTED_SECRET,
    destinations_yaml,
    hostile_spec,
    hostile_text,
    hostile_texts,
    spec_yaml,
)
from tests.project_copy import copy_project
from tests.warehouses import live_warehouse

JOURNEYS = [sys.executable, "-m", "journeys.cli"]
CALLS = ("ref", "source", "journeys_prior", "journeys_part", "journeys_log")
PREFIXES = {"ref": "__ref__", "source": "__source__", "journeys_prior": "__prior__",
            "journeys_part": "__part__", "journeys_log": "__log__"}
DESTINATIONS = (Path(__file__).resolve().parents[2] / "journey_specs" / "_destinations.yml"
                ).read_text(encoding="utf-8")
EXAMPLES = int(os.environ.get("JOURNEYS_FUZZ_EXAMPLES", "12"))
"""Specs per run of the property test (about 2 s each); the note of issue 21 gives a run of
500 (``JOURNEYS_FUZZ_EXAMPLES=500``)."""


class DbtJinja:
    """dbt's own Jinja environment with the context a model sees, where every call the
    compiler may emit renders as the placeholder it stands for and anything else that runs
    code (``env_var``, ``run_query``, ``log`` …) is recorded as evaluated."""

    def __init__(self) -> None:
        self.env = get_environment()
        self.evaluated: list[str] = []
        self.context: dict[str, Any] = {name: self._placeholder(name) for name in CALLS}
        self.context["var"] = lambda name, default=RUN_AT_TOKEN: (
            RUN_AT_TOKEN if default == RUN_AT_TOKEN else default)
        self.context["config"] = lambda **kwargs: ""
        for name in ("env_var", "run_query", "log", "statement", "adapter", "modules",
                     "execute", "exceptions", "return", "print"):
            self.context[name] = self._spy(name)

    @staticmethod
    def _placeholder(name: str) -> Any:
        return lambda *args: PREFIXES[name] + str(args[-1])

    def _spy(self, name: str) -> Any:
        def called(*args: object, **kwargs: object) -> str:
            self.evaluated.append(name)
            return PLANTED_SECRET
        return called

    def render(self, text: str, **context: Any) -> str:
        return self.env.from_string(text).render({**self.context, **context})


def _expected_sql(plan: ModelPlan, logged: dict[str, ModelPlan]) -> str:
    """The model's query as the in-process engine renders it, placeholders left as names."""
    return to_sql(_aliased(read_latest(plan.query, logged)), "duckdb", pretty=True)


def compiled_alone(root: Path, spec: dict[str, Any]) -> list[ModelPlan] | None:
    """The plans of the project with ``spec`` alone, None when validation refuses it
    (refused text is refused with a message: validation's own tests say which)."""
    path = root / "journey_specs" / f"{spec['id']}.yml"
    path.write_text(spec_yaml(spec), encoding="utf-8")
    return plans_of(root, path)


def plans_of(root: Path, path: Path) -> list[ModelPlan] | None:
    """The plans of the project with the spec at ``path`` alone (None: it is refused)."""
    result = validate_project([path], project_root=root, warehouse=None)
    if not result.ok:
        return None
    return compile_plans(result.specs, result.profile_columns, result.governance)


def _unescaped_yaml(jinja: DbtJinja, escaped: Any, raw: Any) -> None:
    """Every string of a properties file renders back to what the compiler meant."""
    if isinstance(raw, LiveText):
        return
    if isinstance(raw, str):
        assert (jinja.render(escaped) if "{" in escaped else escaped) == raw
    elif isinstance(raw, dict):
        assert len(escaped) == len(raw)
        for (key, value), (raw_key, raw_value) in zip(escaped.items(), raw.items(), strict=True):
            _unescaped_yaml(jinja, key, raw_key)
            _unescaped_yaml(jinja, value, raw_value)
    elif isinstance(raw, list | tuple):
        for value, raw_value in zip(escaped, raw, strict=True):
            _unescaped_yaml(jinja, value, raw_value)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_project(tmp_path_factory.mktemp("untrusted") / "project")


def assert_dbt_renders_the_plans_as_compiled(plans: list[ModelPlan]) -> None:
    """The files written for ``plans`` render under dbt's Jinja to the compiled SQL (and
    properties), evaluating nothing."""
    files = render_files(plans)
    logged = {p.name: p for p in plans if keeps_log(p, "duckdb")}
    jinja = DbtJinja()
    for plan in plans:
        text = files[Path("dbt_project/models") / plan.folder / f"{plan.name}.sql"]
        body = text.split("\n", 1)[1]  # the generated-file header is a SQL comment
        config, query = body.split("\n\n", 1)
        assert config.startswith("{{ config(") and config.endswith(") }}")
        # Jinja drops the file's final newline, as dbt reads it
        assert jinja.render(query) == _expected_sql(plan, logged), plan.name
    escaped = {model["name"]: model for path, text in files.items() if path.suffix == ".yml"
               for model in yaml.load(text, Loader=yaml.CSafeLoader)["models"]}
    for plan in plans:
        _unescaped_yaml(jinja, escaped[plan.name], _model_yaml(plan))
    assert jinja.evaluated == []


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(texts=hostile_texts, destination=hostile_text)
def test_any_spec_text_renders_under_dbts_jinja_to_the_sql_the_in_process_engine_runs(
        project: Path, texts: dict[str, str], destination: str) -> None:
    destinations = project / "journey_specs" / "_destinations.yml"
    destinations.write_text(destinations_yaml(DESTINATIONS, destination), encoding="utf-8")
    plans = compiled_alone(project, hostile_spec("hostile", texts | {"destination": destination}))
    event("refused by validation" if plans is None else "compiled")
    assume(plans is not None)
    assert_dbt_renders_the_plans_as_compiled(plans)


def test_the_spec_text_of_a_model_is_in_its_sql_as_written(project: Path) -> None:
    """The property above would pass if spec text were dropped: it is not."""
    texts = dict.fromkeys(("name", "description", "entry_event", "property", "literal",
                           "comment", "goal_event", "exit_event", "template", "field_key",
                           "wait_event"), "x{{ env_var('PLANTED_SECRET') }}")
    plans = compiled_alone(project, hostile_spec("hostile", texts))
    assert plans is not None
    jinja = DbtJinja()
    rendered = "".join(jinja.render(text) for path, text in render_files(plans).items()
                       if path.suffix == ".sql" and "hostile" in path.parts)
    assert rendered.count("x{{ env_var(''PLANTED_SECRET'') }}") >= 3  # literal, template
    assert "x{{ env_var('PLANTED_SECRET') }}" in rendered  # event names, comment
    assert jinja.evaluated == []


def test_markers_spelled_by_spec_text_cost_one_more_write_whatever_their_number() -> None:
    writes = []

    def sql(live: LiveJinja) -> str:
        writes.append(1)
        spelled = " ".join(f"_jinja{salt}x0_" for salt in range(150))
        return exp.select(exp.Literal.string(spelled)).from_(
            exp.Table(this=live.mark("{{ ref('a') }}"))).sql()

    assert with_live_jinja(sql).endswith("FROM {{ ref('a') }}")
    assert len(writes) == 2


def test_a_writer_that_repeats_a_marker_is_a_compiler_error_not_a_hang() -> None:
    def sql(live: LiveJinja) -> str:
        table = live.mark("{{ ref('a') }}")
        return f"SELECT * FROM {table.sql()} JOIN {table.sql()}"

    with pytest.raises(AssertionError, match="repeated or lost"):
        with_live_jinja(sql)


# ---- end to end: the issue's payloads through `journeys run` (dbt) and in-process ----

ISSUE_SPEC = """\
id: hostile
name: VIP promo {{ run_query("create table main.pwned_by_name as select 1") }} it's
schedule: "0 * * * *"
timezone: UTC
entry:
  audience:
    where: >-
      signed_up_at <= run_at /* {{ run_query("create table main.pwned_by_comment as select 1") }} */
      and first_name <> '{% do run_query("create table main.pwned_by_literal as select 1") %}'
  frequency: once
goal: { event: "ord{{ env_var('PLANTED_SECRET') }}er" }
exit_criteria:
  - goal: true
  - event: { name: "{% do run_query('create table main.pwned_by_event as select 1') %}" }
tiles:
  start: { type: entry, next: hello }
  hello:
    type: action
    destination: sendgrid
    action: send_email
    template: "d-{{ env_var('PLANTED_SECRET') }}"
    fields:
      "k{{ env_var('PLANTED_SECRET') }}": first_name
      x: "'{% if execute %}{% do run_query(\\"create or replace table main.pwned_by_spec \\
        as select 42 as x\\") %}{% endif %}done'"
      leak: "'{{ env_var(\\"PLANTED_SECRET\\") }}'"
    next: done
  done: { type: exit }
"""
AT = "2026-10-31T12:00:00Z"
OUTPUTS = {"journey_steps": "member_id, entry_seq, tile_id",
           "due_actions": "action_id", "journey_state": "member_id, entry_seq"}


def _journeys(args: list[str], root: Path, warehouse: Path) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(root), "JOURNEYS_WAREHOUSE": str(warehouse),
           "PLANTED_SECRET": PLANTED_SECRET}
    return subprocess.run([*JOURNEYS, *args], cwd=root, env=env, capture_output=True,
                          text=True, timeout=600)


def _rows(warehouse: Path, table: str, order: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = [r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_schema = "
            "'journeys' and table_name = ? and column_name not in ('duration_ms') "
            "order by ordinal_position", [table]).fetchall()]
        return con.execute(f"select {', '.join(columns)} from journeys.{table} "
                           f"where journey_id = 'hostile' order by {order}").fetchall()


def _tables(warehouse: Path) -> set[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {r[0] for r in con.execute(
            "select table_name from information_schema.tables").fetchall()}


@pytest.mark.slow
def test_the_issues_payloads_run_as_text_through_dbt_and_in_process_alike(
        tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")
    for path in (root / "journey_specs").glob("[a-z]*.yml"):  # the hostile journey alone
        path.unlink()
    (root / "journey_specs" / "_governance.yml").unlink()  # its priority names demo journeys
    shutil.rmtree(root / "dbt_project" / "models" / "journeys")
    (root / "journey_specs" / "hostile.yml").write_text(ISSUE_SPEC, encoding="utf-8")
    via_dbt, in_process = tmp_path / "dbt.duckdb", tmp_path / "inprocess.duckdb"
    live_warehouse(via_dbt, project_root=root, profiles=200, days=3,
                   end=datetime(2026, 11, 1), seed=5)
    shutil.copy(via_dbt, in_process)

    for warehouse, engine in ((via_dbt, "dbt"), (in_process, "inprocess")):
        done = _journeys(["run", "--at", AT, "--engine", engine], root, warehouse)
        assert done.returncode == 0, done.stderr
        assert PLANTED_SECRET not in done.stdout + done.stderr
        assert not {t for t in _tables(warehouse) if t.startswith("pwned")}

    for table, order in OUTPUTS.items():
        assert _rows(via_dbt, table, order) == _rows(in_process, table, order), table
    actions = _rows(via_dbt, "due_actions", "action_id")
    assert actions, "the hostile journey admitted no member: the test would prove nothing"
    assert PLANTED_SECRET not in repr(actions)
    with duckdb.connect(str(via_dbt), read_only=True) as con:
        template, payload = con.execute("select template, payload from journeys.due_actions "
                                        "where journey_id = 'hostile' limit 1").fetchone()
    assert template == "d-{{ env_var('PLANTED_SECRET') }}"
    fields = json.loads(payload)
    assert fields["leak"] == '{{ env_var("PLANTED_SECRET") }}'
    assert fields["x"].startswith("{% if execute %}{% do run_query(") and \
        fields["x"].endswith("{% endif %}done")
    assert "k{{ env_var('PLANTED_SECRET') }}" in fields
    for folder in ("target", "logs"):
        for path in (root / "dbt_project" / folder).rglob("*"):
            if path.is_file():
                assert PLANTED_SECRET.encode() not in path.read_bytes(), path


def test_a_generated_model_holds_no_live_jinja_but_the_compilers(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")
    (root / "journey_specs" / "hostile.yml").write_text(ISSUE_SPEC, encoding="utf-8")
    done = _journeys(["compile"], root, tmp_path / "none.duckdb")
    assert done.returncode == 0, done.stderr
    compiler = re.compile(r"\{\{ (?:config|ref|source|journeys_prior|journeys_part|journeys_log)"
                          r"\([^{}]*\) \}\}|\{\{ var\(\"run_at\"\) \}\}|\{\{ '\{' \}\}")
    for path in (root / "dbt_project/models/journeys/hostile").glob("*.sql"):
        left = compiler.sub("", path.read_text())
        assert not re.search(r"\{[{%#]", left), (path.name, re.findall(r".{20}\{[{%#].{20}", left))
