"""Typed, frozen models of a journey spec (CONTRACT C4).

The models only check shape (unknown keys, types, patterns, which fields go together).
Everything that needs more than one field or another file (graph structure, destinations,
columns of the warehouse) is checked in :mod:`journeys.validation`, which turns every problem
into a message naming the file and the tile.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from journeys.spec.durations import Duration

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
TILE_ID_PATTERN = r"^[a-z][a-z0-9_]*$"
HHMM_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
WINDOW_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$"

JourneyId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
TileId = Annotated[str, StringConstraints(pattern=TILE_ID_PATTERN)]
Expression = Annotated[str, StringConstraints(min_length=1)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ActionType = Literal["send_email", "send_sms", "send_push", "custom_api"]


class SpecModel(BaseModel):
    """Base of every spec model: immutable, and a typo'd key is an error, never ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --- entry, goal, exit criteria -------------------------------------------------------------


class EventMatch(SpecModel):
    """An event by name, optionally filtered on its ``properties.<key>`` values."""

    name: Annotated[str, StringConstraints(min_length=1)]
    where: Expression | None = None


class AudienceEntry(SpecModel):
    """Members of an audience: a condition over profiles, or a dbt model with ``member_id``."""

    where: Expression | None = None
    model: JourneyId | None = None

    @model_validator(mode="after")
    def _one_source(self) -> AudienceEntry:
        if (self.where is None) == (self.model is None):
            raise ValueError("an audience takes exactly one of 'where' or 'model'")
        return self


class Entry(SpecModel):
    """Who enters, and how often (S3, S16)."""

    audience: AudienceEntry | None = None
    event: EventMatch | None = None
    manual: bool = False
    frequency: Literal["once", "recurring"] = "once"
    cooldown: Duration | None = None

    @model_validator(mode="after")
    def _one_trigger(self) -> Entry:
        if self.audience is not None and self.event is not None:
            raise ValueError("entry takes 'audience' or 'event', not both")
        if self.audience is None and self.event is None and not self.manual:
            raise ValueError("entry needs one of 'audience', 'event' or 'manual: true'")
        if self.cooldown is not None and self.frequency != "recurring":
            raise ValueError("'cooldown' only applies to 'frequency: recurring'")
        return self


class Goal(SpecModel):
    """The conversion: an event (by name or with a filter) or a profile condition."""

    event: str | EventMatch | None = None
    where: Expression | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Goal:
        if (self.event is None) == (self.where is None):
            raise ValueError("a goal takes exactly one of 'event' or 'where'")
        return self

    @property
    def event_match(self) -> EventMatch | None:
        """The goal event as an :class:`EventMatch`, whichever way it was written."""
        if isinstance(self.event, str):
            return EventMatch(name=self.event)
        return self.event


class GoalExit(SpecModel):
    goal: Literal[True]


class EventExit(SpecModel):
    event: EventMatch


class AudienceExit(SpecModel):
    audience_exit: Literal[True]


class TimeoutExit(SpecModel):
    timeout: Duration


ExitCriterion = GoalExit | EventExit | AudienceExit | TimeoutExit


def exit_reason(criterion: ExitCriterion) -> str:
    """The ``exit_reason`` a criterion writes (C7): goal, event, audience_exit, timeout."""
    if isinstance(criterion, GoalExit):
        return "goal"
    if isinstance(criterion, EventExit):
        return "event"
    if isinstance(criterion, AudienceExit):
        return "audience_exit"
    return "timeout"


# --- tiles ----------------------------------------------------------------------------------


class EntryTile(SpecModel):
    type: Literal["entry"]
    next: TileId


class WaitUntil(SpecModel):
    """A local wall-clock instant: ``{weekdays: [mon, fri], time: "09:00", timezone: member}``."""

    weekdays: list[Weekday] | None = None
    time: Annotated[str, StringConstraints(pattern=HHMM_PATTERN)]
    timezone: str = "member"


class WaitTile(SpecModel):
    """Leaves after a duration, at a local time, or at an event (else on timeout)."""

    type: Literal["wait"]
    duration: Duration | None = None
    until: WaitUntil | None = None
    until_event: EventMatch | None = None
    timeout: Duration | None = None
    on_timeout: TileId | None = None
    next: TileId

    @model_validator(mode="after")
    def _one_kind(self) -> WaitTile:
        kinds = [k for k in ("duration", "until", "until_event") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("a wait takes exactly one of 'duration', 'until' or 'until_event'")
        if self.until_event is not None:
            if self.timeout is None or self.on_timeout is None:
                raise ValueError("'until_event' needs 'timeout' and 'on_timeout'")
        elif self.timeout is not None or self.on_timeout is not None:
            raise ValueError("'timeout' and 'on_timeout' only go with 'until_event'")
        return self

    @property
    def kind(self) -> Literal["duration", "until", "until_event"]:
        if self.duration is not None:
            return "duration"
        return "until" if self.until is not None else "until_event"


class TimeWindow(SpecModel):
    """Local days and hours: ``between`` is start-inclusive, end-exclusive, may cross midnight."""

    weekdays: list[Weekday] | None = None
    between: Annotated[str, StringConstraints(pattern=WINDOW_PATTERN)] | None = None
    timezone: str = "member"

    @model_validator(mode="after")
    def _something(self) -> TimeWindow:
        if self.weekdays is None and self.between is None:
            raise ValueError("a time branch needs 'weekdays', 'between' or both")
        return self


class BranchTile(SpecModel):
    """Yes/no on a profile condition, a past event, an event within a window, or local time."""

    type: Literal["branch"]
    condition: Expression | None = None
    event: EventMatch | None = None
    within: Duration | None = None
    time: TimeWindow | None = None
    yes: TileId
    no: TileId

    @model_validator(mode="after")
    def _one_kind(self) -> BranchTile:
        kinds = [k for k in ("condition", "event", "time") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("a branch takes exactly one of 'condition', 'event' or 'time'")
        if self.within is not None and self.event is None:
            raise ValueError("'within' only goes with an 'event' branch")
        return self

    @property
    def kind(self) -> Literal["condition", "event", "event_within", "time"]:
        if self.condition is not None:
            return "condition"
        if self.event is not None:
            return "event_within" if self.within is not None else "event"
        return "time"


class SplitPath(SpecModel):
    percent: Annotated[float, Field(gt=0, le=100)]
    next: TileId


class SplitTile(SpecModel):
    type: Literal["split"]
    paths: dict[TileId, SplitPath]


class ActionTile(SpecModel):
    type: Literal["action"]
    destination: Annotated[str, StringConstraints(min_length=1)]
    action: ActionType
    template: Annotated[str, StringConstraints(min_length=1)]
    fields: dict[str, Expression] = Field(default_factory=dict)
    next: TileId


class WebhookTile(SpecModel):
    type: Literal["webhook"]
    destination: Annotated[str, StringConstraints(min_length=1)]
    body: dict[str, Expression] = Field(default_factory=dict)
    next: TileId


class UpdateProfileTile(SpecModel):
    type: Literal["update_profile"]
    set_: dict[str, Expression] = Field(alias="set", min_length=1)
    next: TileId


class SubJourneyTile(SpecModel):
    type: Literal["sub_journey"]
    journey: JourneyId
    next: TileId


class ExitTile(SpecModel):
    type: Literal["exit"]


Tile = Annotated[
    EntryTile
    | WaitTile
    | BranchTile
    | SplitTile
    | ActionTile
    | WebhookTile
    | UpdateProfileTile
    | SubJourneyTile
    | ExitTile,
    Field(discriminator="type"),
]


def edges(tile: Tile) -> list[tuple[str, str]]:
    """Outgoing edges of a tile as (label, target), labels as in ``journey_steps.via``."""
    if isinstance(tile, ExitTile):
        return []
    if isinstance(tile, BranchTile):
        return [("yes", tile.yes), ("no", tile.no)]
    if isinstance(tile, SplitTile):
        return [(name, path.next) for name, path in tile.paths.items()]
    if isinstance(tile, WaitTile) and tile.on_timeout is not None:
        return [("next", tile.next), ("timeout", tile.on_timeout)]
    return [("next", tile.next)]


# --- the journey ----------------------------------------------------------------------------


class TileMigration(SpecModel):
    """Where members at a removed (or retyped) tile go when a paused journey is edited:
    ``{from: wait_3d, to: wait_2d}``. They keep their arrival time at the old tile."""

    from_: TileId = Field(alias="from")
    to: TileId


class JourneySpec(SpecModel):
    """One journey, as written in ``journey_specs/<id>.yml``."""

    id: JourneyId
    name: Annotated[str, StringConstraints(min_length=1)]
    description: str | None = None
    schedule: str = "0 * * * *"
    timezone: str = "UTC"
    entry: Entry
    goal: Goal | None = None
    exit_criteria: list[ExitCriterion] = Field(default_factory=list)
    tiles: dict[str, Tile]
    migrations: list[TileMigration] | None = None
    """Moves of members for an edit of a live journey (`journeys migrate`); None, not
    empty, by default, so that specs without it keep their ``spec_version``."""

    @property
    def entry_tile_id(self) -> str:
        """The id of the (single, validated) entry tile."""
        return next(tid for tid, t in self.tiles.items() if isinstance(t, EntryTile))

    @property
    def spec_version(self) -> str:
        """Content hash of the spec: recorded on every step so edits are traceable."""
        canonical = json.dumps(
            self.model_dump(mode="json", by_alias=True, exclude_none=True), sort_keys=True
        )
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]
