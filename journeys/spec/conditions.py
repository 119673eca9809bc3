"""Spec expressions: parsed by sqlglot, checked against an allowlist, returned as trees.

A condition (``onboarding_completed``), an event filter (``properties.plan = 'free'``) or a
value (``fields``, ``body``, ``set``) is user text that ends up inside warehouse SQL. It only
ever gets there as a sqlglot tree that passed :func:`parse_expression`: one expression, made
of allowlisted node types and pure functions, over the columns of the input it runs on. The
compiler then binds the columns (:func:`bind_expression`) and regenerates SQL from the tree,
so no spec text is ever pasted into SQL.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from journeys import limits
from journeys.limits import too_deep

SOURCE_DIALECT = "duckdb"
"""Spec expressions are written in DuckDB-flavoured standard SQL; targets are transpiled."""

RUN_AT = "run_at"
PROPERTIES = "properties"

_ALLOWED_NODES: tuple[type[exp.Expression], ...] = (
    exp.Column, exp.Identifier, exp.Literal, exp.Boolean, exp.Null, exp.Paren, exp.Tuple,
    exp.And, exp.Or, exp.Not, exp.Xor,
    exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.NullSafeNEQ,
    exp.Is, exp.In, exp.Between, exp.Like, exp.ILike,
    exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.Neg, exp.DPipe,
    exp.Case, exp.If, exp.Cast, exp.TryCast, exp.DataType, exp.Interval, exp.Var,
)

_ALLOWED_FUNCTIONS: dict[type[exp.Expression], str] = {
    exp.Lower: "lower", exp.Upper: "upper", exp.Coalesce: "coalesce", exp.Nullif: "nullif",
    exp.TimestampTrunc: "date_trunc", exp.DateTrunc: "date_trunc", exp.Abs: "abs",
    exp.Length: "length", exp.Trim: "trim", exp.Concat: "concat", exp.Substring: "substring",
    exp.Round: "round", exp.Floor: "floor", exp.Ceil: "ceil", exp.Greatest: "greatest",
    exp.Least: "least", exp.Extract: "extract", exp.Year: "year", exp.Month: "month",
    exp.Day: "day", exp.StartsWith: "starts_with",
}
ALLOWED_FUNCTION_NAMES = sorted(set(_ALLOWED_FUNCTIONS.values()))

_CLOCK_FUNCTIONS = (exp.CurrentDate, exp.CurrentTimestamp, exp.CurrentTime, exp.CurrentDatetime)
_CLOCK_NAMES = {"now", "current_date", "current_timestamp", "today", "get_current_timestamp",
                "localtimestamp", "localtime", "sysdate", "getdate", "transaction_timestamp"}


class ConditionError(ValueError):
    """A spec expression that may not run; the message says what to write instead."""


@dataclass(frozen=True)
class Scope:
    """What an expression may refer to.

    Attributes:
        columns: column names of the input it runs on (profiles, or event columns).
        properties: whether ``properties.<key>`` (event properties) is allowed.
        input_name: how the input is named in messages (``profiles``, ``events``).
    """

    columns: frozenset[str]
    properties: bool = False
    input_name: str = "profiles"


def parse_expression(text: str, scope: Scope, *, boolean: bool = True) -> exp.Expression:
    """Parse one spec expression and check it; return the tree.

    Args:
        text: the expression as written in the spec.
        scope: the columns it may use.
        boolean: whether it is a condition (a bare literal is then refused).

    Raises:
        ConditionError: with a message that names the offending part and a way out.

    Example:
        >>> scope = Scope(columns=frozenset({"plan"}))
        >>> parse_expression("plan = 'free'", scope).sql()
        "plan = 'free'"
    """
    if not isinstance(text, str) or not text.strip():
        raise ConditionError("is empty: write a SQL expression")
    _check_size(text)
    try:
        statements = [s for s in sqlglot.parse(text, dialect=SOURCE_DIALECT) if s is not None]
    except ParseError as err:
        first = err.errors[0]["description"] if err.errors else str(err)
        raise ConditionError(f"is not a valid SQL expression ({first})") from None
    except TokenError:
        raise ConditionError("is not a valid SQL expression (a quote or a comment is not "
                             "closed)") from None
    except RecursionError:  # not expected within the limits; never a traceback
        raise ConditionError(too_deep(limits.expression_nesting(text))) from None
    if len(statements) != 1:
        raise ConditionError(
            "must be one expression: statements (';', drop, select …) are not allowed"
        )
    tree = statements[0]
    depth = limits.tree_depth(tree)
    if depth > limits.MAX_EXPRESSION_DEPTH:
        raise ConditionError(too_deep(depth))
    if isinstance(tree, (exp.Select, exp.Union, exp.Query)) or tree.find(exp.Query):
        raise ConditionError("must not contain a query: subqueries and SELECT are not allowed")
    if not isinstance(tree, exp.Condition) and not isinstance(tree, exp.Func):
        raise ConditionError(
            f"must be an expression, not a {type(tree).__name__.upper()} statement"
        )
    for node in tree.walk():
        _check_node(node, scope)
    if boolean and isinstance(tree, exp.Literal):
        raise ConditionError("is a constant: a condition must refer to a column")
    return tree


def _check_size(text: str) -> None:
    """Length and nesting, on the raw text: before sqlglot's recursive parser sees it (3,000
    parentheses would exhaust the stack there). Lone surrogates are reported with every
    other text of the spec (:func:`journeys.limits.text_problems`)."""
    if len(text) > limits.MAX_EXPRESSION_LENGTH:
        raise ConditionError(f"is {len(text):,} characters long: at most "
                             f"{limits.MAX_EXPRESSION_LENGTH:,}; split it over tiles, or use "
                             "IN (…) for a list of values")
    nesting = limits.expression_nesting(text)
    if nesting > limits.MAX_EXPRESSION_DEPTH:
        raise ConditionError(too_deep(nesting))


def _check_node(node: exp.Expression, scope: Scope) -> None:
    if isinstance(node, _CLOCK_FUNCTIONS) or (
        isinstance(node, exp.Anonymous) and node.name.lower() in _CLOCK_NAMES
    ):
        raise ConditionError(
            f"uses the machine's clock ({node.sql(SOURCE_DIALECT)}): use 'run_at', the tick clock, "
            "so that results are deterministic"
        )
    if isinstance(node, exp.Column):
        _check_column(node, scope)
        return
    if isinstance(node, (exp.Star, exp.Subquery, exp.Query)):
        raise ConditionError("must not contain a query: subqueries and SELECT are not allowed")
    if isinstance(node, _ALLOWED_NODES) or type(node) in _ALLOWED_FUNCTIONS:
        return
    if isinstance(node, exp.Func):
        name = node.sql_name().lower() if not isinstance(node, exp.Anonymous) else node.name
        raise ConditionError(
            f"calls '{name.lower()}', which is not an allowed function "
            f"(allowed: {', '.join(ALLOWED_FUNCTION_NAMES)})"
        )
    raise ConditionError(f"uses '{node.sql(SOURCE_DIALECT)}', which is not allowed in a condition")


def _check_column(node: exp.Column, scope: Scope) -> None:
    parts = [p.name for p in node.parts]
    if len(parts) == 2 and parts[0].lower() == PROPERTIES:
        if not scope.properties:
            raise ConditionError(
                f"uses '{node.sql()}': properties.<key> is only available in event filters"
            )
        return
    if len(parts) != 1:
        raise ConditionError(
            f"uses '{node.sql()}': refer to columns by their bare name"
            + (" or properties.<key>" if scope.properties else "")
        )
    name = parts[0]
    if name.lower() == RUN_AT or name in scope.columns:
        return
    hint = difflib.get_close_matches(name, sorted(scope.columns | {RUN_AT}), n=1)
    extra = f" (did you mean '{hint[0]}'?)" if hint else ""
    where = "event filters can use properties.<key>, " if scope.properties else ""
    raise ConditionError(
        f"uses unknown column '{name}' of {scope.input_name}{extra}; "
        f"{where}columns are: {', '.join(sorted(scope.columns)) or '(none)'}"
    )


def columns_used(tree: exp.Expression) -> set[str]:
    """Bare column names an expression reads (``run_at`` and properties excluded)."""
    used = set()
    for col in tree.find_all(exp.Column):
        parts = [p.name for p in col.parts]
        if len(parts) == 1 and parts[0].lower() != RUN_AT:
            used.add(parts[0])
    return used


def property_keys(tree: exp.Expression) -> set[str]:
    """Keys of ``properties.<key>`` an expression reads."""
    keys = set()
    for col in tree.find_all(exp.Column):
        parts = [p.name for p in col.parts]
        if len(parts) == 2 and parts[0].lower() == PROPERTIES:
            keys.add(parts[1])
    return keys


def bind_expression(
    tree: exp.Expression,
    column: Callable[[str], exp.Expression],
    run_at: exp.Expression,
    prop: Callable[[str], exp.Expression] | None = None,
) -> exp.Expression:
    """Replace the names in a checked tree by the compiler's expressions.

    Args:
        tree: a tree returned by :func:`parse_expression`.
        column: maps a bare column name to the expression that reads it (e.g. ``p.plan``).
        run_at: the tick clock expression.
        prop: maps a property key to the expression that extracts it from the event.
    """

    def _bind(node: exp.Expression) -> exp.Expression:
        if not isinstance(node, exp.Column):
            return node
        parts = [p.name for p in node.parts]
        if len(parts) == 2 and parts[0].lower() == PROPERTIES and prop is not None:
            return prop(parts[1])
        if len(parts) == 1 and parts[0].lower() == RUN_AT:
            return run_at.copy()
        return column(parts[0])

    return tree.copy().transform(_bind)
