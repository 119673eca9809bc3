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
from typing import Any

from sqlglot import exp

from journeys.compiler.collector import collector_paused
from journeys.compiler.dialect import incremental_config, keeps_log, read_latest, to_sql
from journeys.compiler.plan import ModelPlan
from journeys.warehouse.relations import (
    OUTPUT_SCHEMA,
    is_clock_input,
    log_tables,
    placeholder,
    source_schema,
)
from journeys.warehouse.sessions import CLOCKS, DuckDBSession, Session
from journeys.warehouse.setup import ensure_delivery_log, ensure_inputs
from journeys.warehouse.tables import empty_log
from journeys.warehouse.transactions import rollback_quietly


@dataclass(frozen=True)
class TickTiming:
    """How long a run took, in total and per model (for profiling and journey_ticks)."""

    run_at: datetime
    """The run's last clock."""
    total_ms: int
    per_model_ms: dict[str, float]


class InProcessEngine:
    """Executes plans against one engine session (a DuckDB connection is wrapped)."""

    def __init__(self, con: Any, plans: list[ModelPlan],
                 generations: dict[str, tuple[ModelPlan, ModelPlan]] | None = None) -> None:
        self.session: Session = con if hasattr(con, "dialect") else DuckDBSession(con)
        self.dialect = self.session.dialect
        self.plans = plans
        self.generations = {f"{j}__advance_new": pair for j, pair in (generations or {}).items()}
        self.by_name = {p.name: p for p in plans}
        for pair in self.generations.values():
            self.by_name.update({p.name: p for p in pair})
        self.logged = {n: p for n, p in self.by_name.items() if keeps_log(p, self.dialect)}
        self._cache: dict[tuple, str] = {}
        self._known: set[tuple[str, str]] = set()
        self._kinds: dict[str, str] = {}
        ensure_inputs(self.session)
        for schema in sorted({p.schema for p in plans}):
            self.session.create_schema(schema)
        if any(log_tables(p.query) for p in plans if p.materialized == "view"):
            ensure_delivery_log(self.session)

    def _exists(self, schema: str, name: str) -> bool:
        if (schema, name) in self._known:
            return True
        if self.session.relation_kind(schema, name) is not None:
            self._known.add((schema, name))
            return True
        return False

    def external_models(self) -> list[str]:
        """The user's dbt models the plans read (audiences, the suppression list): the
        in-process executor cannot run their Jinja, so dbt builds them."""
        return sorted({name for plan in self.plans for name in plan.dependencies()[0]
                       if name not in self.by_name})

    def missing_external(self) -> list[str]:
        """External models absent, or present but unreadable: dbt-duckdb's views name the
        database file, so a copied or renamed warehouse holds views that no longer work."""
        missing = []
        for name in self.external_models():
            schema = self.session.find_schema(name)
            try:
                if schema is not None:
                    self.session.query(f"select * from {schema}.{name} limit 0")
                    continue
            except Exception:  # noqa: BLE001 - any engine's error: it is unreadable
                pass
            missing.append(name)
        return missing

    def _external(self, name: str) -> exp.Table:
        """A ref to a model this compiler did not generate (a user's audience model)."""
        schema = self.session.find_schema(name)
        if schema is None:
            raise LookupError(
                f"dbt model '{name}' is not in the warehouse: build it once with dbt "
                f"(`journeys run` does, or `dbt run --select +{name}`) before simulating "
                "in-process")
        return exp.Table(this=exp.to_identifier(name), db=exp.to_identifier(schema))

    def render(self, plan: ModelPlan) -> str:
        """The plan's query as the engine's SQL with real tables; the clocks come from a
        table.

        Rendering a tree costs more than running a small tick, so the SQL is cached; it only
        changes when a prior table comes into existence (after the first tick).
        """
        priors = tuple(sorted(self._exists(self.by_name[n].schema, n)
                              for n in plan.dependencies()[1] if n in self.by_name))
        logs = tuple(self._exists(OUTPUT_SCHEMA, n) for n in sorted(log_tables(plan.query)))
        key = (plan.name, priors, logs)
        if key not in self._cache:
            self._cache[key] = self._render(plan)
        return self._cache[key]

    def _render(self, plan: ModelPlan) -> str:
        logged = {n: p for n, p in self.logged.items() if self._exists(p.schema, n)}

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
                table = exp.Table(this=exp.to_identifier(name),
                                  db=exp.to_identifier(source_schema(name)))
            elif kind == "log":
                if not self._exists(OUTPUT_SCHEMA, name):
                    return exp.Subquery(this=empty_log(name), alias=alias.copy() if alias
                                        else exp.TableAlias(this=exp.to_identifier(name)))
                table = exp.Table(this=exp.to_identifier(name), db=exp.to_identifier(OUTPUT_SCHEMA))
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

        with collector_paused():
            tree = read_latest(plan.query, logged).transform(resolve)
            return to_sql(tree, self.dialect)

    def _materialize(self, plan: ModelPlan, sql: str) -> None:
        kind = self._kind(plan)
        wanted = "view" if plan.materialized == "view" else "table"
        if kind and kind != wanted:
            # the materialization changed since the last tick (a recompile): start over
            self.session.drop(plan.schema, plan.name, kind)
            self._known.discard((plan.schema, plan.name))
        if plan.materialized == "view":
            self.session.replace_view(plan.schema, plan.name, sql)
        elif plan.materialized == "table" or not self._exists(plan.schema, plan.name):
            partitions = self._partitions(plan) if plan.materialized == "incremental" else ()
            self.session.replace_table(plan.schema, plan.name, sql, partitions)
        else:
            self.session.replace_rows(plan, sql)

    def _partitions(self, plan: ModelPlan) -> tuple[str, ...]:
        """The partition columns of an incremental table on this engine (Spark's only)."""
        return tuple(incremental_config(plan, self.dialect).get("partition_by", ()))  # type: ignore[arg-type]

    def _kind(self, plan: ModelPlan) -> str | None:
        if plan.name in self._kinds:
            return self._kinds[plan.name]
        kind = self.session.relation_kind(plan.schema, plan.name)
        self._kinds[plan.name] = "view" if plan.materialized == "view" else "table"
        return kind

    def _is_empty(self, name: str) -> bool:
        target = self.by_name[name]
        if not self._exists(target.schema, name):
            return True
        _, rows = self.session.query(f"select count(*) from {target.schema}.{name}")
        return not (rows and rows[0][0])

    def tick(self, run_at: datetime) -> TickTiming:
        """One tick of every journey at ``run_at``, all or nothing."""
        return self.run([run_at])

    def run(self, clocks: list[datetime]) -> TickTiming:
        """The ticks at ``clocks`` (ascending) of every journey, as one batch: all or
        nothing. Each tick's ``journey_ticks.duration_ms`` is its share of the batch."""
        clocks = sorted(set(clocks))
        started = time.perf_counter()
        per_model: dict[str, float] = {}
        self.session.begin()
        try:
            self.session.set_clocks(clocks)
            for plan in self.plans:
                if plan.per_clock and len(clocks) > 1:
                    continue
                self._run_plan(plan, per_model)
                if len(clocks) > 1 and plan.name in self.generations:
                    self._generations(plan.name, *self.generations[plan.name], per_model)
            if len(clocks) > 1:  # each clock sees what the one before decided
                for clock in clocks:
                    self.session.set_clocks([clock])
                    for plan in self.plans:
                        if plan.per_clock:
                            self._run_plan(plan, per_model)
            total = int((time.perf_counter() - started) * 1000)
            if self.dialect != "spark":  # no row updates on parquet: duration_ms stays null
                self.session.execute(
                    "update journeys.journey_ticks set duration_ms = ? where tick_at >= ? and "
                    "tick_at <= ? and duration_ms is null",
                    [total // len(clocks), clocks[0], clocks[-1]])
            self.session.commit()
        except BaseException:
            rollback_quietly(lambda _: self.session.rollback())  # keep the cause (a full disk)
            raise
        return TickTiming(run_at=clocks[-1], total_ms=total, per_model_ms=per_model)

    def _run_plan(self, plan: ModelPlan, per_model: dict[str, float]) -> None:
        t0 = time.perf_counter()
        if plan.empty_unless and self._is_empty(plan.empty_unless):
            self._materialize(plan, to_sql(plan.empty_query(), self.dialect))
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
                self.session.execute(f"insert into {target.schema}.{target.name} ({cols}) "
                                     f"select {cols} from {source.schema}.{source.name}")
