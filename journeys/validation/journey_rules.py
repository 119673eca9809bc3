"""Journey-level rules: exit criteria that need another block, time zones, cron, sub-journeys.

These need more than one field (``audience_exit`` needs an audience entry), outside data
(the IANA zone list, cron syntax) or other journeys (a ``sub_journey`` target must exist and
journeys must not enter each other in a circle), so they live here rather than in the models.
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Iterable

from croniter import croniter

from journeys.spec.models import (
    AudienceExit,
    BranchTile,
    GoalExit,
    SubJourneyTile,
    WaitTile,
)
from journeys.validation.drafts import SpecDraft
from journeys.validation.graphs import find_cycles
from journeys.validation.problems import did_you_mean

MEMBER_TIMEZONE = "member"


@functools.cache
def iana_zones() -> frozenset[str]:
    """Every IANA time zone name this Python knows (tzdata is a dependency)."""
    return frozenset(zoneinfo.available_timezones())


def check_journey_rules(draft: SpecDraft) -> None:
    """Exit criteria, spec and tile time zones, and the cron schedule of one draft."""
    _check_criteria(draft)
    _check_spec_timezone(draft)
    _check_tile_timezones(draft)
    _check_schedule(draft)
    _check_migrations(draft)


def holds_members(tile: object) -> bool:
    """Whether members sit at the tile between ticks: only there can a migration put them
    (the walk takes the arrival at any other tile, and its send, as a step of its own)."""
    return isinstance(tile, WaitTile) or (isinstance(tile, BranchTile)
                                          and tile.kind == "event_within")


def _check_migrations(draft: SpecDraft) -> None:
    """A migration moves members to a tile of this spec, and each old tile has one place."""
    if draft.spec is None or not draft.spec.migrations:
        return
    seen: set[str] = set()
    for index, move in enumerate(draft.spec.migrations):
        where = f"migrations[{index}]"
        if move.from_ in seen:
            draft.problem(f"{where}: tile '{move.from_}' is moved twice: give each old tile "
                          "one destination")
        seen.add(move.from_)
        target = draft.spec.tiles.get(move.to)
        if target is None:
            draft.problem(f"{where}: 'to: {move.to}' is not a tile of this journey"
                          f"{did_you_mean(move.to, draft.spec.tiles)}: members move to a "
                          "tile of the edited spec")
        elif not holds_members(target):
            draft.problem(f"{where}: 'to: {move.to}' is a tile of type {target.type}: members "
                          "move to a tile they wait at (a wait, or a branch waiting for an "
                          "event 'within' a time), where the next tick moves them on")


def _check_criteria(draft: SpecDraft) -> None:
    for index, criterion in enumerate(draft.exit_criteria):
        if isinstance(criterion, AudienceExit) and (
            draft.entry is not None and draft.entry.audience is None
        ):
            draft.problem(
                f"exit_criteria[{index}]: 'audience_exit' needs an audience entry "
                "(entry.audience): there is no audience to leave"
            )
        if isinstance(criterion, GoalExit) and "goal" not in draft.raw:
            draft.problem(
                f"exit_criteria[{index}]: 'goal: true' needs a 'goal:' block saying what the "
                "goal is (an event or a condition)"
            )


def timezone_problem(name: str, *, allow_member: bool) -> str | None:
    """Why ``name`` is not a usable time zone, or None when it is."""
    if name == MEMBER_TIMEZONE and allow_member:
        return None
    if name in iana_zones():
        return None
    if name == MEMBER_TIMEZONE:
        return (
            "'member' is only for tiles: the journey's timezone is the fallback for members "
            "without one, so it must be an IANA name such as UTC or Europe/Paris"
        )
    also = "'member' or " if allow_member else ""
    return (
        f"'{name}' is not an IANA time zone{did_you_mean(name, iana_zones())}: "
        f"write {also}a name such as UTC, Europe/Paris or America/New_York"
    )


def _check_spec_timezone(draft: SpecDraft) -> None:
    name = draft.raw.get("timezone")
    if isinstance(name, str):
        problem = timezone_problem(name, allow_member=False)
        if problem:
            draft.problem(f"timezone: {problem}")


def _check_tile_timezones(draft: SpecDraft) -> None:
    for tid, tile in draft.tiles.items():
        if isinstance(tile, WaitTile) and tile.until is not None:
            label, name = "until.timezone", tile.until.timezone
        elif isinstance(tile, BranchTile) and tile.time is not None:
            label, name = "time.timezone", tile.time.timezone
        else:
            continue
        problem = timezone_problem(name, allow_member=True)
        if problem:
            draft.problem(f"{label}: {problem}", tid)


def _check_schedule(draft: SpecDraft) -> None:
    schedule = draft.raw.get("schedule")
    if not isinstance(schedule, str):
        return
    if len(schedule.split()) != 5 or not croniter.is_valid(schedule):
        draft.problem(
            f"schedule: '{schedule}' is not a cron expression: write 5 fields "
            "(minute hour day-of-month month day-of-week, in UTC), e.g. '0 * * * *' for hourly"
        )


def check_sub_journeys(drafts: Iterable[SpecDraft], known_ids: Iterable[str]) -> None:
    """Every ``sub_journey`` targets a journey, and no journeys enter each other in a circle."""
    drafts = list(drafts)
    known = set(known_ids)
    calls: dict[str, list[tuple[str, str]]] = {}
    for draft in drafts:
        for tid, tile in draft.tiles.items():
            if not isinstance(tile, SubJourneyTile):
                continue
            if tile.journey not in known:
                draft.problem(
                    f"journey '{tile.journey}' is not a journey"
                    f"{did_you_mean(tile.journey, known)}: no journey_specs/{tile.journey}.yml",
                    tid,
                )
            else:
                calls.setdefault(draft.journey_id, []).append((tid, tile.journey))
    by_id = {draft.journey_id: draft for draft in drafts}
    graph = {source: sorted({target for _, target in edges}) for source, edges in calls.items()}
    for cycle in find_cycles(dict(sorted(graph.items()))):
        shown = " -> ".join([*cycle, cycle[0]])
        for position, journey_id in enumerate(cycle):
            target = cycle[(position + 1) % len(cycle)]
            draft = by_id.get(journey_id)
            for tid, called in calls.get(journey_id, []):
                if draft is not None and called == target:
                    draft.problem(
                        f"sub_journey to '{target}' makes a circular path across journeys: "
                        f"{shown}",
                        tid,
                    )

