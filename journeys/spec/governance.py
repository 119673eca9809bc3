"""Governance across journeys (CONTRACT C9, ``journey_specs/_governance.yml``), as frozen
typed models.

Governance sits between ``due_actions`` and dispatch: each due action is sent, deferred
(quiet hours) or suppressed with a reason. The models only check shape; the project
validation checks names against the project (journey ids, profile columns, dbt models).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from journeys.spec.durations import Duration
from journeys.spec.models import ID_PATTERN, WINDOW_PATTERN, JourneyId

Channel = Literal["email", "sms", "push", "webhook"]
CHANNELS: tuple[str, ...] = ("email", "sms", "push", "webhook")

REASONS: tuple[str, ...] = ("holdout", "suppression_list", "consent", "exited",
                            "quiet_hours", "frequency_cap")
"""Why an action was not sent now, in the order the checks apply: the first that holds is
the reason recorded (``quiet_hours`` defers; the others suppress)."""

Column = Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]*$")]


class GovernanceModel(BaseModel):
    """Base of the governance models: immutable, and unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class FrequencyCap(GovernanceModel):
    """At most ``max`` actions on ``channel`` (or on every channel: ``any``) per member in
    any rolling window of length ``per``."""

    channel: Channel | Literal["any"]
    max: Annotated[int, Field(ge=0, le=100_000)]
    per: Duration


class QuietHours(GovernanceModel):
    """Local hours in which ``channels`` are not sent: start-inclusive, end-exclusive; an end
    before the start crosses midnight. Actions due inside are held to the window's end."""

    channels: Annotated[list[Channel], Field(min_length=1)]
    between: Annotated[str, StringConstraints(pattern=WINDOW_PATTERN)]
    timezone: str = "member"

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        start, end = self.between.split("-")
        if start == end:
            raise ValueError(f"between '{self.between}' starts and ends at the same time: "
                             "write the hours in which nothing is sent, e.g. 21:00-08:00")
        return self

    @property
    def minutes(self) -> tuple[int, int]:
        """(start, end) as minutes of the day."""
        start, end = self.between.split("-")
        return (int(start[:2]) * 60 + int(start[3:]), int(end[:2]) * 60 + int(end[3:]))


class Suppression(GovernanceModel):
    """A dbt model (any with a ``member_id`` column) of members never contacted."""

    model: Annotated[str, StringConstraints(pattern=ID_PATTERN)]


class Holdout(GovernanceModel):
    """A global control group: ``percent`` of members by a salted md5 bucket get no
    messages, but still move through journeys and are counted."""

    percent: Annotated[float, Field(gt=0, le=50, multiple_of=0.01)]


class GovernanceSpec(GovernanceModel):
    """The whole ``_governance.yml``; every part is optional (an empty file governs
    nothing: every due action is sent)."""

    frequency_caps: list[FrequencyCap] = Field(default_factory=list)
    quiet_hours: QuietHours | None = None
    consent: dict[Channel, Column] = Field(default_factory=dict)
    suppression: Suppression | None = None
    holdout: Holdout | None = None
    priority: list[JourneyId] = Field(default_factory=list)

    @model_validator(mode="after")
    def _distinct_priority(self) -> GovernanceSpec:
        seen: set[str] = set()
        for journey_id in self.priority:
            if journey_id in seen:
                raise ValueError(f"priority lists '{journey_id}' twice: list each journey once")
            seen.add(journey_id)
        return self


def holdout_key(member_id: str) -> str:
    """The text whose md5 gives a member's holdout bucket (S10's bucket, salted).

    Example:
        >>> holdout_key("m1")
        'holdout:m1'
    """
    return f"holdout:{member_id}"
