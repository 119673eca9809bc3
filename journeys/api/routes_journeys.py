"""``/journeys`` and ``/journeys/{id}``: list, read, create, replace and delete specs.

Only drafts are edited through the API. A live journey's spec changes the way C2 and S18
describe: pause it, edit ``journey_specs/<id>.yml`` (reviewed in git), resume it, which
checks where its members are. Every write leaves a project that `journeys validate` accepts.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from journeys.api.context import ApiContext, Ctx
from journeys.api.errors import ApiError, responses
from journeys.api.models import JourneyDetail, JourneySummary
from journeys.api.specs_io import (
    delete_spec,
    is_text,
    problems_with,
    read_spec,
    spec_path,
    spec_text,
    valid_id,
    write_spec,
)
from journeys.lifecycle import JourneyStatus, require_journey, spec_ids
from journeys.limits import (
    MAX_YAML_DEPTH,
    SURROGATE,
    nesting_depth,
    text_problems,
    too_long_id,
)
from journeys.validation.problems import path_label

router = APIRouter(tags=["journeys"])
PREFIX = "/api/v1"
SpecBody = Annotated[dict[str, Any], Body(
    description="A journey spec, as `journey_specs/<id>.yml` holds it, in JSON (its schema: "
                "`journey_specs/_schema.json`).",
    examples=[{"id": "vip_welcome", "name": "VIP welcome", "entry": {"manual": True},
               "tiles": {"start": {"type": "entry", "next": "done"},
                         "done": {"type": "exit"}}}])]


def journey_of(journey_id: str, status: JourneyStatus | None,
               spec: dict[str, Any] | None) -> JourneySummary:
    status = status or JourneyStatus(journey_id, "draft")
    name = spec.get("name") if spec else None
    return JourneySummary(id=journey_id, name=name if isinstance(name, str) else None,
                          state=status.state, control_seq=status.control_seq,
                          changed_at=status.changed_at, actor=status.actor)


def _detail(ctx: ApiContext, journey_id: str, status: JourneyStatus | None) -> JourneyDetail:
    spec = read_spec(ctx.settings, journey_id)
    return JourneyDetail(**journey_of(journey_id, status, spec).model_dump(), spec=spec)


def _checked_text(ctx: ApiContext, journey_id: str, spec: dict[str, Any], verb: str) -> str:
    """The spec's YAML, when the whole project validates with it; else 422 with the
    messages of `journeys validate`."""
    depth = nesting_depth(spec)
    if depth > MAX_YAML_DEPTH:
        raise ApiError(422, f"the spec is nested {depth:,} levels deep: at most "
                            f"{MAX_YAML_DEPTH} levels of objects and lists; journey_specs/"
                            f"{journey_id}.yml was not {verb}")
    surrogates = [where for where, _ in text_problems(spec) if _ == SURROGATE]
    text = spec_text(spec)
    if surrogates or not is_text(text):
        shown = ", ".join(path_label(w) for w in surrogates[:5]) or "a text"
        raise ApiError(422, f"{shown}: holds a lone surrogate (\\ud800), which is not text: "
                            "send the character itself (JSON \\u escapes in pairs), or remove "
                            f"it; journey_specs/{journey_id}.yml was not {verb}")
    problems = problems_with(ctx.settings, journey_id, text)
    if problems:
        raise ApiError(422, f"{len(problems)} problem(s): journey_specs/{journey_id}.yml was "
                            f"not {verb} (`journeys validate` lists the same)", problems)
    return text


def _only_drafts(journey_id: str, status: JourneyStatus, what: str) -> None:
    if status.state != "draft":
        raise ApiError(409, f"journey '{journey_id}' is {status.state}: only a draft is "
                            f"{what} through the API; {_LIVE_ADVICE[what].format(journey_id)}")


_LIVE_ADVICE = {
    "edited": "to change a live journey, pause it, edit journey_specs/{0}.yml (reviewed in "
              "git), then resume it (`journeys pause {0}` … `journeys resume {0}`)",
    "deleted": "archive it to retire it (POST /api/v1/journeys/{0}/archive); its id and "
               "history stay",
}


@router.get("/journeys", response_model=list[JourneySummary], responses=responses(503),
            summary="Every journey with a spec file, and its state")
def list_journeys(ctx: Ctx) -> list[JourneySummary]:
    statuses = ctx.statuses()
    return [journey_of(j, statuses.get(j), read_spec(ctx.settings, j))
            for j in spec_ids(ctx.settings)]


@router.post("/journeys", status_code=201, response_model=JourneyDetail,
             responses=responses(409, 422, 503),
             summary="Create a journey (a draft) from a spec: journey_specs/<id>.yml")
def create_journey(spec: SpecBody, ctx: Ctx) -> JourneyDetail:
    journey_id = spec.get("id")
    if isinstance(journey_id, str) and too_long_id(journey_id) is not None:
        raise ApiError(422, f"the spec's id: {too_long_id(journey_id, 'it')}; the id names "
                            "its file journey_specs/<id>.yml")
    if not valid_id(journey_id):
        raise ApiError(422, f"the spec's id ({json.dumps(journey_id)}) names its file "
                            "journey_specs/<id>.yml: write lowercase letters, digits and '_', "
                            "starting with a letter (e.g. welcome_series)")
    with ctx.lock:
        statuses = ctx.statuses()
        if spec_path(ctx.settings, journey_id).exists():
            raise ApiError(409, f"journey '{journey_id}' exists (journey_specs/{journey_id}"
                                f".yml): replace a draft's spec with PUT {PREFIX}/journeys/"
                                f"{journey_id}, or choose another id")
        if journey_id in statuses:
            raise ApiError(409, f"journey '{journey_id}' has a history (it was "
                                f"{statuses[journey_id].state}; journeys.journey_control "
                                "keeps it): its id stays taken, choose another id")
        write_spec(ctx.settings, journey_id, _checked_text(ctx, journey_id, spec, "written"))
        return _detail(ctx, journey_id, None)


@router.get("/journeys/{journey_id}", response_model=JourneyDetail,
            responses=responses(404, 503), summary="A journey's spec and state")
def get_journey(journey_id: str, ctx: Ctx) -> JourneyDetail:
    require_journey(ctx.settings, journey_id)
    return _detail(ctx, journey_id, ctx.statuses().get(journey_id))


@router.put("/journeys/{journey_id}", response_model=JourneyDetail,
            responses=responses(404, 409, 422, 503), summary="Replace a draft's spec")
def replace_journey(journey_id: str, spec: SpecBody, ctx: Ctx) -> JourneyDetail:
    with ctx.lock:
        require_journey(ctx.settings, journey_id)
        status = ctx.status(journey_id)
        _only_drafts(journey_id, status, "edited")
        if spec.get("id") != journey_id:
            raise ApiError(422, f"the spec's id ({json.dumps(spec.get('id'))}) is not the "
                                f"journey '{journey_id}' of the path: a journey keeps its id "
                                f"(create a new one with POST {PREFIX}/journeys)")
        write_spec(ctx.settings, journey_id, _checked_text(ctx, journey_id, spec, "changed"))
        return _detail(ctx, journey_id, status)


@router.delete("/journeys/{journey_id}", status_code=204, response_class=Response,
               responses=responses(404, 409, 422, 503), summary="Delete a draft's spec file")
def delete_journey(journey_id: str, ctx: Ctx) -> Response:
    with ctx.lock:
        require_journey(ctx.settings, journey_id)
        _only_drafts(journey_id, ctx.status(journey_id), "deleted")
        problems = problems_with(ctx.settings, journey_id, None)
        if problems:
            raise ApiError(422, f"{len(problems)} problem(s) without journey_specs/"
                                f"{journey_id}.yml: it was not deleted (`journeys validate` "
                                "lists the same once it is gone)", problems)
        delete_spec(ctx.settings, journey_id)
    return Response(status_code=204)
