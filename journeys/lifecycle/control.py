"""``journeys.journey_control``: the lifecycle's audit trail, and the states it implies.

Why a table rather than a field in the spec: the spec is what a journey does (reviewed in
git); whether it runs now is an operator's decision made at a moment, by someone, and
auditors ask for both. Every tick reads the latest row of each journey (S18), so the state
a tick acts on is exactly the one recorded, and changes are numbered (``control_seq``) so a
tick can tell that a resume happened since the previous one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from journeys.lifecycle.states import State
from journeys.warehouse.catalog import table_exists
from journeys.warehouse.relations import OUTPUT_SCHEMA
from journeys.warehouse.setup import CONTROL_TABLE, ensure_inputs
from journeys.warehouse.tables import JOURNEY_CONTROL

CONTROL = f"{OUTPUT_SCHEMA}.{CONTROL_TABLE}"
COLUMNS = tuple(name for name, _ in JOURNEY_CONTROL)


@dataclass(frozen=True)
class JourneyStatus:
    """A journey's lifecycle state and the change that set it (none for a draft)."""

    journey_id: str
    state: State
    control_seq: int = 0
    changed_at: datetime | None = None
    actor: str | None = None
    spec_version: str | None = None


@dataclass(frozen=True)
class ControlChange:
    """One row of the audit trail."""

    journey_id: str
    control_seq: int
    action: str
    state: State
    spec_version: str
    actor: str
    changed_at: datetime
    detail: dict[str, Any] | None = None


def _rows(con: Any, sql: str, params: list[Any]) -> list[tuple]:
    if hasattr(con, "dialect"):  # an engine session (a DuckDB connection has .query too)
        return con.query(sql, params)[1]
    return con.execute(sql, params).fetchall()


def _recorded(con: Any) -> bool:
    """Whether the warehouse has the control table (a reader does not create it: the reader
    copy is read-only, and a warehouse no change was made to has every journey a draft)."""
    if hasattr(con, "dialect"):
        return con.relation_kind(OUTPUT_SCHEMA, CONTROL_TABLE) is not None
    return table_exists(con, OUTPUT_SCHEMA, CONTROL_TABLE)


def read_statuses(con: Any) -> dict[str, JourneyStatus]:
    """The latest change of every journey that has one (the others are drafts)."""
    if not _recorded(con):
        return {}
    rows = _rows(con, f"select journey_id, state, control_seq, changed_at, actor, spec_version "
                      f"from {CONTROL} c where control_seq = (select max(control_seq) from "
                      f"{CONTROL} m where m.journey_id = c.journey_id)", [])
    return {r[0]: JourneyStatus(r[0], r[1], int(r[2]), r[3], r[4], r[5]) for r in rows}


def status_of(con: Any, journey_id: str) -> JourneyStatus:
    """One journey's state: a draft until a change is recorded."""
    return read_statuses(con).get(journey_id, JourneyStatus(journey_id, "draft"))


def states_of(con: Any, journey_ids: Iterable[str]) -> dict[str, State]:
    """Each journey's state, a draft for those without a recorded change."""
    recorded = read_statuses(con)
    return {j: recorded[j].state if j in recorded else "draft" for j in journey_ids}


def history(con: Any, journey_id: str | None = None) -> list[ControlChange]:
    """The audit trail, by journey and in the order of the changes."""
    if not _recorded(con):
        return []
    where, params = ("where journey_id = ?", [journey_id]) if journey_id else ("", [])
    rows = _rows(con, f"select {', '.join(COLUMNS)} from {CONTROL} {where} "
                      "order by journey_id, control_seq", params)
    return [ControlChange(*r[:7], detail=json.loads(r[7]) if r[7] else None) for r in rows]


def append_change(con: Any, journey_id: str, action: str, state: State, spec_version: str,
                  actor: str, changed_at: datetime,
                  detail: dict[str, Any] | None = None) -> ControlChange:
    """Record a change as the journey's next ``control_seq`` (the caller holds the lease)."""
    ensure_inputs(con)
    seq = int(_rows(con, f"select coalesce(max(control_seq), 0) from {CONTROL} "
                         "where journey_id = ?", [journey_id])[0][0]) + 1
    change = ControlChange(journey_id, seq, action, state, spec_version, actor, changed_at,
                           detail)
    values = [journey_id, seq, action, state, spec_version, actor, changed_at,
              json.dumps(detail, sort_keys=True) if detail is not None else None]
    sql = (f"insert into {CONTROL} ({', '.join(COLUMNS)}) values "
           f"({', '.join('?' for _ in COLUMNS)})")
    con.execute(sql, values)
    return change


def adopt_ticked_journeys(con: Any, now: datetime) -> list[str]:
    """Upgrade a warehouse from before the lifecycle: a journey that has ticked without a
    recorded change was live, so it is recorded ``active`` (actor ``upgrade``) rather than
    silently becoming a draft, and ``journey_ticks`` gains its ``control_seq`` column."""
    ensure_inputs(con)
    if not table_exists(con, OUTPUT_SCHEMA, "journey_ticks"):
        return []
    columns = {r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = "
        f"'{OUTPUT_SCHEMA}' and table_name = 'journey_ticks'").fetchall()}
    if "control_seq" not in columns:
        con.execute(f"alter table {OUTPUT_SCHEMA}.journey_ticks add column control_seq integer "
                    "default 0")
    adopted = [r[0] for r in con.execute(
        f"select distinct journey_id from {OUTPUT_SCHEMA}.journey_ticks where journey_id not "
        f"in (select journey_id from {CONTROL}) order by 1").fetchall()]
    for journey_id in adopted:
        append_change(con, journey_id, "activate", "active", "unknown", "upgrade", now,
                      {"adopted": "ticked before lifecycle states existed"})
    return adopted
