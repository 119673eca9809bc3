"""Run the real compiled engine (in-process DuckDB) on small, hand-made worlds.

Tests describe profiles, events and manual requests as plain dicts, pick tick clocks, and
read back the C7 tables as lists of dicts, ordered canonically, ready to compare with a
hand-worked timeline or with the reference interpreter.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from journeys.compiler import batchable, compile_generations, compile_plans
from journeys.spec.models import JourneySpec
from journeys.spec.yaml_loader import load_yaml
from journeys.tick.inprocess import InProcessEngine

REPO = Path(__file__).resolve().parents[2]
BASE_PROFILE_COLUMNS = {"member_id": "varchar", "timezone": "varchar"}


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

    def load(self, con: duckdb.DuckDBPyConnection) -> None:
        cols = self.profile_columns()
        con.execute("create or replace table profiles ("
                    + ", ".join(f'"{c}" {t}' for c, t in cols.items()) + ")")
        for p in self.profiles:
            names = ", ".join(f'"{c}"' for c in cols)
            con.execute(f"insert into profiles ({names}) "
                        f"values ({', '.join('?' for _ in cols)})", [p.get(c) for c in cols])
        con.execute("create or replace table events (member_id varchar, event varchar, "
                    "occurred_at timestamp, properties json)")
        for e in sorted(self.events, key=lambda e: e["occurred_at"]):
            props = e.get("properties")
            con.execute("insert into events values (?, ?, ?, ?)",
                        [e["member_id"], e["event"], e["occurred_at"],
                         None if props is None else json.dumps(props)])
        for table, rows in (("manual_entries", self.manual_entries),
                            ("manual_removals", self.manual_removals)):
            con.execute(f"create or replace table {table} (journey_id varchar, "
                        "member_id varchar, requested_at timestamp)")
            for r in rows:
                con.execute(f"insert into {table} values (?, ?, ?)",
                            [r["journey_id"], r["member_id"], r["requested_at"]])


class Engine:
    """The compiled engine over a world, in an in-memory (or given) DuckDB."""

    def __init__(self, specs: Sequence[JourneySpec], world: World,
                 con: duckdb.DuckDBPyConnection | None = None) -> None:
        self.con = con or duckdb.connect()
        world.load(self.con)
        by_id = {s.id: s for s in specs}
        columns = frozenset(world.profile_columns())
        self.plans = compile_plans(by_id, columns)
        self.batchable = batchable(by_id, columns)
        self.engine = InProcessEngine(self.con, self.plans, compile_generations(by_id, columns))

    def tick(self, *clocks: datetime) -> Engine:
        for clock in clocks:
            self.engine.tick(clock)
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
        cur = self.con.execute(f"select * from journeys.{table} order by {order}")
        names = [d[0] for d in cur.description]
        out = []
        for row in cur.fetchall():
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

    def ticks(self) -> list[dict]:
        return self.rows("journey_ticks", "journey_id, tick_at")

    def timeline(self, member_id: str, journey_id: str | None = None) -> list[tuple]:
        """(entry_seq, tile_id, via, entered_at, exit_reason) of a member, in order."""
        return [(s["entry_seq"], s["tile_id"], s["via"], s["entered_at"], s["exit_reason"])
                for s in self.steps()
                if s["member_id"] == member_id and journey_id in (None, s["journey_id"])]
