"""What the compiler produces: a list of model plans, before anything is written.

Plan, then write (STYLE.md): a :class:`ModelPlan` is one dbt model as data — its query tree,
materialization, tests and docs. The dbt renderer and the in-process executor both consume
the same plans, so what dbt runs and what ``journeys simulate`` runs cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sqlglot import exp

from journeys.compiler import dialect
from journeys.warehouse.relations import placeholder

Materialization = Literal["table", "view", "incremental"]


@dataclass(frozen=True)
class ColumnDoc:
    """A column of a model: its SQL type, description and dbt tests."""

    name: str
    type: str
    description: str = ""
    not_null: bool = False
    accepted_values: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelPlan:
    """One model: where it lives, how it is materialized, what it computes and guarantees.

    Attributes:
        name: the dbt model name (unique in the project).
        schema: the warehouse schema it is built in.
        folder: its folder under ``dbt_project/models``.
        materialized: table, view or incremental (delete+insert on ``unique_key``).
        query: the select, with placeholder tables (see :mod:`journeys.warehouse.relations`).
        columns: the output columns in order.
        unique_key: the delete+insert key of an incremental model.
        unique_combination: columns that are unique together (a dbt test).
        description: what the model is, for dbt docs.
        group: the journey id (or ``outputs``/``staging``): Dagster groups assets by it.
    """

    name: str
    schema: str
    folder: str
    materialized: Materialization
    query: exp.Query
    columns: tuple[ColumnDoc, ...]
    unique_key: tuple[str, ...] = ()
    unique_combination: tuple[str, ...] = ()
    description: str = ""
    group: str = ""
    empty_unless: str = ""
    """A table (as it stands when this model runs) whose emptiness implies this one's:
    executors may then skip the query."""
    meta: dict[str, str] = field(default_factory=dict)
    tested_in: str = ""
    """The model whose tests cover this one's rows (a journey's part of a union output):
    testing both would only double a tick's test time."""
    test_clock: str = ""
    """The clock column of an append-only model: its tests look at the rows of this tick
    only, so their cost does not grow with history."""
    per_clock: bool = False
    """Whether a batch of clocks runs this model once per clock, after the others: its
    result at a clock depends on its own result at the clock before (governance: what it
    deferred, what it released inside a cap window), which one set-based query over the
    batch cannot see."""

    def dependencies(self) -> tuple[set[str], set[str], set[str]]:
        """(refs, priors, sources) read by the query."""
        refs, priors, sources = set(), set(), set()
        for table in self.query.find_all(exp.Table):
            found = placeholder(table)
            if found:
                {"ref": refs, "part": refs, "prior": priors, "source": sources,
                 "log": set()}[found[0]].add(found[1])
        return refs, priors, sources

    def empty_query(self) -> exp.Query:
        """A zero-row select with this model's columns and types (before the first tick)."""
        return empty_relation(self.columns)


def empty_relation(columns: tuple[ColumnDoc, ...]) -> exp.Query:
    """``select cast(null as <type>) as <column>, … where false``: a typed relation of no
    rows (a model with nothing to union, a table read before it exists)."""
    return exp.select(
        *[exp.alias_(dialect.typed_null(c.type), c.name) for c in columns]
    ).where(exp.false())


def topological(plans: list[ModelPlan]) -> list[ModelPlan]:
    """Plans in an order where every ref is built before its readers (priors excluded)."""
    by_name = {p.name: p for p in plans}
    ordered: list[ModelPlan] = []
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(name: str) -> None:
        if name in done or name not in by_name:
            return
        if name in visiting:
            raise ValueError(f"model dependency cycle through '{name}'")
        visiting.add(name)
        for dep in sorted(by_name[name].dependencies()[0]):
            visit(dep)
        visiting.discard(name)
        done.add(name)
        ordered.append(by_name[name])

    for plan in plans:
        visit(plan.name)
    return ordered
