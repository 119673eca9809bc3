"""A small real warehouse and project for dispatch tests: due actions as a tick left them.

Building the tables directly (rather than through ticks) lets a test choose exactly which
actions are due, how many, and which entries exited early, in milliseconds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import yaml

from journeys.settings import Settings
from reverse_etl.rows import insert_rows

TICK = datetime(2026, 3, 1, 9)
_DUE = (("action_id", "varchar"), ("journey_id", "varchar"), ("member_id", "varchar"),
        ("entry_seq", "integer"), ("tile_id", "varchar"), ("tile_type", "varchar"),
        ("destination", "varchar"), ("action", "varchar"), ("template", "varchar"),
        ("payload", "varchar"), ("due_at", "timestamp"), ("tick_at", "timestamp"))
_STATE = (("journey_id", "varchar"), ("member_id", "varchar"), ("entry_seq", "integer"),
          ("status", "varchar"), ("tile_id", "varchar"))
_PROFILE = (("member_id", "varchar"), ("email", "varchar"), ("phone", "varchar"),
            ("first_name", "varchar"))


def seed_actions(warehouse: Path, count: int, *, destination: str = "hooks",
                 tile_type: str = "webhook", action: str = "custom_api",
                 template: str | None = None, journey_id: str = "welcome_series",
                 payload: Callable[[int], dict[str, Any]] | None = None,
                 exited: Iterable[int] = (), tick_at: datetime = TICK,
                 first: int = 0) -> list[str]:
    """``count`` due actions of one tick (members ``first`` …), with profiles; returns their
    action ids. Members in ``exited`` left the journey early."""
    payload = payload or (lambda i: {"member": f"m{i:05d}", "points": i})
    gone = set(exited)
    con = duckdb.connect(str(warehouse))
    try:
        for schema in ("journeys", "journeys_staging"):
            con.execute(f"create schema if not exists {schema}")
        con.execute("create table if not exists journeys.due_actions (action_id varchar, "
                    "journey_id varchar, member_id varchar, entry_seq integer, tile_id varchar, "
                    "tile_type varchar, destination varchar, action varchar, template varchar, "
                    "payload json, due_at timestamp, tick_at timestamp)")
        con.execute("create table if not exists journeys.journey_ticks (journey_id varchar, "
                    "tick_at timestamp, entered integer, advanced integer, exited integer, "
                    "actions integer, duration_ms integer)")
        con.execute("create table if not exists journeys.journey_state (journey_id varchar, "
                    "member_id varchar, entry_seq integer, status varchar, tile_id varchar)")
        con.execute("create table if not exists journeys_staging.stg_profiles (member_id "
                    "varchar, email varchar, phone varchar, first_name varchar)")
        members = [(i, f"m{i:05d}", f"{journey_id}-{tick_at:%H%M}-{i:05d}")
                   for i in range(first, first + count)]
        insert_rows(con, "journeys.due_actions", _DUE, [
            {"action_id": a, "journey_id": journey_id, "member_id": m, "entry_seq": 1,
             "tile_id": "reward", "tile_type": tile_type, "destination": destination,
             "action": action, "template": template, "payload": json.dumps(payload(i)),
             "due_at": tick_at, "tick_at": tick_at} for i, m, a in members])
        insert_rows(con, "journeys.journey_state", _STATE, [
            {"journey_id": journey_id, "member_id": m, "entry_seq": 1,
             "status": "exited" if i in gone else "active", "tile_id": "reward"}
            for i, m, _ in members])
        insert_rows(con, "journeys_staging.stg_profiles", _PROFILE, [
            {"member_id": m, "email": f"{m}@example.com", "phone": f"+1555{i:07d}",
             "first_name": f"Name{i}"} for i, m, _ in members])
        ids = [a for _, _, a in members]
        con.execute("insert into journeys.journey_ticks values (?, ?, 0, 0, 0, ?, 1)",
                    [journey_id, tick_at, count])
    finally:
        con.close()
    return ids


def project(root: Path, destinations: dict[str, dict[str, Any]],
            warehouse: Path | None = None) -> Settings:
    """A project whose ``_destinations.yml`` holds ``destinations``."""
    (root / "journey_specs").mkdir(parents=True, exist_ok=True)
    (root / "journey_specs" / "_destinations.yml").write_text(yaml.safe_dump(destinations))
    return Settings(project_root=root, warehouse=warehouse or root / "warehouse.duckdb")


def log_rows(warehouse: Path, where: str = "true") -> list[dict[str, Any]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cursor = con.execute(f"select * from journeys.delivery_log where {where} "
                             "order by action_id, attempt")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def final_statuses(warehouse: Path) -> dict[str, str]:
    """Each action's latest status."""
    latest: dict[str, str] = {}
    for row in log_rows(warehouse):
        latest[row["action_id"]] = row["status"]
    return latest
