"""Spec expressions bound to the compiler's relations.

:mod:`journeys.spec.conditions` checks the user's text and returns trees over bare names;
here those names become columns of the relations the compiled queries read: profile
columns of ``stg_profiles`` (alias ``p``), event columns of ``stg_events`` (alias ``v``,
with ``properties.<key>`` extracted from JSON), and ``run_at`` the tick clock (``c.run_at``).
"""

from __future__ import annotations

from sqlglot import exp

from journeys.compiler import dialect
from journeys.spec.conditions import Scope, bind_expression, parse_expression

EVENT_COLUMNS = frozenset({"event", "occurred_at", "member_id"})
EVENT_SCOPE = Scope(columns=EVENT_COLUMNS, properties=True, input_name="events")


def clock_column() -> exp.Expression:
    """The tick clock inside compiled queries (every query cross-joins ``clock`` as ``c``)."""
    return exp.column("run_at", table="c")


def profile_scope(columns: frozenset[str]) -> Scope:
    return Scope(columns=columns, properties=False, input_name="profiles")


def profile_expression(
    text: str, columns: frozenset[str], *, table: str = "p", boolean: bool = True
) -> exp.Expression:
    """A condition or value over profile columns, bound to ``<table>.<column>``."""
    tree = parse_expression(text, profile_scope(columns), boolean=boolean)
    return bind_expression(
        tree,
        column=lambda name: exp.column(name, table=table, quoted=True),
        run_at=clock_column(),
    )


def profile_condition(text: str, columns: frozenset[str], *, table: str = "p") -> exp.Expression:
    """A profile condition where null counts as false (C4: "null is false")."""
    return exp.func("coalesce", exp.Paren(this=profile_expression(text, columns, table=table)),
                    exp.false())


def event_condition(name: str, where: str | None, *, table: str = "v") -> exp.Expression:
    """``event = name and <where>`` over ``stg_events``, null counting as false."""
    match: exp.Expression = exp.EQ(
        this=exp.column("event", table=table), expression=exp.Literal.string(name)
    )
    if where:
        tree = parse_expression(where, EVENT_SCOPE)
        bound = bind_expression(
            tree,
            column=lambda col: exp.column(col, table=table),
            run_at=clock_column(),
            prop=lambda key: dialect.json_text(exp.column("properties", table=table), key),
        )
        bound = bound.transform(_numeric_properties)
        match = exp.and_(match, exp.func("coalesce", exp.Paren(this=bound), exp.false()))
    return match


_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


def _is_number(node: exp.Expression) -> bool:
    return isinstance(node, exp.Literal) and not node.is_string or (
        isinstance(node, exp.Neg) and _is_number(node.this))


def _numeric_properties(node: exp.Expression) -> exp.Expression:
    """``properties.n > 5``: JSON text compared with a number is compared as a number."""
    if isinstance(node, _COMPARISONS):
        left, right = node.this, node.expression
        if isinstance(left, exp.JSONExtractScalar) and _is_number(right):
            node.set("this", dialect.to_number(left.copy()))
        elif isinstance(right, exp.JSONExtractScalar) and _is_number(left):
            node.set("expression", dialect.to_number(right.copy()))
    return node


def uses_clock(expression: exp.Expression) -> bool:
    """Whether a bound expression reads the tick clock (``run_at``)."""
    return any(c.name == "run_at" and c.table == "c" for c in expression.find_all(exp.Column))


def at_clock(expression: exp.Expression, clock: exp.Expression) -> exp.Expression:
    """``expression`` with the tick clock replaced by ``clock``: a condition evaluated at
    each clock of a run, or a payload at the clock of the tick that took its step."""

    def swap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and node.name == "run_at" and node.table == "c":
            return clock.copy()
        return node

    return expression.copy().transform(swap)
