"""What a tick writes, by how a failed tick is undone (:mod:`journeys.warehouse.journal`).

dbt commits each model on its own, so a tick that fails half-way has rewritten some tables
and not others. Two kinds of table are written, each undone its own way, at a cost that
grows with open entries and a tick's rows, never with history:

- **rewritten** (a journey's open entries and members, read back by the next tick, and its
  scratch tables of one tick's rows, which the union outputs read): copied at the start of
  the tick and put back;
- **appended** (the C7 outputs, keyed by journey and clock): the tick's rows deleted;
- **decided** (governance's decisions, across journeys, numbered by run): the rows of
  runs after the one the tick started from deleted (another journey's job may have
  decided at the same clock, and dispatched, before).

A test checks these lists against the compiled plans, so a new model cannot be forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass

from journeys.warehouse.relations import INTERNAL_SCHEMA, OUTPUT_SCHEMA

STATE_MODELS = ("open", "members")
SCRATCH_MODELS = ("clock", "advance_open", "admit", "advance_new", "steps", "actions",
                  "profile_updates", "ended", "conversions")
"""A journey's tables of one tick's rows (``conversions`` only with a goal)."""
APPENDED = (
    (OUTPUT_SCHEMA, "journey_steps", "tick_at"),
    (OUTPUT_SCHEMA, "due_actions", "tick_at"),
    (OUTPUT_SCHEMA, "profile_updates", "tick_at"),
    (OUTPUT_SCHEMA, "journey_ticks", "tick_at"),
    (INTERNAL_SCHEMA, "journey_ended_entries", "updated_tick_at"),
    (OUTPUT_SCHEMA, "journey_conversions", "tick_at"),
    (INTERNAL_SCHEMA, "journey_step_counts", "tick_at"),
    (INTERNAL_SCHEMA, "journey_entry_counts", "tick_at"),
    (INTERNAL_SCHEMA, "journey_split_entries", "tick_at"),
)

DECIDED = ((OUTPUT_SCHEMA, "governed_actions", "decision_seq"),)
"""Project-level tables appended by every run, with their run-number column."""


def decided_tables() -> tuple[tuple[str, str], ...]:
    """(table, run-number column) of the project-level tables a run appends to: a
    rolled-back run's rows are those numbered after the last one before it began."""
    return tuple((f"{schema}.{name}", clock) for schema, name, clock in DECIDED)


@dataclass(frozen=True)
class TickTables:
    """The tables one journey's tick writes, as ``schema.table`` names."""

    rewritten: tuple[str, ...]
    appended: tuple[tuple[str, str], ...]
    """(table, clock column): rows whose journey_id is the journey and clock the tick's."""


def tick_tables(journey_id: str) -> TickTables:
    """The tables a tick of ``journey_id`` writes.

    Example:
        >>> tick_tables("welcome").rewritten[:2]
        ('journeys_internal.welcome__open', 'journeys_internal.welcome__members')
    """
    return TickTables(
        rewritten=tuple(f"{INTERNAL_SCHEMA}.{journey_id}__{m}"
                        for m in (*STATE_MODELS, *SCRATCH_MODELS)),
        appended=tuple((f"{schema}.{name}", clock) for schema, name, clock in APPENDED))
