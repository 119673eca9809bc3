"""Journey lifecycle (CONTRACT S18): draft → active ⇄ paused → archived, with an audit trail."""

from journeys.lifecycle.changes import (
    ChangeRequest,
    SpecProblems,
    UnknownJourney,
    activate_drafts,
    change_state,
    require_journey,
    spec_ids,
)
from journeys.lifecycle.control import (
    ControlChange,
    JourneyStatus,
    append_change,
    history,
    read_statuses,
    status_of,
)
from journeys.lifecycle.states import ACTIONS, STATES, TransitionError, allowed, next_state

__all__ = ["ACTIONS", "STATES", "ChangeRequest", "ControlChange", "JourneyStatus",
           "SpecProblems", "TransitionError", "UnknownJourney", "activate_drafts", "allowed",
           "append_change", "change_state", "history", "next_state", "read_statuses",
           "require_journey", "spec_ids", "status_of"]
