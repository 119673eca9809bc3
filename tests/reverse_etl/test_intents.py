"""What a killed dispatcher leaves, settled: only intents without an outcome are uncertain.

These build the warehouse state a kill leaves (a claimed round, some intents, some
outcomes) with the real queue and intents code on a real DuckDB file, then recover.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from reverse_etl import intents, queue
from tests.reverse_etl.warehouse_support import final_statuses, project, seed_actions

NOW = datetime(2026, 3, 1, 10)


def claimed_round(tmp_path: Path, count: int) -> tuple[duckdb.DuckDBPyConnection, list[str]]:
    settings = project(tmp_path, {})
    ids = seed_actions(settings.warehouse, count)
    con = duckdb.connect(str(settings.warehouse))
    queue.ensure_tables(con)
    intents.ensure_tables(con)
    queue.enqueue(con, "d1", governed=False)
    rows = queue.claim(con, count, NOW, "d1", [])
    assert [r["attempts"] for r in rows] == [1] * count  # the attempt about to be made
    return con, ids


def outcome(action_id: str, status: str) -> dict:
    return {"action_id": action_id, "attempt": 1, "status": status, "destination": "hooks",
            "http_status": 200, "provider_message_id": None, "error": None,
            "attempted_at": NOW, "journey_id": "welcome_series", "member_id": "m",
            "tile_id": "reward", "action": "custom_api", "reason": None,
            "next_attempt_at": None, "dispatch_id": "d1", "final": True, "solo": False}


@pytest.mark.parametrize(("delivery", "uncertain"), [("at_most_once", "unknown"),
                                                      ("at_least_once", "resent")])
def test_only_the_intent_without_an_outcome_is_uncertain(
        tmp_path: Path, delivery: str, uncertain: str) -> None:
    con, ids = claimed_round(tmp_path, 10)
    intents.record(con, [{"action_id": a, "attempt": 1, "dispatch_id": "d1",
                          "intended_at": NOW} for a in ids[:2]], [outcome(ids[0], "sent")])
    assert intents.in_flight(con) == [(ids[1], 1)]

    settled = intents.recover(con, {"hooks": delivery}, {"hooks": 5}, NOW, "d2")

    assert settled == {"logged": 1, "not sent": 8, uncertain: 1}
    left = dict(con.execute("select action_id, state from journeys_internal.dispatch_queue "
                            "order by 1").fetchall())
    attempts = dict(con.execute("select action_id, attempts from "
                                "journeys_internal.dispatch_queue").fetchall())
    con.close()
    statuses = final_statuses(tmp_path / "warehouse.duckdb")
    assert statuses[ids[0]] == "sent"
    if delivery == "at_most_once":
        assert statuses[ids[1]] == "unknown" and ids[1] not in left
    else:  # sent again, now, with the same key; its attempt counted
        assert statuses[ids[1]] == "retrying" and left[ids[1]] == "waiting"
        assert attempts[ids[1]] == 1
    never_left = ids[2:]
    assert all(left[a] == "ready" and attempts[a] == 0 for a in never_left)
    assert not set(never_left) & set(statuses)  # nothing logged for them: as if not claimed


def test_a_row_left_sending_by_a_dispatcher_before_intents_is_uncertain(
        tmp_path: Path) -> None:
    con, ids = claimed_round(tmp_path, 3)
    con.execute("update journeys_internal.dispatch_queue set state = 'sending', "
                "attempts = 1 where action_id = ?", [ids[0]])

    settled = intents.recover(con, {"hooks": "at_most_once"}, {"hooks": 5}, NOW, "d2")

    con.close()
    assert settled == {"not sent": 2, "unknown": 1}
    assert final_statuses(tmp_path / "warehouse.duckdb") == {ids[0]: "unknown"}


def test_actions_refused_before_sending_are_logged_not_counted_as_not_sent(
        tmp_path: Path) -> None:
    """A refused action has an outcome but no intent and is still ``claimed`` when the
    dispatcher is killed: recovery logs it, and counts it once, under ``logged``."""
    con, ids = claimed_round(tmp_path, 10)
    refused = [{**outcome(a, "failed"), "http_status": None,
                "error": "template field 'first_name' is null"} for a in ids[:2]]
    intents.record(con, [{"action_id": a, "attempt": 1, "dispatch_id": "d1",
                          "intended_at": NOW} for a in ids[2:4]],
                   [*refused, outcome(ids[2], "sent")])

    settled = intents.recover(con, {"hooks": "at_most_once"}, {"hooks": 5}, NOW, "d2")

    con.close()
    assert settled == {"logged": 3, "not sent": 6, "unknown": 1}
    assert sum(settled.values()) == len(ids)
    statuses = final_statuses(tmp_path / "warehouse.duckdb")
    assert statuses == {ids[0]: "failed", ids[1]: "failed", ids[2]: "sent", ids[3]: "unknown"}
