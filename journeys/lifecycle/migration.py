"""Editing a live journey: pause → edit → resume, with members moved on purpose.

A member waits at a tile between ticks, in ``<id>__open``. An edit that removes that tile,
or changes its type, leaves the member nowhere the compiled walk knows: it would sit there
forever, silently. So a resume compares the members' tiles with the edited spec (and with the
tile types recorded when the journey last started) and refuses while any member would be
stranded, unless the spec maps each such tile to a new one (``migrations:``). The moves are
reviewable (`journeys migrate ID --dry-run` counts who goes where), applied in one
transaction with the audit row, and recorded member by member in
``journeys.journey_migrations``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from journeys.lifecycle.changes import (
    SpecProblems,
    require_journey,
    tile_types,
    validated_spec,
)
from journeys.lifecycle.control import (
    CONTROL,
    JourneyStatus,
    append_change,
    read_statuses,
    status_of,
)
from journeys.settings import Settings
from journeys.spec.models import JourneySpec
from journeys.warehouse.catalog import table_exists
from journeys.warehouse.relations import INTERNAL_SCHEMA, OUTPUT_SCHEMA
from journeys.warehouse.transactions import transaction
from journeys.warehouse.writers import writing

MIGRATIONS = f"{OUTPUT_SCHEMA}.journey_migrations"
MIGRATION_COLUMNS = (("journey_id", "varchar"), ("control_seq", "integer"),
                     ("member_id", "varchar"), ("entry_seq", "integer"),
                     ("from_tile", "varchar"), ("to_tile", "varchar"),
                     ("migrated_at", "timestamp"))


class MigrationNeeded(ValueError):
    """Members are at tiles the edited spec removed or retyped, with no mapping for them."""


@dataclass(frozen=True)
class Stranded:
    """Members at one tile the edited spec no longer has (or has as another type)."""

    tile_id: str
    members: int
    reason: str
    to: str | None = None


@dataclass(frozen=True)
class MigrationPlan:
    """Who would move where, and who stays: what `journeys migrate --dry-run` shows."""

    journey_id: str
    moves: list[Stranded] = field(default_factory=list)
    unmapped: list[Stranded] = field(default_factory=list)
    staying: int = 0

    @property
    def moving(self) -> int:
        return sum(m.members for m in self.moves)

    @property
    def stranded(self) -> list[Stranded]:
        """Every group at a removed or retyped tile, mapped or not."""
        return self.unmapped + self.moves

    def stranded_text(self) -> str:
        """``wait_3d (12, removed), …``: where members would be stranded, for messages."""
        return ", ".join(f"{g.tile_id} ({g.members}, {g.reason})" for g in self.stranded)


def _started_types(con: Any, journey_id: str) -> dict[str, str]:
    """The tile types the members were running under: recorded by the latest activation,
    resume or migration."""
    row = con.execute(
        f"select detail from {CONTROL} where journey_id = ? and detail is not null "
        "order by control_seq desc limit 1", [journey_id]).fetchone()
    return dict(json.loads(row[0]).get("tiles", {})) if row else {}


def _open_tiles(con: Any, journey_id: str) -> dict[str, int]:
    if not table_exists(con, INTERNAL_SCHEMA, f"{journey_id}__open"):
        return {}
    return dict(con.execute(f"select tile_id, count(*) from {INTERNAL_SCHEMA}.{journey_id}__open "
                            "group by tile_id").fetchall())


def plan_migration(con: Any, spec: JourneySpec) -> MigrationPlan:
    """Compare the members' tiles with ``spec``: who stays, who moves, who has nowhere."""
    before = _started_types(con, spec.id)
    mapping = {m.from_: m.to for m in spec.migrations or []}
    now = tile_types(spec)
    moves, unmapped, staying = [], [], 0
    for tile_id, members in sorted(_open_tiles(con, spec.id).items()):
        if tile_id not in now:
            reason = "removed"
        elif tile_id in before and before[tile_id] != now[tile_id]:
            reason = f"changed type ({before[tile_id]} → {now[tile_id]})"
        else:  # the tile is still there as it was: a mapping of it applies to no one
            staying += members
            continue
        group = Stranded(tile_id, members, reason, mapping.get(tile_id))
        (moves if group.to else unmapped).append(group)
    return MigrationPlan(spec.id, moves, unmapped, staying)


def refusal(plan: MigrationPlan) -> str:
    """Why a resume cannot go on, and what to write."""
    lines = [f"cannot resume journey '{plan.journey_id}': "
             f"{sum(g.members for g in plan.unmapped)} member(s) are at tiles the edited spec "
             "has no place for:"]
    lines += [f"  {g.tile_id}: {g.members} member(s), tile {g.reason}" for g in plan.unmapped]
    example = plan.unmapped[0].tile_id
    lines.append(f"add to journey_specs/{plan.journey_id}.yml, for each of them, where they go, "
                 f"e.g. `migrations: [{{from: {example}, to: <a tile>}}]`, review it with "
                 f"`journeys migrate {plan.journey_id} --dry-run`, then resume")
    return "\n".join(lines)


def stranded_by_edits(con: Any, specs: dict[str, JourneySpec]) -> list[str]:
    """Why a tick must not run: journeys edited while live (active or archived, not paused)
    in a way that strands members. Only journeys whose spec changed since they last started
    are looked at, so an unchanged project costs one small query."""
    statuses = read_statuses(con)
    started = dict(con.execute(
        f"select journey_id, spec_version from {CONTROL} c where detail is not null and "
        f"control_seq = (select max(control_seq) from {CONTROL} m where m.journey_id = "
        "c.journey_id and m.detail is not null)").fetchall())
    problems = []
    for journey_id, status in sorted(statuses.items()):
        spec, state = specs.get(journey_id), status.state
        if spec is None or state not in ("active", "archived") or \
                started.get(journey_id) == spec.spec_version:
            continue
        plan = plan_migration(con, spec)
        if plan.stranded:
            way_out = (f"Pause it (`journeys pause {journey_id}`), map them in `migrations:`, "
                       f"`journeys migrate {journey_id}`, then resume; or restore the spec"
                       if state == "active" else "Restore the spec (an archived journey "
                       "cannot be paused to migrate its members)")
            problems.append(
                f"journey '{journey_id}' was edited while {state}: members are at tiles the "
                f"spec no longer has as they were: {plan.stranded_text()}. {way_out}")
    return problems


def apply_moves(con: Any, plan: MigrationPlan, control_seq: int, at: datetime) -> None:
    """Move the mapped members in ``<id>__open`` and record each move (in the caller's
    transaction). They keep their arrival time: a wait counts from when they started it."""
    ddl = ", ".join(f"{c} {t}" for c, t in MIGRATION_COLUMNS)
    con.execute(f"create table if not exists {MIGRATIONS} ({ddl})")
    table = f"{INTERNAL_SCHEMA}.{plan.journey_id}__open"
    for move in plan.moves:
        con.execute(f"insert into {MIGRATIONS} select ?, ?, member_id, entry_seq, tile_id, ?, ? "
                    f"from {table} where tile_id = ?",
                    [plan.journey_id, control_seq, move.to, at, move.tile_id])
        con.execute(f"update {table} set tile_id = ? where tile_id = ?", [move.to, move.tile_id])


def _detail(spec: JourneySpec, plan: MigrationPlan) -> dict[str, Any]:
    return {"tiles": tile_types(spec),
            "moves": [{"from": m.tile_id, "to": m.to, "members": m.members, "reason": m.reason}
                      for m in plan.moves]}


def resume_check(con: Any, spec: JourneySpec, status: JourneyStatus, action: str,
                 at: datetime) -> None:
    """The check of a change (:func:`journeys.lifecycle.change_state`). A resume is refused
    while members would be stranded, and applies the spec's mapped moves first, recorded as
    a migration. An archive is refused while members would be stranded: an archived journey
    cannot be paused to move them later."""
    if action == "archive":
        plan = plan_migration(con, spec)
        if plan.stranded:
            raise MigrationNeeded(
                f"cannot archive journey '{spec.id}': members are at tiles the edited spec "
                f"no longer has as they were: {plan.stranded_text()}; move them first "
                f"(`journeys migrate {spec.id}` while paused) or restore the spec")
        return
    if action != "resume":
        return
    plan = plan_migration(con, spec)
    if plan.unmapped:
        raise MigrationNeeded(refusal(plan))
    if plan.moves:
        _record_migration(con, spec, plan, status.actor or "unknown", at)


def _record_migration(con: Any, spec: JourneySpec, plan: MigrationPlan, actor: str,
                      at: datetime) -> None:
    """The audit row of a migration and its moves (in the caller's transaction)."""
    change = append_change(con, spec.id, "migrate", "paused", spec.spec_version, actor, at,
                           _detail(spec, plan))
    apply_moves(con, plan, change.control_seq, at)


def migrate(settings: Settings, journey_id: str, actor: str, dry_run: bool,
            wait_s: float = 0.0) -> MigrationPlan:
    """`journeys migrate ID [--dry-run]`: the plan, and unless ``dry_run`` its moves, applied
    in one transaction with their audit row. The journey stays paused."""
    require_journey(settings, journey_id)
    spec = validated_spec(settings, journey_id, "migrate")
    with writing(settings.warehouse, "journeys migrate", datetime.now(UTC).replace(
            tzinfo=None), wait_s=wait_s, refused=f"journey '{journey_id}' was not migrated") as con:
        at = datetime.now(UTC).replace(tzinfo=None)
        state = status_of(con, journey_id).state
        if state != "paused":
            raise MigrationNeeded(
                f"cannot migrate journey '{journey_id}': it is {state}; members are moved "
                f"only while paused (`journeys pause {journey_id}`, edit, migrate, resume)")
        plan = plan_migration(con, spec)
        if dry_run or not plan.moves:
            return plan
        with transaction(con):
            _record_migration(con, spec, plan, actor, at)
        return plan


__all__ = ["MigrationNeeded", "MigrationPlan", "SpecProblems", "Stranded", "migrate",
           "plan_migration", "resume_check", "stranded_by_edits"]
