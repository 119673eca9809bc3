"""Manual membership (C2 ``journeys enter`` / ``journeys remove``, C3 inputs).

Why requests rather than direct changes: a tick is the only writer of journey state, so an
operator's "put these members in" or "take them out" is recorded in ``manual_entries`` /
``manual_removals`` with its time, and the next tick applies it at that logical time (S3
for entries; a removal is an exit criterion that always applies, S15). Members without a
profile row could never enter: they are reported, not recorded, so nothing is silently
dropped later.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

import duckdb

from journeys.lifecycle.control import status_of
from journeys.limits import MAX_MEMBER_ID_LENGTH
from journeys.settings import Settings
from journeys.warehouse.relations import SOURCE_SCHEMA
from journeys.warehouse.setup import ensure_inputs
from journeys.warehouse.writers import writing

Kind = Literal["enter", "remove"]
TABLES: dict[str, str] = {"enter": "manual_entries", "remove": "manual_removals"}


class MembershipError(ValueError):
    """A request that cannot be recorded as given (the message says what to do)."""


class JourneyNotOpen(MembershipError):
    """The journey's state does not take the request (an entry into a paused journey)."""


@dataclass(frozen=True)
class MembershipResult:
    """What was recorded, and which members were not (no profile row)."""

    recorded: tuple[str, ...]
    unknown: tuple[str, ...]
    table: str
    requested_at: datetime


def members_from_csv(path: Path) -> list[str]:
    """The ``member_id`` column of a CSV file with a header row.

    Example:
        >>> import tempfile, pathlib
        >>> f = pathlib.Path(tempfile.mkdtemp()) / "m.csv"
        >>> _ = f.write_text("member_id,note\\nm1,vip\\n m2 ,\\n\\n")
        >>> members_from_csv(f)
        ['m1', 'm2']
    """
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or "member_id" not in reader.fieldnames:
                raise MembershipError(f"{path}: no 'member_id' column in the header row "
                                      f"(found: {', '.join(reader.fieldnames or []) or 'none'})")
            return [row["member_id"].strip() for row in reader
                    if row.get("member_id") and row["member_id"].strip()]
    except OSError as failed:
        raise MembershipError(f"{path}: cannot be read ({failed.strerror})") from None
    except (UnicodeDecodeError, csv.Error) as failed:
        raise MembershipError(f"{path}: is not a CSV text file ({_reason(failed)}): save it as "
                              "CSV (UTF-8) with a member_id column in the header row") from None


def _reason(failed: ValueError) -> str:
    if isinstance(failed, UnicodeDecodeError):
        return f"byte {failed.start} is not UTF-8"
    return str(failed).replace("\0", "NUL")


def _check_state(journey_id: str, kind: Kind, state: str) -> None:
    """Entries only into an active journey (a paused one admits no one, S18); removals
    from any journey that may hold members (a paused one exits them on resume)."""
    if kind == "enter" and state != "active":
        advice = {"draft": f"activate it first (`journeys activate {journey_id}`)",
                  "paused": f"resume it first (`journeys resume {journey_id}`)",
                  "archived": "an archived journey admits no one"}[state]
        raise JourneyNotOpen(f"journey '{journey_id}' is {state}: members enter only an "
                              f"active journey; {advice}")
    if kind == "remove" and state == "draft":
        raise JourneyNotOpen(f"journey '{journey_id}' is a draft: it has no members to remove")


def record_requests(settings: Settings, journey_id: str, members: Iterable[str], kind: Kind,
                    requested_at: datetime, wait_s: float = 0.0) -> MembershipResult:
    """Record entry or removal requests for the members that have a profile, under the
    warehouse's lease (a tick or a dispatch may be writing). Raises
    :class:`MembershipError` for an entry into a journey that is not active."""
    wanted = list(dict.fromkeys(m for m in members if m))
    if not wanted:
        raise MembershipError("no members given: name them, or --file a CSV with a "
                              "member_id column")
    too_long = [m for m in wanted if len(m) > MAX_MEMBER_ID_LENGTH]
    if too_long:
        raise MembershipError(f"{len(too_long):,} member id(s) longer than "
                              f"{MAX_MEMBER_ID_LENGTH} characters (the first: "
                              f"'{too_long[0][:40]}…'): is this the member_id column?")
    table = TABLES[kind]
    with writing(settings.warehouse, f"journeys {kind}", requested_at, wait_s=wait_s,
                 refused=f"no {kind} request was recorded") as con:
        try:
            ensure_inputs(con)
            _check_state(journey_id, kind, status_of(con, journey_id).state)
            con.execute("create temp table _wanted (member_id varchar)")
            con.executemany("insert into _wanted values (?)", [[m] for m in wanted])
            known = {row[0] for row in con.execute(
                f"select w.member_id from _wanted w join {SOURCE_SCHEMA}.profiles p "
                "on p.member_id = w.member_id").fetchall()}
            recorded = [m for m in wanted if m in known]
            if recorded:
                con.executemany(
                    f"insert into {SOURCE_SCHEMA}.{table} (journey_id, member_id, "
                    "requested_at) values (?, ?, ?)",
                    [[journey_id, m, requested_at] for m in recorded])
        except duckdb.CatalogException as missing:
            raise MembershipError(f"{settings.warehouse}: {missing}: the warehouse needs its "
                                  "profiles table (C3)") from None
    return MembershipResult(recorded=tuple(recorded),
                            unknown=tuple(m for m in wanted if m not in known),
                            table=table, requested_at=requested_at)
