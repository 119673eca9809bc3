"""Changing a journey's state: `journeys activate|pause|resume|archive ID` and the API.

A change is checked, then recorded in ``journeys.journey_control`` under the warehouse's
lease (a tick reads the table; it must see a change whole, and before or after itself, never
during). Activation and resume validate the project first: a tick would refuse to run a
project with problems, so activating one would only defer the error to the scheduler. Pause
and archive never validate: an operator stopping a journey in an incident must not be held
up by a broken spec elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from journeys.lifecycle.control import ControlChange, append_change, states_of, status_of
from journeys.lifecycle.states import Action, TransitionError, next_state
from journeys.settings import Settings
from journeys.spec.models import JourneySpec
from journeys.validation import validate_project
from journeys.validation.problems import Problem
from journeys.validation.project import journey_ids_on_disk
from journeys.warehouse.transactions import transaction
from journeys.warehouse.writers import writing

VALIDATED: frozenset[str] = frozenset({"activate", "resume"})


def done(action: str) -> str:
    """The past participle of a change, for messages.

    Example:
        >>> done("activate"), done("pause"), done("migrate")
        ('activated', 'paused', 'migrated')
    """
    return action.rstrip("e") + "ed"


class UnknownJourney(LookupError):
    """No spec file has that id; the message lists the journeys there are."""


class SpecProblems(ValueError):
    """The project does not validate, so the journey cannot start; ``problems`` are the
    messages of `journeys validate`."""

    def __init__(self, journey_id: str, action: str, problems: list[Problem]) -> None:
        self.problems = problems
        self.summary = (f"{len(problems)} problem(s): journey '{journey_id}' was not "
                        f"{done(action)} (fix them; `journeys validate` lists them)")
        """The one-line verdict the CLI and the API print after the problems."""
        super().__init__(f"cannot {action} journey '{journey_id}': {len(problems)} problem(s) "
                         "in the specs (fix them, `journeys validate` lists them):\n"
                         + "\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class ChangeRequest:
    """A state change as asked for."""

    journey_id: str
    action: Action
    actor: str
    wait_s: float = 0.0


def spec_ids(settings: Settings) -> list[str]:
    """The journey ids of the spec files (valid or not)."""
    return sorted(journey_ids_on_disk(settings.project_root))


def require_journey(settings: Settings, journey_id: str) -> None:
    if journey_id not in spec_ids(settings):
        shown = journey_id if len(journey_id) <= 80 else journey_id[:80] + "…"
        raise UnknownJourney(f"no journey '{shown}': there is no journey_specs/"
                             f"{shown}.yml (journeys: {', '.join(spec_ids(settings))})")


def validated_spec(settings: Settings, journey_id: str, action: str) -> JourneySpec:
    """The journey's spec, when the whole project validates (a tick needs all of it)."""
    result = validate_project(None, project_root=settings.project_root,
                              warehouse=settings.warehouse if settings.warehouse.exists()
                              else None)
    if not result.ok:
        raise SpecProblems(journey_id, action, result.problems)
    return result.specs[journey_id]


def _parsed_spec(settings: Settings, journey_id: str) -> JourneySpec | None:
    """The spec when it parses on its own (a pause or an archive does not validate): its
    version goes in the record, and the migration rules check it."""
    from journeys.spec.yaml_loader import load_yaml

    try:
        text = (settings.spec_dir / f"{journey_id}.yml").read_text(encoding="utf-8")
        return JourneySpec.model_validate(load_yaml(text))
    except Exception:  # noqa: BLE001 - a spec that does not parse has no version
        return None


def tile_types(spec: JourneySpec) -> dict[str, str]:
    """Each tile's type: recorded at activation and resume, so that a later resume can tell
    which members' tiles were removed or changed type."""
    return {tid: tile.type for tid, tile in spec.tiles.items()}


def change_state(settings: Settings, request: ChangeRequest,
                 now: datetime | None = None,
                 check: Any = None) -> ControlChange:
    """Apply one change, or raise :class:`UnknownJourney`, :class:`SpecProblems`,
    :class:`TransitionError` (or ``TickBusy`` while a tick holds the warehouse).

    ``check(con, spec, status, action, changed_at)`` may refuse the change by raising (the
    migration rules), in the transaction that records it.
    """
    require_journey(settings, request.journey_id)
    spec = (validated_spec(settings, request.journey_id, request.action)
            if request.action in VALIDATED else None)
    holder = f"journeys {request.action}"
    refused = f"journey '{request.journey_id}' was not {done(request.action)}"
    with writing(settings.warehouse, holder, datetime.now(UTC).replace(tzinfo=None),
                 wait_s=request.wait_s, refused=refused) as con:
        changed_at = (now or datetime.now(UTC)).replace(tzinfo=None)  # in lease order
        status = status_of(con, request.journey_id)
        state = next_state(request.journey_id, status.state, request.action)
        detail = {"tiles": tile_types(spec)} if spec is not None else None
        checked = spec or _parsed_spec(settings, request.journey_id)
        version = checked.spec_version if checked else "invalid"
        with transaction(con):  # a resume's moves and its audit row: both or neither
            if check is not None and checked is not None:
                check(con, checked, replace(status, actor=request.actor), request.action,
                      changed_at)
            return append_change(con, request.journey_id, request.action, state,
                                 version, request.actor, changed_at, detail)


def activate_drafts(settings: Settings, specs: dict[str, JourneySpec], actor: str,
                    now: datetime | None = None) -> list[ControlChange]:
    """Activate every draft among ``specs``, already validated (the demo, a new project's
    first run): one lease, one audit row per journey activated."""
    changed_at = (now or datetime.now(UTC)).replace(tzinfo=None)
    with writing(settings.warehouse, "journeys activate", changed_at,
                 refused="no journey was activated") as con:
        states = states_of(con, specs)
        return [append_change(con, jid, "activate", "active", spec.spec_version, actor,
                              changed_at, {"tiles": tile_types(spec)})
                for jid, spec in sorted(specs.items()) if states[jid] == "draft"]


__all__ = ["ChangeRequest", "SpecProblems", "TransitionError", "UnknownJourney",
           "activate_drafts", "change_state", "done", "require_journey", "spec_ids",
           "validated_spec"]
