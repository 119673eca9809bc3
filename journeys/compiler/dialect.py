"""Everything engine-specific, in one place: time zones, hashing, JSON, intervals.

The rest of the compiler builds portable sqlglot trees and asks this module for the few
constructs whose meaning differs between engines. Each helper returns a tree; sqlglot then
generates it for the target dialect. DuckDB is the reference; other engines get their
variants here (see issue 6) and nowhere else.
"""

from __future__ import annotations

from sqlglot import exp

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
    "json": JSON,
}


def paren(node: exp.Expression) -> exp.Expression:
    """Parenthesize a binary operand: sqlglot keeps a tree's grouping only via parens."""
    return exp.Paren(this=node) if isinstance(node, exp.Binary) else node


def typed_null(sql_type: str) -> exp.Expression:
    """``cast(null as <type>)``: the column of an empty relation."""
    return exp.Cast(this=exp.Null(), to=SQL_TYPES[sql_type].copy())


def timestamp_literal(iso: str) -> exp.Expression:
    """A UTC timestamp constant (naive), e.g. the tick clock."""
    return exp.Cast(this=exp.Literal.string(iso), to=TIMESTAMP.copy())


def add_seconds(ts: exp.Expression, seconds: int) -> exp.Expression:
    """``ts + interval`` in the largest exact unit, so generated SQL stays readable."""
    for unit, size in (("DAY", 86400), ("HOUR", 3600), ("MINUTE", 60)):
        if seconds % size == 0:
            return exp.Add(
                this=ts,
                expression=exp.Interval(
                    this=exp.Literal.string(str(seconds // size)), unit=exp.Var(this=unit)
                ),
            )
    return exp.Add(
        this=ts,
        expression=exp.Interval(this=exp.Literal.string(str(seconds)), unit=exp.Var(this="SECOND")),
    )


def add_days(ts: exp.Expression, days: exp.Expression) -> exp.Expression:
    """``ts + days * interval 1 day`` with ``days`` an integer expression."""
    one_day = exp.Interval(this=exp.Literal.string("1"), unit=exp.Var(this="DAY"))
    return exp.Add(this=ts, expression=exp.Mul(this=days, expression=one_day))


def md5_hex(text: exp.Expression) -> exp.Expression:
    """Lower-case hex md5 of a string (the ``action_id`` of S12)."""
    return exp.MD5(this=text)


def md5_bucket(text: exp.Expression, modulo: int = 10000) -> exp.Expression:
    """``int(md5(text)[:8], 16) % modulo`` (S10): a hex prefix read as a bigint."""
    prefix = exp.Substring(this=md5_hex(text), start=exp.Literal.number(1),
                           length=exp.Literal.number(8))
    as_int = exp.Cast(this=exp.DPipe(this=exp.Literal.string("0x"), expression=prefix),
                      to=BIGINT.copy())
    return exp.Mod(this=exp.Paren(this=as_int), expression=exp.Literal.number(modulo))


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
    """A JSON object from (key, value) pairs; an empty object when there are none."""
    if not pairs:
        return exp.Cast(this=exp.Literal.string("{}"), to=JSON.copy())
    args: list[exp.Expression] = []
    for key, value in pairs:
        args += [exp.Literal.string(key), value]
    return exp.Cast(this=exp.Anonymous(this="json_object", expressions=args), to=JSON.copy())


def timezone_names() -> exp.Query:
    """The IANA zone names the engine knows (a small table built once per run)."""
    return exp.select(exp.alias_(exp.column("name"), "timezone_name")).from_(
        exp.Anonymous(this="pg_timezone_names"))


def to_local(ts_utc: exp.Expression, tz: exp.Expression) -> exp.Expression:
    """The naive local wall time in ``tz`` of a naive UTC instant."""
    as_tz = exp.Cast(this=ts_utc, to=exp.DataType.build("timestamptz"))
    return exp.Cast(this=exp.Anonymous(this="timezone", expressions=[tz, as_tz]),
                    to=TIMESTAMP.copy())


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
    one_day = exp.Interval(this=exp.Literal.string("1"), unit=exp.Var(this="DAY"))
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


def iso_weekday(ts: exp.Expression) -> exp.Expression:
    """ISO day of week of a (local) timestamp: 1 = Monday … 7 = Sunday."""
    return exp.Anonymous(this="isodow", expressions=[ts])


def day_start(ts: exp.Expression) -> exp.Expression:
    """Midnight of the day of a (local) timestamp."""
    return exp.TimestampTrunc(this=ts, unit=exp.Var(this="DAY"))


def minute_of_day(ts: exp.Expression) -> exp.Expression:
    """Minutes since local midnight, for ``between`` windows."""
    hours = exp.Extract(this=exp.Var(this="HOUR"), expression=ts)
    minutes = exp.Extract(this=exp.Var(this="MINUTE"), expression=ts.copy())
    return exp.Add(this=exp.Mul(this=hours, expression=exp.Literal.number(60)),
                   expression=minutes)
