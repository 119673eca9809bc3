"""Runs compiled model plans directly on a DuckDB connection, one transaction per run.

dbt costs seconds of start-up per invocation; a backtest of 720 hourly ticks cannot pay
that each time. This executor runs the very same plans dbt runs (same trees, same
materializations: table, view, incremental delete+insert), in-process and atomically: a
run that fails is rolled back whole. A test checks it gives the same tables as dbt.

A run may hold several clocks (a batch): the plans then compute every tick of the batch at
once, each row labelled with the clock of the tick that would have written it, and the
result equals running the ticks one by one (docs/semantics.md §9; a test checks it). A
large query costs tens of milliseconds to plan whatever its input, so a month of hourly
ticks runs in batches, not 720 times over.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

import duckdb
from sqlglot import exp

from journeys.compiler.plan import ModelPlan
from journeys.compiler.relations import SOURCE_SCHEMA, is_clock_input, placeholder
from journeys.warehouse import table_exists

CLOCKS = "__journeys_clocks"
"""Temporary table of the clocks of the current run (the compiled clock input)."""
INPUT_DDL = {
    "manual_entries": "journey_id varchar, member_id varchar, requested_at timestamp",
    "manual_removals": "journey_id varchar, member_id varchar, requested_at timestamp",
}


@dataclass(frozen=True)
class TickTiming:
    """How long a run took, in total and per model (for profiling and journey_ticks)."""

    run_at: datetime
    """The run's last clock."""
    total_ms: int
    per_model_ms: dict[str, float]


def ensure_inputs(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tool-owned inputs (C3: manual entries/removals) when missing."""
    for table, ddl in INPUT_DDL.items():
        con.execute(f"create table if not exists {SOURCE_SCHEMA}.{table} ({ddl})")


class InProcessEngine:
    """Executes plans against one DuckDB connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection, plans: list[ModelPlan],
                 generations: dict[str, tuple[ModelPlan, ModelPlan]] | None = None) -> None:
        self.con = con
        self.plans = plans
        self.generations = {f"{j}__advance_new": pair for j, pair in (generations or {}).items()}
        self.by_name = {p.name: p for p in plans}
        for pair in self.generations.values():
            self.by_name.update({p.name: p for p in pair})
        self._cache: dict[tuple, str] = {}
        self._known: set[tuple[str, str]] = set()
        self._kinds: dict[str, str] = {}
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"create temp table if not exists {CLOCKS} (run_at timestamp)")
        ensure_inputs(con)
        for schema in sorted({p.schema for p in plans}):
            con.execute(f"create schema if not exists {schema}")

    def _exists(self, schema: str, name: str) -> bool:
        if (schema, name) in self._known:
            return True
        if table_exists(self.con, schema, name):
            self._known.add((schema, name))
            return True
        return False

    def _external(self, name: str) -> exp.Table:
        """A ref to a model this compiler did not generate (a user's audience model)."""
        row = self.con.execute(
            "select table_schema from information_schema.tables where table_name = ? "
            "order by table_schema limit 1", [name]).fetchone()
        if row is None:
            raise LookupError(
                f"audience model '{name}' is not in the warehouse: build it once with dbt "
                "(`journeys run` does) before simulating in-process")
        return exp.Table(this=exp.to_identifier(name), db=exp.to_identifier(row[0]))

    def render(self, plan: ModelPlan) -> str:
        """The plan's query as DuckDB SQL with real tables; the clocks come from a table.

        Rendering a tree costs more than running a small tick, so the SQL is cached; it only
        changes when a prior table comes into existence (after the first tick).
        """
        priors = tuple(sorted(self._exists(self.by_name[n].schema, n)
                              for n in plan.dependencies()[1] if n in self.by_name))
        key = (plan.name, priors)
        if key not in self._cache:
            self._cache[key] = self._render(plan)
        return self._cache[key]

    def _render(self, plan: ModelPlan) -> str:

        def resolve(node: exp.Expression) -> exp.Expression:
            if is_clock_input(node):
                return exp.select("run_at").from_(CLOCKS)
            if not isinstance(node, exp.Table):
                return node
            found = placeholder(node)
            if found is None:
                return node
            kind, name = found
            alias = node.args.get("alias")
            if kind == "source":
                table = exp.Table(this=exp.to_identifier(name), db=exp.to_identifier(SOURCE_SCHEMA))
            elif name not in self.by_name:
                table = self._external(name)
            else:
                target = self.by_name[name]
                if kind == "prior" and not self._exists(target.schema, name):
                    return exp.Subquery(this=target.empty_query(),
                                        alias=alias.copy() if alias else exp.TableAlias(
                                            this=exp.to_identifier(name)))
                table = exp.Table(this=exp.to_identifier(name),
                                  db=exp.to_identifier(target.schema))
            if alias is not None:
                table.set("alias", alias.copy())
            return table

        return plan.query.transform(resolve).sql(dialect="duckdb")

    def _materialize(self, plan: ModelPlan, sql: str) -> None:
        target = f"{plan.schema}.{plan.name}"
        kind = self._kind(plan)
        if kind and kind != ("VIEW" if plan.materialized == "view" else "BASE TABLE"):
            # the materialization changed since the last tick (a recompile): start over
            self.con.execute(f"drop {'view' if kind == 'VIEW' else 'table'} {target}")
        if plan.materialized == "view":
            self.con.execute(f"create or replace view {target} as {sql}")
        elif plan.materialized == "table" or not self._exists(plan.schema, plan.name):
            self.con.execute(f"create or replace table {target} as {sql}")
        else:
            keys = ", ".join(plan.unique_key)
            cols = ", ".join(c.name for c in plan.columns)
            self.con.execute(f"create or replace temp table __journeys_new as {sql}")
            self.con.execute(f"delete from {target} where {self._since(plan)}({keys}) in "
                             f"(select ({keys}) from __journeys_new)")
            self.con.execute(f"insert into {target} ({cols}) select {cols} from __journeys_new")
            self.con.execute("drop table __journeys_new")

    def _since(self, plan: ModelPlan) -> str:
        """A constant lower bound on the key's clock column (``tick_at``, ``updated_tick_at``)
        for the delete of a tick-keyed output, so that DuckDB skips the row groups of past
        ticks instead of scanning all history."""
        types = {c.name: c.type for c in plan.columns}
        clock = next((k for k in plan.unique_key if types.get(k) == "timestamp"), None)
        if clock is None:
            return ""
        row = self.con.execute(f"select min({clock}) from __journeys_new").fetchone()
        if not row or row[0] is None:
            return ""
        return f"{clock} >= timestamp '{row[0].isoformat(sep=' ')}' and "

    def _kind(self, plan: ModelPlan) -> str | None:
        if plan.name in self._kinds:
            return self._kinds[plan.name]
        row = self.con.execute(
            "select table_type from information_schema.tables where table_schema = ? "
            "and table_name = ?", [plan.schema, plan.name]).fetchone()
        self._kinds[plan.name] = "VIEW" if plan.materialized == "view" else "BASE TABLE"
        return row[0] if row else None

    def _is_empty(self, name: str) -> bool:
        target = self.by_name[name]
        if not self._exists(target.schema, name):
            return True
        row = self.con.execute(f"select count(*) from {target.schema}.{name}").fetchone()
        return not (row and row[0])

    def tick(self, run_at: datetime) -> TickTiming:
        """One tick of every journey at ``run_at``, all or nothing."""
        return self.run([run_at])

    def run(self, clocks: list[datetime]) -> TickTiming:
        """The ticks at ``clocks`` (ascending) of every journey, as one batch: all or
        nothing. Each tick's ``journey_ticks.duration_ms`` is its share of the batch."""
        clocks = sorted(set(clocks))
        started = time.perf_counter()
        per_model: dict[str, float] = {}
        self.con.execute("begin transaction")
        try:
            self.con.execute(f"delete from {CLOCKS}")
            self.con.executemany(f"insert into {CLOCKS} values (?)", [[c] for c in clocks])
            for plan in self.plans:
                self._run_plan(plan, per_model)
                if len(clocks) > 1 and plan.name in self.generations:
                    self._generations(plan.name, *self.generations[plan.name], per_model)
            total = int((time.perf_counter() - started) * 1000)
            self.con.execute(
                "update journeys.journey_ticks set duration_ms = ? where tick_at >= ? and "
                "tick_at <= ? and duration_ms is null",
                [total // len(clocks), clocks[0], clocks[-1]])
            self.con.execute("commit")
        except BaseException:
            self.con.execute("rollback")
            raise
        return TickTiming(run_at=clocks[-1], total_ms=total, per_model_ms=per_model)

    def _run_plan(self, plan: ModelPlan, per_model: dict[str, float]) -> None:
        t0 = time.perf_counter()
        if plan.empty_unless and self._is_empty(plan.empty_unless):
            self._materialize(plan, plan.empty_query().sql(dialect="duckdb"))
        else:
            self._materialize(plan, self.render(plan))
        per_model[plan.name] = per_model.get(plan.name, 0.0) + (time.perf_counter() - t0) * 1000

    def _generations(self, advance_new: str, admit_next: ModelPlan, advance_next: ModelPlan,
                     per_model: dict[str, float]) -> None:
        """Re-entries within a batch: admit and advance again until nobody is admitted,
        appending each round to ``admit`` and ``advance_new`` (what the outputs read)."""
        admit = self.by_name[advance_new.replace("__advance_new", "__admit")]
        new = self.by_name[advance_new]
        while True:
            self._run_plan(admit_next, per_model)
            if self._is_empty(admit_next.name):
                return
            self._run_plan(advance_next, per_model)
            for target, source in ((admit, admit_next), (new, advance_next)):
                cols = ", ".join(c.name for c in target.columns)
                self.con.execute(f"insert into {target.schema}.{target.name} ({cols}) "
                                 f"select {cols} from {source.schema}.{source.name}")
