"""What is done to a journey: lifecycle changes, validation, manual membership, its numbers.

Each route calls the engine function the CLI calls (`journeys activate|pause|resume|archive`,
`validate`, `enter`/`remove`, `status --json`), so both check and record the same way; the
audit trail names the API key (``api:<name>``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query

from journeys.api.auth import Actor
from journeys.api.context import LEASE_WAIT_S, ApiContext, Ctx
from journeys.api.errors import ApiError, responses
from journeys.api.models import (
    JourneyStats,
    JourneySummary,
    MembershipReport,
    MembersRequest,
    ValidationReport,
)
from journeys.api.routes_journeys import journey_of
from journeys.api.specs_io import file_problems, read_spec, shown
from journeys.lifecycle import (
    ChangeRequest,
    JourneyStatus,
    SpecProblems,
    change_state,
    require_journey,
    status_of,
)
from journeys.lifecycle.migration import MigrationNeeded, resume_check
from journeys.lifecycle.states import Action
from journeys.membership import JourneyNotOpen, Kind, MembershipError, record_requests
from journeys.metrics.readout import has_metrics, read_readout
from journeys.spec.models import JourneySpec
from journeys.warehouse.clock import now_clock, parse_clock

router = APIRouter(tags=["operations"])

_CHANGES: dict[Action, str] = {
    "activate": "Start a draft (the project must validate); members enter from the next tick",
    "pause": "Hold an active journey: no entries, members stay where they are",
    "resume": "Restart a paused journey (validates, and checks where its members are)",
    "archive": "Retire a journey: no new entries, members already in go on to exit (final)",
}


def _lifecycle_route(action: Action) -> Callable[..., JourneySummary]:
    def change(journey_id: str, ctx: Ctx, actor: Actor) -> JourneySummary:
        ctx.need_warehouse()
        request = ChangeRequest(journey_id, action, actor, LEASE_WAIT_S)
        with ctx.lock:
            try:
                done = change_state(ctx.settings, request, check=resume_check)
            except SpecProblems as problems:
                raise ApiError(422, problems.summary,
                               shown(problems.problems, [ctx.settings.project_root])) from None
            except MigrationNeeded as stranded:
                raise ApiError(409, str(stranded)) from None
        status = JourneyStatus(journey_id, done.state, done.control_seq, done.changed_at,
                               done.actor, done.spec_version)
        return journey_of(journey_id, status, read_spec(ctx.settings, journey_id))

    change.__name__ = f"{action}_journey"
    return change


for _action, _summary in _CHANGES.items():
    router.add_api_route(f"/journeys/{{journey_id}}/{_action}", _lifecycle_route(_action),
                         methods=["POST"], response_model=JourneySummary, summary=_summary,
                         responses=responses(404, 409, 422, 503))


@router.post("/journeys/{journey_id}/validate", response_model=ValidationReport,
             responses=responses(404),
             summary="`journeys validate journey_specs/<id>.yml`: the file as it is")
def validate_journey(journey_id: str, ctx: Ctx) -> ValidationReport:
    require_journey(ctx.settings, journey_id)
    with ctx.lock:
        problems = file_problems(ctx.settings, journey_id)
    return ValidationReport(valid=not problems, problems=problems)


def _membership(ctx: ApiContext, journey_id: str, members: list[str], kind: Kind,
                requested_at: str | None) -> MembershipReport:
    require_journey(ctx.settings, journey_id)
    ctx.need_warehouse()
    try:
        at = parse_clock(requested_at) if requested_at is not None else now_clock()
    except ValueError as bad:
        raise ApiError(422, str(bad)) from None
    with ctx.lock:
        try:
            result = record_requests(ctx.settings, journey_id, members, kind, at, LEASE_WAIT_S)
        except MembershipError as refused:
            status = 409 if isinstance(refused, JourneyNotOpen) else 422
            raise ApiError(status, str(refused)) from None
    return MembershipReport(recorded=list(result.recorded), unknown=list(result.unknown),
                            requested_at=result.requested_at)


_MEMBER_ERRORS = responses(404, 409, 422, 503)
RequestedAt = Annotated[str | None, Query(
    json_schema_extra={"format": "date-time"},
    description="When the removal takes effect, ISO 8601 (default: now).")]


@router.post("/journeys/{journey_id}/members", response_model=MembershipReport,
             responses=_MEMBER_ERRORS,
             summary="Put members into an active journey (`journeys enter`)")
def enter_members(journey_id: str, body: MembersRequest, ctx: Ctx) -> MembershipReport:
    return _membership(ctx, journey_id, body.member_ids, "enter", body.requested_at)


@router.delete("/journeys/{journey_id}/members/{member_id}", response_model=MembershipReport,
               responses=_MEMBER_ERRORS,
               summary="Take a member out of a journey (`journeys remove`)")
def remove_member(journey_id: str, member_id: str, ctx: Ctx,
                  requested_at: RequestedAt = None) -> MembershipReport:
    return _membership(ctx, journey_id, [member_id], "remove", requested_at)


@router.get("/journeys/{journey_id}/stats", response_model=JourneyStats,
            responses=responses(404, 422, 503),
            summary="A journey's numbers (`journeys status ID --json`) and its state")
def journey_stats(journey_id: str, ctx: Ctx) -> JourneyStats:
    require_journey(ctx.settings, journey_id)
    spec = _parsed_spec(ctx, journey_id)
    with ctx.connection() as con:
        state = status_of(con, journey_id).state
        readout = read_readout(con, spec)
        ticked = has_metrics(con)
    return JourneyStats(journey_id=journey_id, name=readout.name, state=state, ticked=ticked,
                        metrics=readout.metrics, tiles=list(readout.tiles),
                        arms=list(readout.arms))


def _parsed_spec(ctx: ApiContext, journey_id: str) -> JourneySpec:
    """The spec, or 422 with `journeys validate`'s messages when it does not parse."""
    raw = read_spec(ctx.settings, journey_id)
    try:
        return JourneySpec.model_validate(raw)
    except ValueError:
        with ctx.lock:
            problems = file_problems(ctx.settings, journey_id)
        raise ApiError(422, f"{len(problems)} problem(s) in journey_specs/{journey_id}.yml: "
                            "it has no numbers until it validates", problems) from None
