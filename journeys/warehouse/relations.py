"""Names of the relations the compiler reads and writes, as placeholder tables.

The compiler builds trees that do not know where they will run. A table is one of:

- ``ref(name)``: a model of this project, read as it is in this run (a dbt ``ref``);
- ``prior(name)``: a model's table as the previous tick left it, read without a dbt
  dependency (journeys read their own state and the tick log, which are downstream);
- ``source(name)``: an input table of the user's warehouse (C3);
- ``log_table(name)``: a table the reverse-ETL step writes (``delivery_log``), read as it
  stands, or as a typed empty relation before the first dispatch.

:mod:`journeys.compiler.render_dbt` turns placeholders into Jinja; the in-process executor
(:mod:`journeys.tick.inprocess`) into schema-qualified tables.
"""

from __future__ import annotations

import re

from sqlglot import exp

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
REF_PREFIX = "__ref__"
PRIOR_PREFIX = "__prior__"
PART_PREFIX = "__part__"
SOURCE_PREFIX = "__source__"
LOG_PREFIX = "__log__"
RUN_AT_TOKEN = "__JOURNEYS_RUN_AT__"

STAGING_SCHEMA = "journeys_staging"
INTERNAL_SCHEMA = "journeys_internal"
OUTPUT_SCHEMA = "journeys"
SOURCE_SCHEMA = "main"
TOOL_SOURCES = {"journey_control": OUTPUT_SCHEMA}
"""Inputs the tool itself writes outside ticks, by schema (the lifecycle's audit trail)."""


def source_schema(name: str) -> str:
    """The schema of an input table: the user's inputs are in ``main`` (C3)."""
    return TOOL_SOURCES.get(name, SOURCE_SCHEMA)


def checked_name(name: str) -> str:
    """A model or table name, refused unless it is a plain lower-case identifier."""
    if not NAME_RE.match(name):
        raise ValueError(f"'{name}' is not a valid model name (^[a-z][a-z0-9_]*$)")
    return name


def _table(prefix: str, name: str, alias: str | None) -> exp.Table:
    table = exp.Table(this=exp.to_identifier(prefix + checked_name(name)))
    if alias:
        table.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
    return table


def ref(name: str, alias: str | None = None) -> exp.Table:
    """A project model read in this run."""
    return _table(REF_PREFIX, name, alias)


def prior(name: str, alias: str | None = None) -> exp.Table:
    """A model's table as the previous tick left it (empty before the first tick)."""
    return _table(PRIOR_PREFIX, name, alias)


def part(name: str, alias: str | None = None) -> exp.Table:
    """A journey's part of a union output: a dependency like ``ref``, read as empty while
    the journey has not ticked yet, so each journey can tick on its own schedule."""
    return _table(PART_PREFIX, name, alias)


def source(name: str, alias: str | None = None) -> exp.Table:
    """An input table of the warehouse (only staging models read these)."""
    return _table(SOURCE_PREFIX, name, alias)


def log_table(name: str, alias: str | None = None) -> exp.Table:
    """A table dispatch writes in the output schema (governance reads the delivery log)."""
    return _table(LOG_PREFIX, name, alias)


def log_tables(tree: exp.Expression) -> set[str]:
    """The names of the ``log_table`` placeholders in a tree."""
    return {found[1] for t in tree.find_all(exp.Table)
            if (found := placeholder(t)) and found[0] == "log"}


def placeholder(table: exp.Table) -> tuple[str, str] | None:
    """(kind, name) of a placeholder table, None for a CTE or other table."""
    name = table.name
    for kind, prefix in (("ref", REF_PREFIX), ("prior", PRIOR_PREFIX), ("part", PART_PREFIX),
                         ("source", SOURCE_PREFIX), ("log", LOG_PREFIX)):
        if name.startswith(prefix) and not table.args.get("db"):
            return kind, name[len(prefix):]
    return None


def run_at_literal() -> exp.Expression:
    """The tick clock as it enters SQL: a token replaced by a dbt var or a literal."""
    return exp.Cast(this=exp.Literal.string(RUN_AT_TOKEN), to=exp.DataType.build("timestamp"))


def clock_input() -> exp.Select:
    """The clocks of a run, ``select <clock> as run_at``: one row under dbt (the ``run_at``
    var); the in-process executor swaps in a table of every clock of a batch."""
    return exp.select(exp.alias_(run_at_literal(), "run_at"))


def is_clock_input(node: exp.Expression) -> bool:
    """Whether ``node`` is the select :func:`clock_input` built."""
    return (isinstance(node, exp.Select) and not node.args.get("from_")
            and len(node.expressions) == 1
            and node.expressions[0].find(exp.Literal) is not None
            and node.expressions[0].find(exp.Literal).this == RUN_AT_TOKEN)
