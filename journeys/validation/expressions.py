"""Every SQL expression in a spec, checked against the input it runs on (C4, C5 conditions).

Profile conditions (audience ``where``, goal ``where``, branch ``condition``) and values
(``fields``, ``body``, ``set``) run on ``profiles``; event filters (entry, goal and exit
events, ``until_event``, branch events) run on ``events`` and may read ``properties.<key>``.
Each is parsed by :func:`journeys.spec.conditions.parse_expression`, the same gate the
compiler uses, so what validates here is exactly what may reach SQL.
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlglot
from sqlglot import exp

from journeys.spec.conditions import (
    SOURCE_DIALECT,
    ConditionError,
    Scope,
    parse_expression,
)
from journeys.spec.models import (
    ActionTile,
    BranchTile,
    EventExit,
    EventMatch,
    UpdateProfileTile,
    WaitTile,
    WebhookTile,
)
from journeys.validation.drafts import SpecDraft

EVENT_SCOPE = Scope(
    columns=frozenset({"event", "occurred_at", "member_id"}), properties=True, input_name="events"
)

# (label, text, scope kind, boolean): scope kind is "profiles" or "events"
_Check = tuple[str, str, str, bool]


def check_expressions(draft: SpecDraft, profile_columns: frozenset[str] | None) -> None:
    """Parse every expression of a draft; record what may not run.

    Args:
        draft: the spec file.
        profile_columns: the profile columns, or None when unknown (then only the form of
            profile expressions is checked; the missing catalog is its own problem).
    """
    for tile, label, text, kind, boolean in _expressions(draft):
        if kind == "events":
            scope = EVENT_SCOPE
        else:
            columns = profile_columns if profile_columns is not None else _written_columns(text)
            scope = Scope(columns=columns, input_name="profiles")
        try:
            parse_expression(text, scope, boolean=boolean)
        except ConditionError as err:
            draft.problem(f"{label} {err}", tile)


def _expressions(draft: SpecDraft) -> Iterator[tuple[str | None, str, str, str, bool]]:
    """(tile, label, text, scope kind, boolean) for every expression in the valid parts."""
    for label, text, kind, boolean in _journey_expressions(draft):
        yield None, label, text, kind, boolean
    for tid, tile in draft.tiles.items():
        for label, text, kind, boolean in _tile_expressions(tile):
            yield tid, label, text, kind, boolean


def _event_filter(label: str, event: EventMatch | None) -> Iterator[_Check]:
    if event is not None and event.where is not None:
        yield f"{label}.where", event.where, "events", True


def _journey_expressions(draft: SpecDraft) -> Iterator[_Check]:
    entry, goal = draft.entry, draft.goal
    if entry is not None:
        if entry.audience is not None and entry.audience.where is not None:
            yield "entry.audience.where", entry.audience.where, "profiles", True
        yield from _event_filter("entry.event", entry.event)
    if goal is not None:
        if goal.where is not None:
            yield "goal.where", goal.where, "profiles", True
        yield from _event_filter("goal.event", goal.event_match)
    for index, criterion in enumerate(draft.exit_criteria):
        if isinstance(criterion, EventExit):
            yield from _event_filter(f"exit_criteria[{index}].event", criterion.event)


def _tile_expressions(tile: object) -> Iterator[_Check]:
    if isinstance(tile, BranchTile):
        if tile.condition is not None:
            yield "condition", tile.condition, "profiles", True
        yield from _event_filter("event", tile.event)
    elif isinstance(tile, WaitTile):
        yield from _event_filter("until_event", tile.until_event)
    elif isinstance(tile, ActionTile):
        for key, text in tile.fields.items():
            yield f"fields.{key}", text, "profiles", False
    elif isinstance(tile, WebhookTile):
        for key, text in tile.body.items():
            yield f"body.{key}", text, "profiles", False
    elif isinstance(tile, UpdateProfileTile):
        for key, text in tile.set_.items():
            yield f"set.{key}", text, "profiles", False


def _written_columns(text: str) -> frozenset[str]:
    """The bare column names an expression uses: the scope when the catalog is unknown."""
    try:
        trees = sqlglot.parse(text, dialect=SOURCE_DIALECT)
    except sqlglot.errors.ParseError:
        return frozenset()
    return frozenset(
        col.name for tree in trees if tree is not None for col in tree.find_all(exp.Column)
    )
