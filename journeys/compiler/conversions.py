"""Which entries reached the journey's goal, tick by tick (``journey_conversions``).

Why its own model: a conversion is what a journey is judged by (C7 ``journey_metrics``'
conversion rate, the A/B readout), and the goal is not always an exit criterion, so the
steps alone do not say who converted. Each tick looks only at the entries open during it
(open now, or ended in this tick) and at the events since the previous tick, so its cost
follows open entries and new events, not history:

- a goal **event** converts an entry at the first matching event between its entry and its
  exit (or the tick's clock while it is open), as the goal exit criterion (S15) counts it;
- a goal **condition** converts an entry at the clock of the first tick, while it is open,
  at which the condition holds on the profile (conditions are only known at ticks).

An entry converts once: the conversions already recorded are left out.
"""

from __future__ import annotations

from sqlglot import exp

from journeys.compiler import dialect
from journeys.compiler.bindings import at_clock, event_condition, profile_condition
from journeys.compiler.walk import col, lit, table, tick_of, union_all
from journeys.spec.models import JourneySpec
from journeys.warehouse.relations import prior, ref

KEY = ("member_id", "entry_seq")
NEVER = "1900-01-01 00:00:00"


def _entries(open_model: str, ended_model: str) -> exp.Query:
    """Entries open at some clock of this run: open after it, or ended in it."""
    return union_all([
        exp.select(*KEY, "entered_journey_at",
                   exp.alias_(dialect.typed_null("timestamp"), "exited_at")).from_(
            ref(open_model)),
        exp.select(*KEY, "entered_journey_at", "exited_at").from_(ref(ended_model)),
    ])


def _by_event(spec: JourneySpec) -> exp.Query:
    """(member_id, entry_seq, converted_at): the first goal event of each entry in the run."""
    assert spec.goal is not None and spec.goal.event_match is not None
    match = spec.goal.event_match
    events = (exp.select(col("member_id", "v"), col("occurred_at", "v"))
              .from_(ref("stg_events", "v")).join(table("clock", "c"), join_type="cross")
              .where(event_condition(match.name, match.where))
              .where(exp.LTE(this=col("occurred_at", "v"), expression=col("run_at", "c")))
              .where(exp.GT(this=col("occurred_at", "v"), expression=exp.func(
                  "coalesce", col("prev_tick_at", "c"), dialect.timestamp_literal(NEVER)))))
    return (
        exp.select(col("member_id", "e"), col("entry_seq", "e"),
                   exp.alias_(exp.func("min", col("occurred_at", "g")), "converted_at"))
        .from_(table("entries", "e"))
        .join(exp.Subquery(this=events, alias=exp.TableAlias(this=exp.to_identifier("g"))),
              on=exp.and_(
                  exp.EQ(this=col("member_id", "g"), expression=col("member_id", "e")),
                  exp.GTE(this=col("occurred_at", "g"), expression=col("entered_journey_at", "e")),
                  exp.LTE(this=col("occurred_at", "g"), expression=exp.func(
                      "coalesce", col("exited_at", "e"), dialect.timestamp_literal("9999-12-31")))))
        .group_by(col("member_id", "e"), col("entry_seq", "e"))
    )


def _by_condition(spec: JourneySpec, columns: frozenset[str]) -> exp.Query:
    """(member_id, entry_seq, converted_at): the first clock of the run, while the entry
    was open, at which the goal condition held."""
    assert spec.goal is not None and spec.goal.where is not None
    k = col("run_at", "k")
    holds = at_clock(profile_condition(spec.goal.where, columns), k)
    return (
        exp.select(col("member_id", "e"), col("entry_seq", "e"),
                   exp.alias_(exp.func("min", k.copy()), "converted_at"))
        .from_(table("entries", "e")).join(table("clocks", "k"), join_type="cross")
        .join(ref("stg_profiles", "p"),
              on=exp.EQ(this=col("member_id", "p"), expression=col("member_id", "e")))
        .where(exp.and_(
            holds,
            exp.GTE(this=k.copy(), expression=col("entered_journey_at", "e")),
            exp.LTE(this=k.copy(), expression=exp.func("coalesce", col("exited_at", "e"),
                                                       k.copy()))))
        .group_by(col("member_id", "e"), col("entry_seq", "e"))
    )


def conversions_query(spec: JourneySpec, columns: frozenset[str], clock: exp.Query,
                      clocks: exp.Query, open_model: str, ended_model: str) -> exp.Query:
    """This run's new conversions of a journey with a goal (rows of ``journey_conversions``).

    Args:
        clock, clocks: the journey's ``clock`` (one row ``c``) and due ``clocks`` CTEs.
        open_model, ended_model: the journey's open entries after this run and the entries
            that ended in it.
    """
    assert spec.goal is not None
    found = _by_event(spec) if spec.goal.event_match is not None else _by_condition(
        spec, columns)
    seen = (exp.select("1").from_(prior("journey_conversions", "x"))
            .where(exp.and_(
                exp.EQ(this=col("journey_id", "x"), expression=lit(spec.id)),
                exp.EQ(this=col("member_id", "x"), expression=col("member_id", "f")),
                exp.EQ(this=col("entry_seq", "x"), expression=col("entry_seq", "f")))))
    return (
        exp.select(exp.alias_(lit(spec.id), "journey_id"), col("member_id", "f"),
                   col("entry_seq", "f"), col("converted_at", "f"),
                   exp.alias_(tick_of(col("converted_at", "f")), "tick_at"))
        .from_(table("found", "f"))
        .join(table("clock", "c"), join_type="cross")
        .where(exp.and_(col("is_due", "c"), exp.not_(exp.Exists(this=seen))))
        .with_("clock", as_=clock).with_("clocks", as_=clocks)
        .with_("entries", as_=_entries(open_model, ended_model))
        .with_("found", as_=found)
    )
