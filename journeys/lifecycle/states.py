"""The lifecycle state machine (CONTRACT S18): which change applies to which state.

Pure, so the rules read as a table and every transition is testable without a warehouse.
A journey no one has activated is a draft; ``archived`` is the seeds' "Completed" and is
final (a journey is archived to retire it; its id stays taken, so its history stays
readable).
"""

from __future__ import annotations

from typing import Literal, get_args

State = Literal["draft", "active", "paused", "archived"]
Action = Literal["activate", "pause", "resume", "archive"]
STATES: tuple[State, ...] = get_args(State)
ACTIONS: tuple[Action, ...] = get_args(Action)

TRANSITIONS: dict[tuple[State, Action], State] = {
    ("draft", "activate"): "active",
    ("draft", "archive"): "archived",
    ("active", "pause"): "paused",
    ("active", "archive"): "archived",
    ("paused", "resume"): "active",
    ("paused", "archive"): "archived",
}

TICKS: frozenset[State] = frozenset({"active", "archived"})
"""States in which a tick processes the journey (an archived one lets its members finish)."""
ADMITS: frozenset[State] = frozenset({"active"})
"""States in which members may enter."""

_MEANING: dict[State, str] = {
    "draft": "a draft (never ticks until activated)",
    "active": "active",
    "paused": "paused (members held where they are)",
    "archived": "archived (final: no new entries)",
}


class TransitionError(ValueError):
    """A change that does not apply to the journey's state; the message says what does."""


def allowed(state: State) -> list[Action]:
    """The changes that apply to a state, in the order of :data:`ACTIONS`.

    Example:
        >>> allowed("active")
        ['pause', 'archive']
    """
    return [a for a in ACTIONS if (state, a) in TRANSITIONS]


def next_state(journey_id: str, state: State, action: Action) -> State:
    """The state after ``action``, or :class:`TransitionError` naming what would apply.

    Example:
        >>> next_state("welcome", "paused", "resume")
        'active'
        >>> try:
        ...     next_state("welcome", "active", "resume")
        ... except TransitionError as refused:
        ...     print(refused)
        cannot resume journey 'welcome': it is active; from active it can: pause, archive
    """
    if (state, action) in TRANSITIONS:
        return TRANSITIONS[(state, action)]
    options = allowed(state)
    then = (f"from {state} it can: {', '.join(options)}" if options
            else "it is final: copy the spec to a new id to run it again")
    raise TransitionError(f"cannot {action} journey '{journey_id}': it is {_MEANING[state]}; "
                          f"{then}")
