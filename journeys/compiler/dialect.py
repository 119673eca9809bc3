"""Everything engine-specific, in one place: time zones, hashing, JSON, intervals, types.

The rest of the compiler builds portable sqlglot trees. The few constructs whose meaning
differs between engines are built here as *portable calls* (``JOURNEYS_TO_LOCAL(ts, tz)``,
``JOURNEYS_MD5_BUCKET(text, 10000)``, …) that no engine knows; :func:`to_sql` lowers them
to each dialect's own SQL just before sqlglot generates the text. Plans therefore stay
dialect-free: dbt models, the in-process executor and the golden SQL of Snowflake and
BigQuery are the same plans lowered differently. DuckDB is the reference engine.

Example:
    >>> ts, tz = exp.column("at"), exp.column("tz")
    >>> to_sql(exp.select(to_local(ts, tz)), "postgres")
    "SELECT TIMEZONE(tz, TIMEZONE('UTC', at))"
    >>> to_sql(exp.select(to_local(ts, tz)), "spark")
    'SELECT FROM_UTC_TIMESTAMP(at, tz)'
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from typing import TYPE_CHECKING

from sqlglot import exp

from journeys.compiler.collector import collector_paused

if TYPE_CHECKING:
    from journeys.compiler.plan import ModelPlan

DIALECTS = ("duckdb", "postgres", "spark", "snowflake", "bigquery")
"""Dialects the compiler writes. DuckDB, Postgres and Spark are run in tests; Snowflake and
BigQuery are compiled to golden SQL that sqlglot parses (no account to run it here)."""
TARGET_DIALECTS = {"duckdb": "duckdb", "postgres": "postgres", "spark": "spark",
                   "databricks": "spark", "snowflake": "snowflake", "bigquery": "bigquery"}
"""dbt adapter type → compiler dialect."""

TIMESTAMP = exp.DataType.build("timestamp")
VARCHAR = exp.DataType.build("varchar")
INTEGER = exp.DataType.build("integer")
BIGINT = exp.DataType.build("bigint")
BOOLEAN = exp.DataType.build("boolean")
JSON = exp.DataType.build("json")
DOUBLE = exp.DataType.build("double")

SQL_TYPES = {
    "varchar": VARCHAR,
    "integer": INTEGER,
    "bigint": BIGINT,
    "timestamp": TIMESTAMP,
    "boolean": BOOLEAN,
    "double": DOUBLE,
    "json": JSON,
}
_PORTABLE = "JOURNEYS_"


def _portable(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=_PORTABLE + name, expressions=list(args))


def paren(node: exp.Expression) -> exp.Expression:
    """Parenthesize a binary operand: sqlglot keeps a tree's grouping only via parens."""
    return exp.Paren(this=node) if isinstance(node, exp.Binary) else node


def typed_null(sql_type: str) -> exp.Expression:
    """``cast(null as <type>)``: the column of an empty relation."""
    return exp.Cast(this=exp.Null(), to=SQL_TYPES[sql_type].copy())


def timestamp_literal(iso: str) -> exp.Expression:
    """A UTC timestamp constant (naive), e.g. the tick clock."""
    return exp.Cast(this=exp.Literal.string(iso), to=TIMESTAMP.copy())


def _interval(amount: str, unit: str) -> exp.Interval:
    return exp.Interval(this=exp.Literal.string(amount), unit=exp.Var(this=unit))


def add_seconds(ts: exp.Expression, seconds: int) -> exp.Expression:
    """``ts + interval`` in the largest exact unit, so generated SQL stays readable."""
    for unit, size in (("DAY", 86400), ("HOUR", 3600), ("MINUTE", 60)):
        if seconds % size == 0:
            return exp.Add(this=ts, expression=_interval(str(seconds // size), unit))
    return exp.Add(this=ts, expression=_interval(str(seconds), "SECOND"))


def sub_seconds(ts: exp.Expression, seconds: int) -> exp.Expression:
    """``ts - interval``, the interval as :func:`add_seconds` writes it."""
    added = add_seconds(ts, seconds)
    return exp.Sub(this=added.this, expression=added.expression)


def add_days(ts: exp.Expression, days: exp.Expression) -> exp.Expression:
    """``ts + days * interval 1 day`` with ``days`` an integer expression."""
    return exp.Add(this=ts, expression=exp.Mul(this=days, expression=_interval("1", "DAY")))


def md5_hex(text: exp.Expression) -> exp.Expression:
    """Lower-case hex md5 of a string (the ``action_id`` of S12)."""
    return _portable("MD5_HEX", text)


def md5_bucket(text: exp.Expression, modulo: int = 10000) -> exp.Expression:
    """``int(md5(text)[:8], 16) % modulo`` (S10): the first 8 hex digits as a number."""
    return _portable("MD5_BUCKET", text, exp.Literal.number(modulo))


def concat(*parts: exp.Expression) -> exp.Expression:
    """String concatenation of expressions (casting non-strings to varchar)."""
    out: exp.Expression | None = None
    for part in parts:
        piece = part if isinstance(part, exp.Literal) else exp.Cast(this=part, to=VARCHAR.copy())
        out = piece if out is None else exp.DPipe(this=out, expression=piece)
    assert out is not None
    return out


def json_text(json_col: exp.Expression, key: str) -> exp.Expression:
    """A top-level property of a JSON value as text (``properties ->> '$.key'``)."""
    return exp.JSONExtractScalar(
        this=json_col, expression=exp.JSONPath(
            expressions=[exp.JSONPathRoot(), exp.JSONPathKey(this=key)]
        )
    )


def json_object(pairs: list[tuple[str, exp.Expression]]) -> exp.Expression:
    """A JSON object from (key, value) pairs, nulls kept; an empty object when none."""
    args: list[exp.Expression] = []
    for key, value in pairs:
        args += [exp.Literal.string(key), value]
    return _portable("JSON_OBJECT", *args)


def seconds_between(start: exp.Expression, end: exp.Expression) -> exp.Expression:
    """Seconds from ``start`` to ``end`` (two UTC timestamps) as a number: a duration that
    every engine computes the same way (durations in the journey metrics)."""
    return _portable("SECONDS_BETWEEN", start, end)


def to_number(value: exp.Expression) -> exp.Expression:
    """``value`` as a double, or null when it is not a number (a JSON property compared
    with a number): no engine fails a tick on a malformed event."""
    return _portable("TO_NUMBER", value)


def timezone_names() -> exp.Query:
    """The IANA zone names the engine knows (a small table built once per run)."""
    return exp.select(exp.alias_(exp.column("name"), "timezone_name")).from_(
        exp.Table(this=_portable("TIMEZONE_NAMES")))


def to_local(ts_utc: exp.Expression, tz: exp.Expression) -> exp.Expression:
    """The naive local wall time in ``tz`` of a naive UTC instant."""
    return _portable("TO_LOCAL", ts_utc, tz)


def _offset(ts_utc: exp.Expression, tz: exp.Expression) -> exp.Expression:
    """UTC offset of ``tz`` at an instant, as an interval (local - utc)."""
    return exp.Sub(this=to_local(ts_utc, tz), expression=paren(ts_utc.copy()))


def from_local(local: exp.Expression, tz: exp.Expression) -> exp.Expression:
    """The UTC instant of a local wall time, resolved as the contract says (S4–S6).

    Engines disagree on local times that do not exist or exist twice, so this does not
    rely on them: it tries the offsets in force a day before and a day after (time zones
    change offset at most once in two days) and keeps the candidate whose local time is
    the one asked for. Both valid (a DST fold): the first occurrence. Neither (a DST gap):
    the instant the clocks jump, the next valid instant, which the tz database puts on the
    hour of the wall time asked for.
    """
    one_day = _interval("1", "DAY")
    before = _offset(exp.Sub(this=local.copy(), expression=one_day.copy()), tz)
    after = _offset(exp.Add(this=local.copy(), expression=one_day.copy()), tz)
    u_before = exp.Sub(this=local.copy(), expression=exp.Paren(this=before))
    u_after = exp.Sub(this=local.copy(), expression=exp.Paren(this=after.copy()))

    def valid(u: exp.Expression) -> exp.Expression:
        return exp.EQ(this=to_local(u.copy(), tz), expression=local.copy())

    hour = exp.TimestampTrunc(this=local.copy(), unit=exp.Var(this="HOUR"))
    gap = exp.Sub(this=hour, expression=exp.Paren(this=before.copy()))
    return (
        exp.Case()
        .when(exp.and_(valid(u_before), valid(u_after)),
              exp.Least(this=u_before.copy(), expressions=[u_after.copy()]))
        .when(valid(u_before), u_before.copy())
        .when(valid(u_after), u_after.copy())
        .else_(gap)
    )


_FENCE = "journeys:fence"


def fence(query: exp.Select) -> exp.Select:
    """Mark a layer of computed columns that engines must compute once, not inline.

    PostgreSQL pulls subqueries up into their readers and substitutes each column's
    expression wherever it is used; layers of local-time columns that read each other
    then grow exponentially (a 35 kB query planned into a 16 MB plan in 37 s). There the
    layer gets ``OFFSET 0``, PostgreSQL's documented optimization fence; other engines
    evaluate shared expressions once and get the query unchanged.
    """
    query.add_comments([_FENCE])
    return query


def iso_weekday(ts: exp.Expression) -> exp.Expression:
    """ISO day of week of a (local) timestamp: 1 = Monday … 7 = Sunday."""
    return _portable("ISO_WEEKDAY", ts)


def day_start(ts: exp.Expression) -> exp.Expression:
    """Midnight of the day of a (local) timestamp."""
    return exp.TimestampTrunc(this=ts, unit=exp.Var(this="DAY"))


def minute_of_day(ts: exp.Expression) -> exp.Expression:
    """Minutes since local midnight, for ``between`` windows."""
    hours = exp.Extract(this=exp.Var(this="HOUR"), expression=ts)
    minutes = exp.Extract(this=exp.Var(this="MINUTE"), expression=ts.copy())
    return exp.Add(this=exp.Mul(this=hours, expression=exp.Literal.number(60)),
                   expression=minutes)


# --- lowering: portable calls → each dialect's SQL -------------------------------------

def _f(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def _s(text: str) -> exp.Literal:
    return exp.Literal.string(text)


def _n(value: int) -> exp.Literal:
    return exp.Literal.number(value)


def _cast(node: exp.Expression, sql_type: str) -> exp.Cast:
    return exp.Cast(this=node, to=exp.DataType.build(sql_type))


def _md5_hex(dialect: str, text: exp.Expression) -> exp.Expression:
    if dialect == "bigquery":  # MD5 returns BYTES there
        return _f("to_hex", _f("md5", text))
    return exp.MD5(this=text)


def _bucket(dialect: str, text: exp.Expression, modulo: exp.Expression) -> exp.Expression:
    hex8 = exp.Substring(this=_md5_hex(dialect, text), start=_n(1), length=_n(8))
    if dialect == "postgres":
        number = _cast(_cast(exp.DPipe(this=_s("x"), expression=exp.Anonymous(
            this="lpad", expressions=[hex8, _n(16), _s("0")])), "bit(64)"), "bigint")
    elif dialect == "spark":
        number = _cast(_f("conv", hex8, _n(16), _n(10)), "bigint")
    elif dialect == "snowflake":
        number = _f("to_number", hex8, _s("XXXXXXXX"))
    else:  # duckdb, bigquery: a 0x-prefixed hex literal casts to an integer
        number = _cast(exp.DPipe(this=_s("0x"), expression=hex8), "bigint")
    return exp.Mod(this=exp.Paren(this=number), expression=modulo)


def _to_local(dialect: str, ts: exp.Expression, tz: exp.Expression) -> exp.Expression:
    if dialect == "postgres":
        return _f("timezone", tz, _f("timezone", _s("UTC"), ts))
    if dialect == "spark":
        return _f("from_utc_timestamp", ts, tz)
    if dialect == "snowflake":
        return _f("convert_timezone", _s("UTC"), tz, ts)
    if dialect == "bigquery":
        return _f("datetime", _f("timestamp", ts), tz)
    return _cast(_f("timezone", tz, _cast(ts, "timestamptz")), "timestamp")


def _iso_weekday(dialect: str, ts: exp.Expression) -> exp.Expression:
    if dialect == "postgres":
        return exp.Extract(this=exp.Var(this="ISODOW"), expression=ts)
    if dialect == "spark":
        return exp.Add(this=_f("weekday", ts), expression=_n(1))
    if dialect == "snowflake":
        return _f("dayofweekiso", ts)
    if dialect == "bigquery":
        sunday_first = exp.Extract(this=exp.Var(this="DAYOFWEEK"), expression=ts)
        return exp.Add(this=exp.Mod(this=exp.Paren(this=exp.Add(
            this=sunday_first, expression=_n(5))), expression=_n(7)), expression=_n(1))
    return _f("isodow", ts)


def _json_object(dialect: str, args: list[exp.Expression]) -> exp.Expression:
    if dialect == "postgres":
        # json_build_object writes timestamps as 2026-06-01T15:00:00; every other engine
        # (and the contract's examples) as 2026-06-01 15:00:00
        text = _cast(_f("json_build_object", *args), "text")
        spaced = _f("regexp_replace", text, _s(_ISO_IN_JSON), _s(r'"\1 \2"'), _s("g"))
        return _cast(spaced, "json")
    if dialect == "spark":
        if not args:
            return _s("{}")
        fields = _f("named_struct", *args)
        options = _f("map", _s("ignoreNullFields"), _s("false"),
                     _s("timestampFormat"), _s("yyyy-MM-dd HH:mm:ss"),
                     _s("timestampNTZFormat"), _s("yyyy-MM-dd HH:mm:ss"))
        return _f("to_json", fields, options)
    if dialect == "snowflake":
        return _f("object_construct_keep_null", *args)
    if dialect == "bigquery":
        return _f("json_object", *args)
    if not args:
        return _cast(_s("{}"), "json")
    return _cast(_f("json_object", *args), "json")


_ISO_IN_JSON = r'"(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d(\.\d+)?)"'
_NUMBER_PATTERN = r"^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$"


def _seconds_between(dialect: str, start: exp.Expression, end: exp.Expression) -> exp.Expression:
    if dialect in ("snowflake", "bigquery"):
        return exp.TimestampDiff(this=end, expression=start, unit=exp.var("SECOND"))
    if dialect == "postgres":  # extract(epoch from an interval)
        return exp.Extract(this=exp.var("epoch"), expression=exp.Paren(
            this=exp.Sub(this=end, expression=start)))
    # duckdb epoch(), spark unix_timestamp(): whole seconds since 1970 (the session is UTC)
    return exp.Sub(this=exp.TimeToUnix(this=end), expression=exp.TimeToUnix(this=start))


def _to_number(dialect: str, value: exp.Expression) -> exp.Expression:
    if dialect == "postgres":
        return exp.Case().when(exp.RegexpLike(this=value.copy(), expression=_s(_NUMBER_PATTERN)),
                               _cast(value, "double"))
    if dialect == "snowflake":
        return _f("try_to_double", _cast(value, "varchar"))
    return exp.TryCast(this=value, to=DOUBLE.copy(), safe=True)


def _timezone_names(dialect: str) -> exp.Expression:
    if dialect in ("duckdb", "postgres"):
        return exp.Table(this=_f("pg_timezone_names"))
    # No zone catalog in SQL: the zones of the pinned tz database (the tzdata package)
    rows = [exp.Tuple(expressions=[_s(name)]) for name in _tz_database_zones()]
    return exp.Values(expressions=rows, alias=exp.TableAlias(
        this=exp.to_identifier("zones"), columns=[exp.to_identifier("name")]))


def _tz_database_zones() -> list[str]:
    text = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
    return sorted(name for name in text.split() if name)


def _json_type(dialect: str) -> exp.DataType:
    return exp.DataType.build({"spark": "string", "snowflake": "variant"}.get(dialect, "json"))


def type_sql(sql_type: str, dialect: str) -> str:
    """A column type of the contract (``varchar``, ``json``, …) in ``dialect``: what the
    models' YAML documents and the empty relations cast to.

    Example:
        >>> type_sql("json", "spark"), type_sql("varchar", "postgres"), type_sql("json", "duckdb")
        ('STRING', 'VARCHAR', 'json')
    """
    if dialect == "duckdb":
        return sql_type
    data_type = _json_type(dialect) if sql_type == "json" else SQL_TYPES[sql_type]
    return data_type.sql(dialect=dialect)


def incremental_config(plan: ModelPlan, dialect: str) -> dict[str, object]:
    """The dbt config of an incremental model on ``dialect``: how the rows of a tick
    replace what an earlier run of the same clock wrote (S1) on that engine.

    Every engine with row-level deletes uses delete+insert on the model's key. Spark's
    plain parquet tables cannot delete rows: there a model keyed by a tick clock overwrites
    the partitions of its key (the same replacement), and a model keyed by member (an
    upsert) keeps one row per change, partitioned by its tick, and is read through
    :func:`latest_rows`. BigQuery has no delete+insert in dbt: its golden SQL merges.
    """
    keys = list(plan.unique_key)
    if dialect == "spark":
        clock = keys if _tick_keyed(plan) else [UPSERT_CLOCK]
        return {"incremental_strategy": "insert_overwrite", "file_format": "parquet",
                "partition_by": clock}
    if dialect == "bigquery":
        return {"incremental_strategy": "merge", "unique_key": keys}
    return {"incremental_strategy": "delete+insert", "unique_key": keys}


UPSERT_CLOCK = "updated_tick_at"
"""The clock column of a model keyed by member (kept as a log where rows cannot be
updated in place)."""


def _tick_keyed(plan: ModelPlan) -> bool:
    types = {c.name: c.type for c in plan.columns}
    return any(types.get(k) == "timestamp" for k in plan.unique_key)


def keeps_log(plan: ModelPlan, dialect: str) -> bool:
    """Whether ``plan`` is stored as a log of changes on ``dialect`` (see
    :func:`incremental_config`): its readers then take the latest row per key."""
    return dialect == "spark" and plan.materialized == "incremental" and not _tick_keyed(plan)


def latest_rows(plan: ModelPlan, table: exp.Expression) -> exp.Query:
    """One row per key of a model kept as a log: the newest values. A member's entry
    count, last exit and last change only grow, so the newest row is the greatest."""
    keys = list(plan.unique_key)
    values = [exp.alias_(exp.func("max", exp.column(c.name)), c.name)
              for c in plan.columns if c.name not in keys]
    return exp.select(*keys, *values).from_(table).group_by(*keys)


def read_latest(tree: exp.Expression, logged: dict[str, ModelPlan]) -> exp.Expression:
    """``tree`` with every prior read of a model kept as a log (``logged``, by name)
    replaced by its :func:`latest_rows`."""
    from journeys.warehouse.relations import placeholder

    def one(node: exp.Expression) -> exp.Expression:
        found = placeholder(node) if isinstance(node, exp.Table) else None
        if found is None or found[0] != "prior" or found[1] not in logged:
            return node
        alias = node.alias or found[1]
        table = node.copy()
        table.set("alias", None)
        return exp.Subquery(this=latest_rows(logged[found[1]], table),
                            alias=exp.TableAlias(this=exp.to_identifier(alias)))

    return tree.copy().transform(one) if logged else tree


def lower(tree: exp.Expression, dialect: str) -> exp.Expression:
    """A copy of ``tree`` with every portable call in ``dialect``'s own SQL."""
    if dialect not in DIALECTS:
        raise ValueError(f"unknown SQL dialect '{dialect}' (one of {', '.join(DIALECTS)})")
    lowerings: dict[str, Callable[[list[exp.Expression]], exp.Expression]] = {
        "MD5_HEX": lambda a: _md5_hex(dialect, a[0]),
        "MD5_BUCKET": lambda a: _bucket(dialect, a[0], a[1]),
        "TO_LOCAL": lambda a: _to_local(dialect, a[0], a[1]),
        "ISO_WEEKDAY": lambda a: _iso_weekday(dialect, a[0]),
        "JSON_OBJECT": lambda a: _json_object(dialect, a),
        "TO_NUMBER": lambda a: _to_number(dialect, a[0]),
        "SECONDS_BETWEEN": lambda a: _seconds_between(dialect, a[0], a[1]),
    }

    def one(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Table) and isinstance(node.this, exp.Anonymous) \
                and node.this.name == _PORTABLE + "TIMEZONE_NAMES":
            return _timezone_names(dialect)
        if isinstance(node, exp.Anonymous) and node.name.startswith(_PORTABLE):
            kind = node.name[len(_PORTABLE):]
            if kind in lowerings:
                return lowerings[kind]([lower(a, dialect) for a in node.expressions])
        if isinstance(node, exp.DataType) and node.this == exp.DataType.Type.JSON:
            return _json_type(dialect)
        return node

    tree = tree.copy()
    for select in list(tree.find_all(exp.Select)):
        comments = select.pop_comments()
        if _FENCE in comments:
            if dialect == "postgres":
                select.offset(0, copy=False)
        if [c for c in comments if c != _FENCE]:
            select.add_comments([c for c in comments if c != _FENCE])
    return tree.transform(one, copy=False)  # ``tree`` is already a copy


def to_sql(tree: exp.Expression, dialect: str, pretty: bool = False) -> str:
    """The SQL text of a compiled tree for ``dialect``: the one way plans become text."""
    with collector_paused():
        return lower(tree, dialect).sql(dialect=dialect, pretty=pretty)
