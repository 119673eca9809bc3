"""Evaluate spec expressions (SQL text) in plain Python, for the reference interpreter.

The tree comes from :func:`journeys.spec.conditions.parse_expression` (the same parser and
allowlist the engine uses); this module walks it with SQL's three-valued logic: ``None`` is
SQL NULL ("unknown"). Only the forms listed in :func:`evaluate` are supported; anything else
raises :class:`NotImplementedError`, so a spec the reference cannot judge is never judged
silently wrong.

Values are Python ``str``, ``int``/``float``, ``bool``, ``None``, naive UTC ``datetime`` and
``timedelta`` (intervals).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlglot import exp

from journeys.spec.conditions import PROPERTIES, RUN_AT, Scope, parse_expression

PROFILE_COLUMNS = frozenset(
    {"member_id", "timezone", "email", "first_name", "flag_a", "flag_b", "score"}
)
"""The profile columns of the reference worlds (tests/reference/strategies.py)."""

EVENT_COLUMNS = frozenset({"member_id", "event", "occurred_at"})
"""Columns an event filter may read besides ``properties.<key>``."""

_INTERVAL_UNITS = {
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
}


@dataclass(frozen=True)
class Row:
    """What an expression can see: a profile, optionally an event, and the tick clock."""

    profile: dict[str, Any]
    run_at: datetime
    event: dict[str, Any] | None = None


@cache
def parse(text: str, on_events: bool = False, boolean: bool = True) -> exp.Expression:
    """Parse (and allowlist-check) a spec expression, once per text."""
    if on_events:
        scope = Scope(columns=EVENT_COLUMNS, properties=True, input_name="events")
    else:
        scope = Scope(columns=PROFILE_COLUMNS)
    return parse_expression(text, scope, boolean=boolean)


def holds(text: str, row: Row, on_events: bool = False) -> bool:
    """A condition as a WHERE clause sees it: true only when it is TRUE (NULL is false)."""
    return truth(evaluate(parse(text, on_events), row))


def value_of(text: str, row: Row) -> Any:
    """A value expression (``fields``, ``body``, ``set``) on a profile row."""
    return evaluate(parse(text, boolean=False), row)


def truth(value: Any) -> bool:
    """SQL WHERE: TRUE passes; FALSE and NULL do not."""
    if value is None or isinstance(value, bool):
        return value is True
    raise TypeError(f"a condition evaluated to a non-boolean {value!r}")


# --- the tree walk --------------------------------------------------------------------------


def evaluate(node: exp.Expression, row: Row) -> Any:
    """The value of ``node`` on ``row``, with SQL semantics (``None`` is NULL)."""
    if isinstance(node, exp.Paren):
        return evaluate(node.this, row)
    if isinstance(node, exp.Column):
        return _column(node, row)
    if isinstance(node, exp.Literal):
        return _literal(node)
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Neg):
        value = evaluate(node.this, row)
        return None if value is None else -value
    if isinstance(node, exp.And):
        return _and(evaluate(node.this, row), evaluate(node.expression, row))
    if isinstance(node, exp.Or):
        return _or(evaluate(node.this, row), evaluate(node.expression, row))
    if isinstance(node, exp.Not):
        return _not(evaluate(node.this, row))
    if isinstance(node, (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)):
        return compare(type(node), evaluate(node.this, row), evaluate(node.expression, row))
    if isinstance(node, exp.Is):
        result = _is(node, row)
        return _not(result) if node.args.get("negate") else result
    if isinstance(node, exp.In):
        if node.args.get("query") or node.args.get("unnest") or node.args.get("field"):
            raise NotImplementedError("IN over a query")
        return _in(evaluate(node.this, row), [evaluate(e, row) for e in node.expressions])
    if isinstance(node, exp.Between):
        if node.args.get("symmetric"):
            raise NotImplementedError("BETWEEN SYMMETRIC")
        value = evaluate(node.this, row)
        low, high = evaluate(node.args["low"], row), evaluate(node.args["high"], row)
        return _and(compare(exp.GTE, value, low), compare(exp.LTE, value, high))
    if isinstance(node, (exp.Like, exp.ILike)):
        result = _like(
            evaluate(node.this, row),
            evaluate(node.expression, row),
            case_insensitive=isinstance(node, exp.ILike),
        )
        return _not(result) if node.args.get("negate") else result
    if isinstance(node, (exp.Add, exp.Sub)):
        return _arithmetic(node, evaluate(node.this, row), evaluate(node.expression, row))
    if isinstance(node, exp.Interval):
        return _interval(node)
    if isinstance(node, exp.Coalesce):
        for argument in [node.this, *node.expressions]:
            value = evaluate(argument, row)
            if value is not None:
                return value
        return None
    if isinstance(node, (exp.Lower, exp.Upper)):
        value = evaluate(node.this, row)
        if value is None:
            return None
        if not isinstance(value, str):
            raise NotImplementedError(f"{type(node).__name__.lower()} of a non-string")
        return value.lower() if isinstance(node, exp.Lower) else value.upper()
    if isinstance(node, exp.Case):
        return _case(node, row)
    raise NotImplementedError(f"the reference does not evaluate {type(node).__name__}")


def _column(node: exp.Column, row: Row) -> Any:
    parts = [p.name for p in node.parts]
    if len(parts) == 2 and parts[0].lower() == PROPERTIES:
        if row.event is None:
            raise ValueError("properties.<key> outside an event filter")
        return json_text((row.event.get("properties") or {}).get(parts[1]))
    if len(parts) != 1:
        raise NotImplementedError(f"column {node.sql()}")
    name = parts[0]
    if name.lower() == RUN_AT:
        return row.run_at
    if row.event is not None:
        return row.event[name]
    # A column the profile dict does not carry reads as NULL.
    return row.profile.get(name)


def json_text(value: Any) -> str | None:
    """What ``properties ->> '$.key'`` gives: the value as text; JSON null and absent -> NULL."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    raise NotImplementedError(f"event property of type {type(value).__name__}")


def _literal(node: exp.Literal) -> str | int | float:
    text = str(node.this)
    if node.is_string:
        return text
    try:
        return int(text)
    except ValueError:
        return float(text)


def _interval(node: exp.Interval) -> timedelta:
    text = str(node.this.this) if node.this is not None else ""
    unit = node.args.get("unit")
    if unit is None:  # interval '2 hours'
        text, _, unit_name = text.strip().partition(" ")
    else:
        unit_name = unit.name
    unit_name = unit_name.strip().lower().removesuffix("s")
    if unit_name not in _INTERVAL_UNITS:
        raise NotImplementedError(f"interval unit {unit_name!r}")
    return int(text) * _INTERVAL_UNITS[unit_name]


# --- three-valued logic ---------------------------------------------------------------------


def _check_boolean(value: Any) -> None:
    if value is not None and not isinstance(value, bool):
        raise TypeError(f"{value!r} used as a boolean")


def _and(left: Any, right: Any) -> bool | None:
    _check_boolean(left)
    _check_boolean(right)
    if left is False or right is False:
        return False
    if left is None or right is None:
        return None
    return True


def _or(left: Any, right: Any) -> bool | None:
    _check_boolean(left)
    _check_boolean(right)
    if left is True or right is True:
        return True
    if left is None or right is None:
        return None
    return False


def _not(value: Any) -> bool | None:
    _check_boolean(value)
    return None if value is None else not value


def _is(node: exp.Is, row: Row) -> bool:
    value = evaluate(node.this, row)
    target = node.expression
    if isinstance(target, exp.Null):
        return value is None
    if isinstance(target, exp.Boolean):  # IS TRUE / IS FALSE never give NULL
        _check_boolean(value)
        return value is bool(target.this)
    raise NotImplementedError(f"IS {target.sql()}")


# --- comparisons ----------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    """Bring two non-NULL values to one type, as the warehouse's implicit casts would.

    A string against a number is compared as numbers (``properties.n = 5`` reads the text
    ``'5'`` and casts it); a string against a timestamp is parsed as a timestamp.
    """
    if isinstance(left, bool) and isinstance(right, bool):
        return left, right
    if isinstance(left, bool) or isinstance(right, bool):
        raise TypeError(f"cannot compare {left!r} with {right!r}")
    if _is_number(left) and _is_number(right):
        return left, right
    if isinstance(left, str) and isinstance(right, str):
        return left, right
    if isinstance(left, str) and _is_number(right):
        return float(left), float(right)  # a non-numeric text is a conversion error
    if _is_number(left) and isinstance(right, str):
        return float(left), float(right)
    if isinstance(left, datetime) and isinstance(right, datetime):
        return left, right
    if isinstance(left, datetime) and isinstance(right, str):
        return left, datetime.fromisoformat(right)
    if isinstance(left, str) and isinstance(right, datetime):
        return datetime.fromisoformat(left), right
    raise TypeError(f"cannot compare {left!r} with {right!r}")


def compare(op: type[exp.Expression], left: Any, right: Any) -> bool | None:
    """``left <op> right``; NULL when either side is NULL."""
    if left is None or right is None:
        return None
    left, right = _comparable(left, right)
    if op is exp.EQ:
        return left == right
    if op is exp.NEQ:
        return left != right
    if op is exp.GT:
        return left > right
    if op is exp.GTE:
        return left >= right
    if op is exp.LT:
        return left < right
    if op is exp.LTE:
        return left <= right
    raise NotImplementedError(op.__name__)


def _in(value: Any, options: list[Any]) -> bool | None:
    """``value IN (options)``: true on a match, else NULL if anything was NULL, else false."""
    if value is None:
        return None
    result: bool | None = False
    for option in options:
        equal = compare(exp.EQ, value, option)
        if equal is True:
            return True
        if equal is None:
            result = None
    return result


def _like(value: Any, pattern: Any, case_insensitive: bool) -> bool | None:
    """SQL LIKE: ``%`` any run, ``_`` one character, the whole string must match."""
    if value is None or pattern is None:
        return None
    regex = "".join(
        ".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in str(pattern)
    )
    flags = re.DOTALL | (re.IGNORECASE if case_insensitive else 0)
    return re.fullmatch(regex, str(value), flags) is not None


def _arithmetic(node: exp.Expression, left: Any, right: Any) -> Any:
    if left is None or right is None:
        return None
    add = isinstance(node, exp.Add)
    if isinstance(left, datetime) and isinstance(right, timedelta):
        return left + right if add else left - right
    if add and isinstance(left, timedelta) and isinstance(right, datetime):
        return right + left
    if _is_number(left) and _is_number(right):
        return left + right if add else left - right
    raise NotImplementedError(f"{type(node).__name__} of {left!r} and {right!r}")


def _case(node: exp.Case, row: Row) -> Any:
    operand = node.this
    operand_value = evaluate(operand, row) if operand is not None else None
    for branch in node.args.get("ifs") or []:
        if operand is None:
            matched = truth(evaluate(branch.this, row))
        else:
            matched = compare(exp.EQ, operand_value, evaluate(branch.this, row)) is True
        if matched:
            return evaluate(branch.args["true"], row)
    default = node.args.get("default")
    return evaluate(default, row) if default is not None else None


# --- output formats -------------------------------------------------------------------------


def json_value(value: Any) -> Any:
    """A payload value: JSON-compatible; timestamps as ``YYYY-MM-DD HH:MM:SS``."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    raise NotImplementedError(f"payload value of type {type(value).__name__}")


def text_value(value: Any) -> str | None:
    """A ``profile_updates.value``: text; NULL stays NULL; booleans ``true``/``false``."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (int, float, str)):
        return str(value)
    raise NotImplementedError(f"profile update value of type {type(value).__name__}")
