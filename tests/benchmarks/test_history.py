"""The growth experiment's added history: old, distinct keys, and the present untouched."""

from __future__ import annotations

import duckdb
import pytest

from benchmarks.figures.history import History, add_history, table_sizes

SCHEMA = """
create schema journeys;
create schema journeys_internal;
create table main.events as select * from (values
  ('m1', 'signed_up', timestamp '2026-10-02 10:00', '{}'::json),
  ('m2', 'order_placed', timestamp '2026-10-25 10:00', '{}'::json)
) t(member_id, event, occurred_at, properties);
create table journeys.journey_steps as select * from (values
  ('j', 'v1', 'm1', 1, 'start', 'entry', null, 'entry', timestamp '2026-10-20 00:00', null,
   timestamp '2026-10-20 00:00'),
  ('j', 'v1', 'm1', 1, 'done', 'exit', 'start', 'next', timestamp '2026-10-21 00:00',
   'completed', timestamp '2026-10-21 00:00')
) t(journey_id, spec_version, member_id, entry_seq, tile_id, tile_type, from_tile, via,
    entered_at, exit_reason, tick_at);
create table journeys.due_actions as select * from (values
  (md5('j:m1:1:email'), 'j', 'm1', 1, 'email', 'action', 'outbox', 'send_email', 'd-1',
   '{}'::json, timestamp '2026-10-20 00:00', timestamp '2026-10-20 00:00')
) t(action_id, journey_id, member_id, entry_seq, tile_id, tile_type, destination, action,
    template, payload, due_at, tick_at);
create table journeys.profile_updates as select * from (values
  (md5('j:m1:1:set'), 'j', 'm1', 1, 'set', 'plan', 'pro', timestamp '2026-10-20 00:00',
   timestamp '2026-10-20 00:00')
) t(action_id, journey_id, member_id, entry_seq, tile_id, column_name, value, updated_at,
    tick_at);
create table journeys.journey_ticks as select * from (values
  ('j', timestamp '2026-10-20 00:00', 1, 0, 0, 1, 5),
  ('j', timestamp '2026-10-21 00:00', 0, 1, 1, 0, 5)
) t(journey_id, tick_at, entered, advanced, exited, actions, duration_ms);
create table journeys_internal.journey_ended_entries as select * from (values
  ('j', 'm1', 1, 'completed', 'done', timestamp '2026-10-21 00:00',
   timestamp '2026-10-20 00:00', timestamp '2026-10-21 00:00', 'completed',
   timestamp '2026-10-21 00:00')
) t(journey_id, member_id, entry_seq, status, tile_id, entered_tile_at, entered_journey_at,
    exited_at, exit_reason, updated_tick_at);
create table journeys_internal.j__open as select * from (values
  ('m2', 1, timestamp '2026-10-25 10:00', 'wait', timestamp '2026-10-25 10:00',
   timestamp '2026-10-25 11:00')
) t(member_id, entry_seq, entered_journey_at, tile_id, entered_tile_at, updated_tick_at);
create view journeys.journey_state as
  select * from journeys_internal.journey_ended_entries
  union all
  select 'j', member_id, entry_seq, 'active', tile_id, entered_tile_at, entered_journey_at,
         null::timestamp, null::varchar, updated_tick_at from journeys_internal.j__open;
"""
KEYS = {
    "journeys.journey_steps": "journey_id, member_id, entry_seq, tile_id",
    "journeys.due_actions": "action_id",
    "journeys.profile_updates": "action_id, column_name",
    "journeys_internal.journey_ended_entries": "journey_id, member_id, entry_seq",
    "journeys.journey_ticks": "journey_id, tick_at",
}


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute(SCHEMA)
    yield con
    con.close()


def snapshot(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    return sorted(con.execute(f"select * from {table}").fetchall(), key=repr)


def test_no_copies_only_rewrites(con: duckdb.DuckDBPyConnection) -> None:
    before = {t: snapshot(con, t) for t in ("main.events", *KEYS)}
    add_history(con, History(event_copies=0, journey_copies=0))
    assert {t: snapshot(con, t) for t in before} == before


def test_copies_are_old_distinct_and_ended(con: duckdb.DuckDBPyConnection) -> None:
    present = {t: snapshot(con, t) for t in ("main.events", *KEYS)}
    add_history(con, History(event_copies=2, journey_copies=8))
    assert table_sizes(con) == {"events": 6, "journey_steps": 18, "due_actions": 9,
                                "profile_updates": 9, "journey_ended_entries": 1 + 8 * 2,
                                "journey_ticks": 18}
    for table, key in KEYS.items():
        assert con.execute(f"select count(*) - count(distinct ({key})) from {table}"
                           ).fetchone()[0] == 0, table
    for table, rows in present.items():  # the present is still there, unchanged
        assert set(rows) <= set(snapshot(con, table)), table
    # every added event is older than every original one, every added row than the first tick
    assert con.execute("select count(*) from main.events where occurred_at < "
                       "timestamp '2026-10-02 10:00'").fetchone()[0] == 4
    assert con.execute("select max(tick_at) from journeys.journey_steps where entry_seq < 0"
                       ).fetchone()[0] < con.execute(
        "select min(tick_at) from journeys.journey_ticks where tick_at >= '2026-10-20'"
    ).fetchone()[0]
    # the open entry's copies are ended; the open entries themselves are untouched
    assert con.execute("select count(*) from journeys.journey_state where status = 'active'"
                       ).fetchone()[0] == 1
    assert con.execute("select count(*) from journeys_internal.journey_ended_entries "
                       "where exited_at is null or exit_reason is null").fetchone()[0] == 0
    action_ids = con.execute("select action_id, md5(journey_id || ':' || member_id || ':' || "
                             "entry_seq || ':' || tile_id) from journeys.due_actions").fetchall()
    assert all(a == b for a, b in action_ids)
