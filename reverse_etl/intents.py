"""What is in flight: each request's intent, written just before it leaves, and its outcome,
written as it returns.

A round claims its actions in the queue (state ``claimed``: taken, nothing sent yet). Then,
per request, ``journeys_internal.dispatch_intents`` gets one row per action it carries
(the attempt it is) before the request leaves, and ``journeys_internal.dispatch_outcomes``
one row per action, shaped like the delivery log's, as soon as the answer (or its absence)
is judged. At the round's end :func:`settle` moves the outcomes to the delivery log and
updates the queue, set-based, in one transaction.

So after a ``kill -9`` anywhere, the warehouse says exactly which requests may be out
without an answer: the intents without an outcome. Only those are uncertain;
:func:`recover` settles them by the destination's delivery policy (``unknown``, or sent
again with the same key), logs the outcomes already recorded, and puts the claimed actions
whose request never left back in the queue as if nothing happened. A request holds one of
its destination's ``concurrency`` slots from its intent to its outcome, so at most
``concurrency`` intents per destination lack an outcome at any instant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import duckdb

from journeys.warehouse.relations import INTERNAL_SCHEMA
from journeys.warehouse.setup import DELIVERY_LOG
from journeys.warehouse.transactions import transaction
from reverse_etl.delivery_log import COLUMNS as LOG_COLUMNS
from reverse_etl.delivery_log import Status
from reverse_etl.queue import QUEUE
from reverse_etl.rows import insert_rows

INTENTS = f"{INTERNAL_SCHEMA}.dispatch_intents"
OUTCOMES = f"{INTERNAL_SCHEMA}.dispatch_outcomes"
INTENT_COLUMNS = (("action_id", "varchar"), ("attempt", "integer"),
                  ("dispatch_id", "varchar"), ("intended_at", "timestamp"))
OUTCOME_COLUMNS = (*LOG_COLUMNS, ("final", "boolean"), ("solo", "boolean"))
"""A delivery-log row, plus what the queue needs: whether it is final, and whether the
next attempt goes alone (its batch was refused)."""

IN_FLIGHT = (f"select i.action_id, i.attempt from {INTENTS} i where not exists (select 1 "
             f"from {OUTCOMES} o where o.action_id = i.action_id and o.attempt = i.attempt)")
"""The intents without an outcome: requests that may be out with no answer known."""


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Both tables or neither (one transaction), whenever the dispatcher is killed."""
    with transaction(con):
        for table, columns in ((INTENTS, INTENT_COLUMNS), (OUTCOMES, OUTCOME_COLUMNS)):
            con.execute(f"create table if not exists {table} "
                        f"({', '.join(f'{n} {k}' for n, k in columns)})")


def record(con: duckdb.DuckDBPyConnection, intents: Sequence[dict[str, Any]],
           outcomes: Sequence[dict[str, Any]]) -> None:
    """Commit the intents of requests about to leave and the outcomes of requests that
    returned, in one transaction (a commit costs about 2 ms, its rows next to nothing)."""
    with transaction(con):
        insert_rows(con, INTENTS, INTENT_COLUMNS, intents)
        insert_rows(con, OUTCOMES, OUTCOME_COLUMNS, outcomes)


def in_flight(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    """(action id, attempt) of every intent without an outcome."""
    return [(a, n) for a, n in con.execute(f"{IN_FLIGHT} order by 1").fetchall()]


def _apply(con: duckdb.DuckDBPyConnection) -> None:
    """Outcomes into the delivery log and the queue; claimed actions whose request never
    left back to ``ready``; the intents cleared (inside the caller's transaction)."""
    names = ", ".join(name for name, _ in LOG_COLUMNS)
    con.execute(f"insert into {DELIVERY_LOG} ({names}) select {names} from {OUTCOMES} "
                "order by attempted_at, action_id")
    con.execute(f"delete from {QUEUE} where action_id in (select action_id from {OUTCOMES} "
                "where final)")
    con.execute(f"update {QUEUE} set state = 'waiting', attempts = o.attempt, "
                "dispatch_id = null, next_attempt_at = o.next_attempt_at, solo = o.solo "
                f"from {OUTCOMES} o where {QUEUE}.action_id = o.action_id and not o.final")
    con.execute(f"update {QUEUE} set state = 'ready', dispatch_id = null "
                "where state = 'claimed'")
    con.execute(f"delete from {OUTCOMES}")
    con.execute(f"delete from {INTENTS}")


def settle(con: duckdb.DuckDBPyConnection) -> None:
    """End a round: log its outcomes and update the queue, in one transaction."""
    with transaction(con):
        _apply(con)


def recover(con: duckdb.DuckDBPyConnection, delivery: Mapping[str, str],
            max_attempts: Mapping[str, int], now: datetime,
            dispatch_id: str) -> dict[str, int]:
    """Settle what a killed dispatcher left (the caller holds the lease, so nobody else is
    sending), in one transaction; counts by what happened.

    Intents without an outcome are the only uncertain requests: at-most-once, ``unknown``
    (never sent again); at-least-once, sent again with the same idempotency key (logged
    ``retrying``, due now), unless the attempts are spent (``dead``). Outcomes already
    recorded are logged as they were (``logged``); claimed actions whose request never left
    go back to the queue untouched (``not sent``). A queue row in the old ``sending`` state
    (a dispatcher from before per-request intents) counts as an intent without outcome.
    """
    with transaction(con):
        con.execute(f"insert into {INTENTS} select action_id, attempts, dispatch_id, "
                    f"claimed_at from {QUEUE} where state = 'sending'")
        counts = {"logged": con.execute(f"select count(*) from {OUTCOMES}").fetchone()[0],
                  # refused before sending: an outcome, no intent, still claimed (logged)
                  "not sent": con.execute(
                      f"select count(*) from {QUEUE} where state = 'claimed' and action_id "
                      f"not in (select action_id from {INTENTS}) and action_id "
                      f"not in (select action_id from {OUTCOMES})").fetchone()[0]}
        cursor = con.execute(f"select i.attempt, q.* from ({IN_FLIGHT}) i "
                             f"join {QUEUE} q using (action_id)")
        names = [d[0] for d in cursor.description]
        outcomes = [_stranded(dict(zip(names, row, strict=True)), delivery, max_attempts, now,
                              dispatch_id) for row in cursor.fetchall()]
        for outcome in outcomes:
            kind = "resent" if outcome["status"] == Status.RETRYING else outcome["status"]
            counts[kind] = counts.get(kind, 0) + 1
        insert_rows(con, OUTCOMES, OUTCOME_COLUMNS, outcomes)
        _apply(con)
    return {k: v for k, v in counts.items() if v}


STOPPED = "the dispatch stopped after this request may have been sent"


def _stranded(row: dict[str, Any], delivery: Mapping[str, str],
              max_attempts: Mapping[str, int], now: datetime,
              dispatch_id: str) -> dict[str, Any]:
    """The outcome of an intent without one, by the destination's delivery policy."""
    attempt, limit = row["attempt"], max_attempts.get(row["destination"], 1)
    if delivery.get(row["destination"]) != "at_least_once":
        status, error = Status.UNKNOWN, f"{STOPPED} (at-most-once: not sent again)"
    elif attempt >= limit:
        status, error = Status.DEAD, f"{STOPPED}; its {limit} attempt(s) are spent"
    else:
        status = Status.RETRYING
        error = f"{STOPPED} (at-least-once: sent again with the same idempotency key)"
    return {"action_id": row["action_id"], "attempt": attempt, "status": str(status),
            "destination": row["destination"], "http_status": None,
            "provider_message_id": None, "error": error, "attempted_at": now,
            "journey_id": row["journey_id"], "member_id": row["member_id"],
            "tile_id": row["tile_id"], "action": row["action"], "reason": None,
            "next_attempt_at": now if status is Status.RETRYING else None,
            "dispatch_id": dispatch_id, "final": status is not Status.RETRYING,
            "solo": row["solo"]}
