"""The dispatch queue: the actions not yet in a final state.

``journeys_internal.dispatch_queue`` holds one row per action still to deliver. Its
``state`` is ``ready`` (to send), ``waiting`` (a retry at ``next_attempt_at``) or
``claimed`` (taken by a round; ``attempts`` counts the attempts made before it). What is in
flight is not the queue's business: each request's intent and outcome are written by
:mod:`reverse_etl.intents`, which settles the queue at the round's end, or after a crash.

New actions come from governance (``governed_actions``, C9) by a cursor (the last decision
run read, ``decision_seq``), so a dispatch reads the ticks since the previous one, not all
history: those released (``send``) are queued; those suppressed or first deferred are logged.
Due actions of ticks before governance existed are read from ``due_actions`` by the
per-journey cursor they had then, so upgrading loses none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from journeys.spec.destinations import CHANNEL_OF_ACTION
from journeys.warehouse.catalog import table_exists
from journeys.warehouse.relations import INTERNAL_SCHEMA, OUTPUT_SCHEMA
from journeys.warehouse.setup import DELIVERY_LOG, ensure_delivery_log, ensure_inputs
from journeys.warehouse.transactions import transaction
from reverse_etl.delivery_log import COLUMNS as LOG_COLUMNS
from reverse_etl.delivery_log import FINAL, Status

QUEUE = f"{INTERNAL_SCHEMA}.dispatch_queue"
CURSOR = f"{INTERNAL_SCHEMA}.dispatch_cursor"
GOVERNED_CURSOR = f"{INTERNAL_SCHEMA}.governance_cursor"
DUE_ACTIONS = f"{OUTPUT_SCHEMA}.due_actions"
GOVERNED = f"{OUTPUT_SCHEMA}.governed_actions"
BLOCKS = f"{INTERNAL_SCHEMA}.governance_blocks"
BEFORE_GOVERNANCE = (f"d.tick_at < (select coalesce(min(due_tick_at), 'infinity'::timestamp) "
                     f"from {GOVERNED})")
"""Whether due action ``d`` fell due before ``_governance.yml`` was added."""
AFTER_GOVERNANCE = f"d.tick_at > (select max(due_tick_at) from {GOVERNED})"
NEWLY_LOGGED = "(g.outcome = 'suppressed' or (g.outcome = 'deferred' and not g.carried))"
"""Decisions ``g`` that dispatch logs: a suppression, or a deferral the first time."""
"""Whether due action ``d`` fell due after ``_governance.yml`` was removed (then
``governed_actions`` stops growing)."""
CHANNEL = ("case q.action " + " ".join(f"when '{a}' then '{c}'" for a, c in
                                         CHANNEL_OF_ACTION.items()) + " end")
"""The channel of queued action ``q`` (C9), as governance derives it."""
JOURNEY_STATE = f"{OUTPUT_SCHEMA}.journey_state"
PROFILES = "journeys_staging.stg_profiles"

EXITED_EARLY = (f"exists (select 1 from {JOURNEY_STATE} s where s.journey_id = q.journey_id "
                "and s.member_id = q.member_id and s.entry_seq = q.entry_seq "
                "and s.status = 'exited')")
"""Whether queued action ``q``'s entry exited early (S15b); ``completed`` is a normal end."""

CONTROL = f"{OUTPUT_SCHEMA}.journey_control"
PAUSED = (f"(select c.journey_id from {CONTROL} c where c.state = 'paused' and "
          f"c.control_seq = (select max(m.control_seq) from {CONTROL} m "
          "where m.journey_id = c.journey_id))")
NOT_PAUSED = f"journey_id not in {PAUSED}"
"""Whether a queued action's journey is not paused: a paused journey's sends are held, not
dropped (S18: no actions while paused), and go out after its resume."""

ACTION_COLUMNS = ("action_id", "journey_id", "member_id", "entry_seq", "tile_id", "tile_type",
                  "destination", "action", "template", "payload", "due_at", "tick_at")
_QUEUE_DDL = (
    "action_id varchar, journey_id varchar, member_id varchar, entry_seq integer, "
    "tile_id varchar, tile_type varchar, destination varchar, action varchar, "
    "template varchar, payload json, due_at timestamp, tick_at timestamp, "
    "attempts integer not null, state varchar not null, next_attempt_at timestamp, "
    "solo boolean not null, dispatch_id varchar, claimed_at timestamp")


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {INTERNAL_SCHEMA}")
    con.execute(f"create table if not exists {QUEUE} ({_QUEUE_DDL})")
    con.execute(f"create table if not exists {CURSOR} (journey_id varchar, tick_at timestamp)")
    con.execute(f"create table if not exists {GOVERNED_CURSOR} (decision_seq bigint)")
    ensure_delivery_log(con)
    ensure_inputs(con)  # journeys.journey_control, read to hold paused journeys' actions


@dataclass
class Enqueued:
    """What :func:`enqueue` did: actions queued, and governance outcomes logged by
    (destination, status, reason)."""

    queued: int = 0
    logged: dict[tuple[str, str, str], int] = field(default_factory=dict)


def enqueue(con: duckdb.DuckDBPyConnection, dispatch_id: str, governed: bool) -> Enqueued:
    """Take governance's decisions since the cursor (the last run number read), in one
    transaction: queue the actions released, log the suppressed and the newly deferred,
    move the cursor. ``governed``: whether ``_governance.yml`` exists; without it, due
    actions are queued as they are, and what governance still held deferred is released.

    The caller holds the tick lease, so no tick runs meanwhile and every decision in
    ``governed_actions`` is complete.
    """
    done = Enqueued(queued=_enqueue_ungoverned(con, governed))
    if not table_exists(con, OUTPUT_SCHEMA, "governed_actions"):
        return done
    if not governed:
        done.queued += _release_deferred(con)
        return done
    after = _after_cursor(con)
    names = ", ".join(name for name, _ in LOG_COLUMNS)
    logged = f"{after} and {NEWLY_LOGGED}"
    with transaction(con):
        done.queued += _queue_governed(con, f"{after} and g.outcome = 'send'")
        for destination, status, reason, n in con.execute(
                f"select destination, outcome, reason, count(*) from {GOVERNED} g "
                f"where {logged} group by all").fetchall():
            done.logged[(destination, status, reason)] = n
        # attempt 0: decided by governance at the tick's clock, no request made
        con.execute(
            f"insert into {DELIVERY_LOG} ({names}) select g.action_id, 0, g.outcome, "
            "g.destination, null, null, null, g.tick_at, g.journey_id, g.member_id, g.tile_id, "
            f"g.action, g.reason, g.deferred_until, ? from {GOVERNED} g where {logged}",
            [dispatch_id])
        con.execute(f"delete from {GOVERNED_CURSOR}")
        con.execute(f"insert into {GOVERNED_CURSOR} select max(decision_seq) from {GOVERNED}")
    return done


def _after_cursor(con: duckdb.DuckDBPyConnection) -> str:
    """The decisions ``g`` past dispatch's cursor (the last ``decision_seq`` read), as a
    condition; read-only, so a dry run can use it before the cursor table exists."""
    since = None
    if table_exists(con, *GOVERNED_CURSOR.split(".")):
        since = con.execute(f"select max(decision_seq) from {GOVERNED_CURSOR}").fetchone()[0]
    return "true" if since is None else f"g.decision_seq > {int(since)}"


def _queue_governed(con: duckdb.DuckDBPyConnection, where: str) -> int:
    """Queue the decisions ``g`` matching ``where`` as ready actions (the caller's
    transaction); how many."""
    columns = ", ".join(f"g.{c}" for c in ACTION_COLUMNS if c != "tick_at")
    return con.execute(
        f"insert into {QUEUE} select {columns}, g.due_tick_at, 0, 'ready', null, false, "
        f"null, null from {GOVERNED} g where {where}").fetchone()[0]


def _release_deferred(con: duckdb.DuckDBPyConnection) -> int:
    """Governance was removed: the actions it still held deferred (at its last decision)
    are queued as they are, once (never dropped)."""
    final = ", ".join(repr(str(status)) for status in FINAL)
    with transaction(con):
        return _queue_governed(
            con, f"g.outcome = 'deferred' and g.tick_at = (select max(tick_at) from {GOVERNED}) "
            f"and g.action_id not in (select action_id from {QUEUE}) and g.action_id not in "
            f"(select action_id from {DELIVERY_LOG} where status in ({final}))")


def _enqueue_ungoverned(con: duckdb.DuckDBPyConnection, governed: bool) -> int:
    """Queue the due actions of ticks without governance (no ``_governance.yml``, or
    before it was added), by a per-journey cursor; moves the cursors."""
    if not (table_exists(con, OUTPUT_SCHEMA, "due_actions")
            and table_exists(con, OUTPUT_SCHEMA, "journey_ticks")):
        return 0
    ticks = f"{OUTPUT_SCHEMA}.journey_ticks"
    floor, uncovered = con.execute(
        f"select (select min(tick_at) from {CURSOR}), count(*) from (select distinct "
        f"journey_id from {ticks}) t where journey_id not in (select journey_id from {CURSOR})"
    ).fetchone()
    # With every journey under a cursor, the constant floor lets zone maps skip the row
    # groups of old ticks; the join then applies each journey's own cursor.
    floor_filter, params = ("d.tick_at > ?", [floor]) if floor and not uncovered else ("true", [])
    outside = ""
    if table_exists(con, OUTPUT_SCHEMA, "governed_actions"):
        outside = (f" and {BEFORE_GOVERNANCE}" if governed
                   else f" and ({BEFORE_GOVERNANCE} or {AFTER_GOVERNANCE})")
    columns = ", ".join(f"d.{c}" for c in ACTION_COLUMNS)
    with transaction(con):
        added = con.execute(
            f"insert into {QUEUE} select {columns}, 0, 'ready', null, false, null, null "
            f"from {DUE_ACTIONS} d left join {CURSOR} c on c.journey_id = d.journey_id "
            f"where {floor_filter} and (c.tick_at is null or d.tick_at > c.tick_at){outside}",
            params).fetchone()[0]
        con.execute(f"delete from {CURSOR}")
        con.execute(f"insert into {CURSOR} select journey_id, max(tick_at) from {ticks} "
                    "group by journey_id")
    return added


def _log_from_queue(con: duckdb.DuckDBPyConnection, where: str, params: list[Any],
                    status: str, reason: str | None, error: str | None, attempted_at: datetime,
                    dispatch_id: str, attempt: str = "q.attempts") -> dict[str, int]:
    """Log one row per queued action matching ``where`` (set-based); counts by destination."""
    names = ", ".join(name for name, _ in LOG_COLUMNS)
    counts = dict(con.execute(f"select destination, count(*) from {QUEUE} q where {where} "
                              "group by all", params).fetchall())
    con.execute(
        f"insert into {DELIVERY_LOG} ({names}) select q.action_id, {attempt}, ?, "
        "q.destination, null, null, ?, ?, q.journey_id, q.member_id, q.tile_id, q.action, ?, "
        f"null, ? from {QUEUE} q where {where}",
        [status, error, attempted_at, reason, dispatch_id, *params])
    return counts


def _finish_from_queue(con: duckdb.DuckDBPyConnection, where: str, params: list[Any],
                       status: str, reason: str | None, error: str,
                       attempted_at: datetime, dispatch_id: str,
                       attempt: str = "q.attempts") -> dict[str, int]:
    """Give the queued actions matching ``where`` a final log row and take them out of the
    queue (the caller's transaction); counts by destination."""
    counts = _log_from_queue(con, where, params, status, reason, error, attempted_at,
                             dispatch_id, attempt)
    con.execute(f"delete from {QUEUE} q where {where}", params)
    return counts


def suppress_exited(con: duckdb.DuckDBPyConnection, now: datetime,
                    dispatch_id: str) -> dict[str, int]:
    """S15b: actions of entries that exited early are not sent: logged ``suppressed`` with
    reason ``exited`` and removed from the queue (one transaction)."""
    if not table_exists(con, OUTPUT_SCHEMA, "journey_state"):
        return {}
    exited = f"q.state in ('ready', 'waiting') and {EXITED_EARLY}"
    with transaction(con):
        return _finish_from_queue(con, exited, [], Status.SUPPRESSED, "exited",
                                  "the member left the journey early before this action was "
                                  "dispatched (S15b)", now, dispatch_id, "q.attempts + 1")


BLOCKED_NOW = (f"(select b.reason from {BLOCKS} b where b.member_id = q.member_id and "
               f"b.channel in ('any', {CHANNEL}) order by b.block_rank limit 1)")
"""Why queued action ``q`` may not be sent now (C9: the suppression model, consent), read
from the governance view, so from the profiles as they are at dispatch; null if it may."""


def suppress_blocked(con: duckdb.DuckDBPyConnection, now: datetime,
                     dispatch_id: str) -> dict[tuple[str, str], int]:
    """C9 at dispatch: queued actions whose member is now suppressed or has withdrawn
    consent since the tick are logged ``suppressed`` with that reason and removed from the
    queue (one transaction); counts by (destination, reason). The caller checks that
    governance is configured (the view outlives a removed ``_governance.yml``)."""
    if not table_exists(con, INTERNAL_SCHEMA, "governance_blocks"):
        return {}
    waiting = "q.state in ('ready', 'waiting')"
    with transaction(con):
        con.execute("create or replace temp table blocked_now as select q.action_id, "
                    f"{BLOCKED_NOW} as reason from {QUEUE} q where {waiting}")
        counts = {(d, r): n for d, r, n in con.execute(
            f"select q.destination, b.reason, count(*) from {QUEUE} q join blocked_now b "
            "using (action_id) where b.reason is not null group by all").fetchall()}
        names = ", ".join(name for name, _ in LOG_COLUMNS)
        con.execute(
            f"insert into {DELIVERY_LOG} ({names}) select q.action_id, q.attempts + 1, "
            "'suppressed', q.destination, null, null, null, ?, q.journey_id, q.member_id, "
            f"q.tile_id, q.action, b.reason, null, ? from {QUEUE} q join blocked_now b "
            "using (action_id) where b.reason is not null", [now, dispatch_id])
        con.execute(f"delete from {QUEUE} where action_id in (select action_id from "
                    "blocked_now where reason is not null)")
        con.execute("drop table blocked_now")
    return counts


def destinations_pending(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [d for d, in con.execute(f"select distinct destination from {QUEUE} "
                                    "order by 1").fetchall()]


def claim(con: duckdb.DuckDBPyConnection, limit: int, now: datetime, dispatch_id: str,
          recipients: Sequence[str]) -> list[dict[str, Any]]:
    """Take up to ``limit`` actions that can be sent now for a round (state ``claimed``:
    nothing has left yet; each request's intent is written just before it leaves, by
    :mod:`reverse_etl.intents`).

    Returns each row with ``attempts`` counting the attempt about to be made and, per
    recipient column asked for, the profile's value as it is now.
    """
    with transaction(con):
        con.execute(
            f"update {QUEUE} set state = 'claimed', dispatch_id = ?, claimed_at = ? "
            f"where action_id in (select action_id from {QUEUE} "
            "where (state = 'ready' or (state = 'waiting' and next_attempt_at <= ?)) "
            f"and {NOT_PAUSED} order by due_at, action_id limit ?)",
            [dispatch_id, now, now, limit])
        extra = "".join(f", p.{c} as recipient__{c}" for c in recipients)
        join = (f" left join {PROFILES} p on p.member_id = q.member_id" if recipients else "")
        cursor = con.execute(
            f"select q.* replace (q.attempts + 1 as attempts){extra} from {QUEUE} q{join} "
            "where q.state = 'claimed' and q.dispatch_id = ? order by q.due_at, q.action_id",
            [dispatch_id])
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return rows


def next_retry(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """When the earliest waiting action may be tried again."""
    return con.execute(f"select min(next_attempt_at) from {QUEUE} "
                       f"where state = 'waiting' and {NOT_PAUSED}").fetchone()[0]


def held_for_pause(con: duckdb.DuckDBPyConnection) -> int:
    """Queued actions of paused journeys: they go out after the journey resumes."""
    return con.execute(f"select count(*) from {QUEUE} where state in ('ready', 'waiting') "
                       f"and not ({NOT_PAUSED})").fetchone()[0]


def pending(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute(f"select count(*) from {QUEUE}").fetchone()[0]


def fail_unconfigured(con: duckdb.DuckDBPyConnection, configured: Sequence[str],
                      now: datetime, dispatch_id: str, shown: str) -> dict[str, int]:
    """Actions whose destination is no longer in ``_destinations.yml`` fail, set-based,
    rather than stopping every other destination's dispatch."""
    where = ("q.state in ('ready', 'waiting') and q.destination not in "
             "(select unnest(?::varchar[]))")
    with transaction(con):
        return _finish_from_queue(
            con, where, [list(configured)], Status.FAILED, None,
            f"the destination is not configured in {shown}: add it, and the actions of later "
            "ticks are sent", now, dispatch_id, "q.attempts + 1")


def preview(con: duckdb.DuckDBPyConnection, recipients: Sequence[str],
            batch: int, governed: bool) -> Any:
    """What a dispatch would send, read-only (a dry run): queued actions not in a final
    state plus the actions governance released since the cursor (and due actions of ticks
    before governance), each with ``exited`` (its entry left early: S15b would suppress it)
    and ``blocked`` (why C9 would suppress it now, or null). Yields lists of rows shaped
    like :func:`claim`'s."""
    parts = []
    columns = ", ".join(ACTION_COLUMNS)
    if table_exists(con, *QUEUE.split(".")):
        parts.append(f"select {columns}, attempts + 1 as attempts, solo from {QUEUE} "
                     "where state in ('ready', 'waiting')")
    have_cursor = table_exists(con, *CURSOR.split("."))
    decided = table_exists(con, OUTPUT_SCHEMA, "governed_actions")
    if table_exists(con, OUTPUT_SCHEMA, "due_actions") \
            and table_exists(con, OUTPUT_SCHEMA, "journey_ticks"):
        cursor = (f"left join {CURSOR} c on c.journey_id = d.journey_id" if have_cursor else
                  "left join (select null::varchar as journey_id, null::timestamp as tick_at) "
                  "c on false")
        before = ("" if not decided else f" and {BEFORE_GOVERNANCE}" if governed
                  else f" and ({BEFORE_GOVERNANCE} or {AFTER_GOVERNANCE})")
        parts.append(f"select {', '.join('d.' + c for c in ACTION_COLUMNS)}, "
                     "1 as attempts, false as solo "
                     f"from {DUE_ACTIONS} d {cursor} where (c.tick_at is null "
                     f"or d.tick_at > c.tick_at){before}")
    if decided and governed:
        picked = [f"g.{c}" if c != "tick_at" else "g.due_tick_at" for c in ACTION_COLUMNS]
        parts.append(f"select {', '.join(picked)}, 1 as attempts, false as solo "
                     f"from {GOVERNED} g where g.outcome = 'send' and {_after_cursor(con)}")
    if not parts:
        return
    exited = EXITED_EARLY if table_exists(con, OUTPUT_SCHEMA, "journey_state") else "false"
    blocked = (BLOCKED_NOW if governed and table_exists(con, INTERNAL_SCHEMA, "governance_blocks")
               else "null::varchar")
    extra = "".join(f", p.{c} as recipient__{c}" for c in recipients)
    join = f" left join {PROFILES} p on p.member_id = q.member_id" if recipients else ""
    held = (f" where q.journey_id not in {PAUSED}"
            if table_exists(con, OUTPUT_SCHEMA, "journey_control") else "")
    cursor_ = con.execute(f"select q.*, {exited} as exited, {blocked} as blocked{extra} from "
                          f"({' union all '.join(parts)}) q{join}{held} "
                          "order by q.due_at, q.action_id")
    names = [d[0] for d in cursor_.description]
    while rows := cursor_.fetchmany(batch):
        yield [dict(zip(names, row, strict=True)) for row in rows]


def preview_governed(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str, str], int]:
    """What a dispatch would log for governance (read-only): (destination, status, reason)
    counts of the decisions since the cursor that are not releases."""
    if not table_exists(con, OUTPUT_SCHEMA, "governed_actions"):
        return {}
    rows = con.execute(
        f"select destination, outcome, reason, count(*) from {GOVERNED} g where "
        f"{_after_cursor(con)} and {NEWLY_LOGGED} group by all").fetchall()
    return {(d, s, r): n for d, s, r, n in rows}


def profile_columns(con: duckdb.DuckDBPyConnection) -> set[str]:
    schema, name = PROFILES.split(".")
    return {c for c, in con.execute("select column_name from information_schema.columns "
                                    "where table_schema = ? and table_name = ?",
                                    [schema, name]).fetchall()}
