"""The REST API's request and response bodies (JSON), as pydantic models.

Why models rather than dicts: FastAPI publishes them in the OpenAPI document, so clients
(and the schemathesis tests) know every field and every error's shape. A journey spec is
not modelled here on purpose: its body is any JSON object, checked by the same validation
as the files (`journeys validate`), so the API answers with the same messages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from journeys.lifecycle.states import State
from journeys.limits import MAX_MEMBER_ID_LENGTH, MAX_MEMBERS_PER_REQUEST
from journeys.metrics.readout import ArmReadout, JourneyMetrics, TileStats

MemberId = Annotated[str, Field(min_length=1, max_length=MAX_MEMBER_ID_LENGTH)]


class ErrorBody(BaseModel):
    """Every error: ``detail`` is the message the CLI prints for the same failure;
    ``problems`` (spec problems only) lists `journeys validate`'s lines."""

    detail: str
    problems: list[str] | None = None


class JourneySummary(BaseModel):
    """A journey with a spec file, and its lifecycle state (S18)."""

    id: str
    name: str | None = Field(None, description="The spec's name (null when it does not parse).")
    state: State
    control_seq: int = Field(0, description="Number of the last lifecycle change (0: none).")
    changed_at: datetime | None = Field(None, description="When that change was made (UTC).")
    actor: str | None = Field(None, description="Who made it (`api:<key name>` for the API).")


class JourneyDetail(JourneySummary):
    """A journey's status and its spec, as the file ``journey_specs/<id>.yml`` holds it."""

    spec: dict[str, Any] | None = Field(
        None, description="The spec file as JSON (null when it is not a YAML mapping).")


class ValidationReport(BaseModel):
    """What `journeys validate journey_specs/<id>.yml` says about the file as it is."""

    valid: bool
    problems: list[str]


class MembersRequest(BaseModel):
    """Members to put into a journey (recorded in ``manual_entries``; the next tick
    applies the request at ``requested_at``)."""

    model_config = ConfigDict(extra="forbid")

    member_ids: list[MemberId] = Field(min_length=1, max_length=MAX_MEMBERS_PER_REQUEST)
    requested_at: str | None = Field(
        None, json_schema_extra={"format": "date-time"},
        description="When the request takes effect, ISO 8601 (default: now).")


class MembershipReport(BaseModel):
    """The members recorded, and those without a profile (reported, not recorded)."""

    recorded: list[str]
    unknown: list[str]
    requested_at: datetime


class JourneyStats(BaseModel):
    """``journeys status --json`` for one journey, with its lifecycle state."""

    journey_id: str
    name: str
    state: State
    ticked: bool = Field(description="Whether a tick has built the metrics (else all zeros).")
    metrics: JourneyMetrics
    tiles: list[TileStats]
    arms: list[ArmReadout]
