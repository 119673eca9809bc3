"""Run the real compiled engine (in-process) on small, hand-made worlds.

Tests describe profiles, events and manual requests as plain dicts, pick tick clocks, and
read back the C7 tables as lists of dicts, ordered canonically, ready to compare with a
hand-worked timeline or with the reference interpreter. The engine is DuckDB unless the run
selects another (``pytest --engine postgres|spark``, :mod:`tests.engines`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import duckdb

from journeys.compiler import batchable, compile_generations, compile_plans
from journeys.compiler.dialect import type_sql
from journeys.lifecycle import append_change, next_state, status_of
from journeys.lifecycle.states import Action
from journeys.spec.governance import GovernanceSpec
from journeys.spec.models import JourneySpec
from journeys.spec.yaml_loader import load_yaml
from journeys.tick.inprocess import InProcessEngine
from journeys.warehouse.sessions import DuckDBSession, Session, sql_literal
from journeys.warehouse.setup import INPUT_COLUMNS
from tests import engines

REPO = Path(__file__).resolve().parents[2]
BASE_PROFILE_COLUMNS = {"member_id": "varchar", "timezone": "varchar"}
CHANGED_AT = datetime(2100, 1, 1)
"""The wall time of lifecycle changes in tests: after every clock, as when a simulation
replays the past (a change then takes effect at the first tick after it, S3, S18)."""


def seed_spec(journey_id: str) -> JourneySpec:
    """A spec of journey_specs/ as committed."""
    text = (REPO / "journey_specs" / f"{journey_id}.yml").read_text()
    return JourneySpec.model_validate(load_yaml(text))


def spec_from_yaml(text: str) -> JourneySpec:
    return JourneySpec.model_validate(load_yaml(text))


def _sql_type(values: Iterable[object]) -> str:
    for value in values:
        if value is None:
            continue
        if isinstance(value, bool):
            return "boolean"
        if isinstance(value, int):
            return "bigint"
        if isinstance(value, float):
            return "double"
        if isinstance(value, datetime):
            return "timestamp"
        return "varchar"
    return "varchar"


@dataclass
class World:
    """Inputs of C3. Profile columns are inferred from the dicts (declare extras in
    ``columns`` to give an all-null column a type)."""

    profiles: list[dict]
    events: list[dict] = field(default_factory=list)
    manual_entries: list[dict] = field(default_factory=list)
    manual_removals: list[dict] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)

    def profile_columns(self) -> dict[str, str]:
        cols = dict(BASE_PROFILE_COLUMNS)
        names = [k for p in self.profiles for k in p]
        for name in dict.fromkeys(names):
            if name not in cols:
                cols[name] = _sql_type(p.get(name) for p in self.profiles)
        cols.update(self.columns)
        return cols

    def load(self, session: Session) -> None:
        """(Re)create the input tables of C3 with these rows."""
        tables = {
            "profiles": (self.profile_columns(), self.profiles),
            "events": ({"member_id": "varchar", "event": "varchar",
                        "occurred_at": "timestamp", "properties": "json"},
                       [{**e, "properties": None if e.get("properties") is None
                         else json.dumps(e["properties"])}
                        for e in sorted(self.events, key=lambda e: e["occurred_at"])]),
            "manual_entries": (INPUT_COLUMNS, self.manual_entries),
            "manual_removals": (INPUT_COLUMNS, self.manual_removals),
        }
        for table, (cols, rows) in tables.items():
            _create(session, table, cols, rows)


def _create(session: Session, table: str, cols: dict[str, str], rows: list[dict]) -> None:
    dialect = session.dialect
    quote = "`" if dialect == "spark" else '"'
    names = ", ".join(f"{quote}{c}{quote}" for c in cols)
    session.execute(f"drop table if exists main.{table}")
    session.execute(f"create table main.{table} ("
                    + ", ".join(f"{quote}{c}{quote} {type_sql(t, dialect)}"
                                for c, t in cols.items()) + ")")
    if not rows:
        return
    values = []
    for row in rows:
        items = []
        for c, t in cols.items():
            item = sql_literal(row.get(c), dialect)
            if t == "json" and row.get(c) is not None and dialect != "spark":
                item = f"cast({item} as json)"
            items.append(item)
        values.append("(" + ", ".join(items) + ")")
    session.execute(f"insert into main.{table} ({names}) values " + ", ".join(values))


_spark_active: Engine | None = None


class Engine:
    """The compiled engine over a world, on the selected engine (a given DuckDB connection
    wins); with ``metrics``, the metrics models too (every tick of Spark pays a second per
    model, so the suites that check steps and actions leave them out). On Spark, one catalog
    serves the whole process: creating an engine first copies the previous one's outputs
    into memory, so both can still be read."""

    def __init__(self, specs: Sequence[JourneySpec], world: World,
                 con: duckdb.DuckDBPyConnection | None = None,
                 governance: GovernanceSpec | None = None, metrics: bool = False,
                 active: bool = True) -> None:
        global _spark_active
        world = replace(world, profiles=[dict(p) for p in world.profiles])
        self.world = world
        self.backend = "duckdb" if con is not None else engines.selected()
        if self.backend == "spark" and _spark_active is not None:
            _spark_active.detach()
        self.session: Session = DuckDBSession(con) if con is not None \
            else engines.open_session(self.backend)
        self.con = getattr(self.session, "con", None)
        self._detached: dict[str, list[dict]] | None = None
        self._latest: datetime | None = None
        world.load(self.session)
        by_id = {s.id: s for s in specs}
        self.specs = by_id
        if active:  # as `journeys activate` for each journey (a new journey is a draft)
            for journey_id in by_id:
                self.change(journey_id, "activate")
        columns = frozenset(world.profile_columns())
        self.plans = compile_plans(by_id, columns, governance, metrics=metrics)
        self.batchable = batchable(by_id, columns)
        self.engine = InProcessEngine(self.session, self.plans,
                                      compile_generations(by_id, columns))
        if self.backend == "spark":
            _spark_active = self

    def change(self, journey_id: str, action: Action, at: datetime = CHANGED_AT) -> Engine:
        """A lifecycle change between ticks (S18), as `journeys <action> ID` records it at
        wall time ``at``."""
        state = status_of(self.session, journey_id).state
        append_change(self.session, journey_id, action, next_state(journey_id, state, action),
                      self.specs[journey_id].spec_version, "tests", at)
        return self

    def detach(self) -> None:
        """Keep the output tables in memory (the Spark catalog is about to be reset)."""
        self._detached = {t: self._read(f"select * from journeys.{t}")
                          for t in ("journey_steps", "journey_state", "due_actions",
                                    "profile_updates", "journey_ticks")}

    def update_profile(self, member_id: str, **columns: object) -> None:
        """The warehouse changes between ticks: one profile changes in place."""
        for profile in self.world.profiles:
            if profile["member_id"] == member_id:
                profile.update(columns)
        if self.backend == "spark":  # no updates of parquet rows: rewrite the table
            _create(self.session, "profiles", self.world.profile_columns(), self.world.profiles)
            return
        assignments = ", ".join(f'"{name}" = ?' for name in columns)
        self.session.execute(f"update main.profiles set {assignments} where member_id = ?",
                             [*columns.values(), member_id])

    def tick(self, *clocks: datetime) -> Engine:
        """Ticks one after another. On Spark, where every statement costs a second of
        planning, the ticks of one call run as one batch when the journeys allow it: the
        same steps, states and actions (tests/journeys/test_batched_ticks.py)."""
        if self.backend != "spark" or not self.batchable:
            for clock in clocks:
                self.engine.tick(clock)
            return self
        for batch in _ascending_batches(clocks, self._latest):
            if len(batch) > 1:
                self.engine.run(batch)
            else:
                self.engine.tick(batch[0])
            self._latest = max(self._latest or batch[-1], batch[-1])
        return self

    def run(self, *batches: Sequence[datetime]) -> Engine:
        """Ticks in batches of clocks, one run each (one by one if not batchable)."""
        for batch in batches:
            if self.batchable:
                self.engine.run(list(batch))
            else:
                self.tick(*batch)
        return self

    def rows(self, table: str, order: str) -> list[dict]:
        if self._detached is not None:
            return _ordered(self._detached[table], order)
        return _ordered(self._read(f"select * from journeys.{table}"), order)

    def _read(self, sql: str) -> list[dict]:
        names, rows = self.session.query(sql)
        out = []
        for row in rows:
            item = dict(zip(names, row, strict=True))
            if "payload" in item and isinstance(item["payload"], str):
                item["payload"] = json.loads(item["payload"])
            out.append(item)
        return out

    def steps(self) -> list[dict]:
        return self.rows("journey_steps", "journey_id, member_id, entry_seq, entered_at, "
                         "case when tile_id = '_exit' then 1 else 0 end, tile_id")

    def state(self) -> list[dict]:
        return self.rows("journey_state", "journey_id, member_id, entry_seq")

    def due_actions(self) -> list[dict]:
        return self.rows("due_actions", "journey_id, member_id, entry_seq, due_at, tile_id")

    def profile_updates(self) -> list[dict]:
        return self.rows("profile_updates", "journey_id, member_id, entry_seq, tile_id, "
                         "column_name")

    def governed(self) -> list[dict]:
        """Governance's decisions (C9), in decision order."""
        return self.rows("governed_actions", "tick_at, journey_id, member_id, tile_id")

    def ticks(self) -> list[dict]:
        return self.rows("journey_ticks", "journey_id, tick_at")

    def timeline(self, member_id: str, journey_id: str | None = None) -> list[tuple]:
        """(entry_seq, tile_id, via, entered_at, exit_reason) of a member, in order."""
        return [(s["entry_seq"], s["tile_id"], s["via"], s["entered_at"], s["exit_reason"])
                for s in self.steps()
                if s["member_id"] == member_id and journey_id in (None, s["journey_id"])]


def _ascending_batches(clocks: Sequence[datetime],
                       latest: datetime | None) -> list[list[datetime]]:
    """Runs of strictly ascending clocks, each later than every clock ticked before it; a
    clock at or before one already ticked (S1: it changes nothing) runs alone, as it would.

    >>> from datetime import datetime as d
    >>> runs = _ascending_batches([d(2026, 1, 1, h) for h in (1, 2, 2, 3, 1, 4)], None)
    >>> [[clock.hour for clock in run] for run in runs]
    [[1, 2], [2], [3], [1], [4]]
    """
    batches: list[list[datetime]] = []
    growing = False
    for clock in clocks:
        if latest is not None and clock <= latest:
            batches.append([clock])
            growing = False
            continue
        if growing:
            batches[-1].append(clock)
        else:
            batches.append([clock])
            growing = True
        latest = clock
    return batches


def _ordered(rows: list[dict], order: str) -> list[dict]:
    """Rows sorted as ``order by`` a list of columns would (nulls first), in Python so that
    every engine sorts text the same way (nulls last, as DuckDB does). ``case when tile_id =
    '_exit' …`` sorts the exit step after the tile an entry left from."""
    keys = [k.strip() for k in order.split(",")]

    def key(row: dict) -> tuple:
        out = []
        for k in keys:
            value = (row["tile_id"] == "_exit") if k.startswith("case when") else row[k]
            out.append((value is None, value))
        return tuple(out)

    return sorted(rows, key=key)
