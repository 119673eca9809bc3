"""The lifecycle state machine (S18): every state × change, valid or refused with a reason."""

from __future__ import annotations

import pytest

from journeys.lifecycle import ACTIONS, STATES, TransitionError, next_state

VALID = {
    ("draft", "activate"): "active",
    ("draft", "archive"): "archived",
    ("active", "pause"): "paused",
    ("active", "archive"): "archived",
    ("paused", "resume"): "active",
    ("paused", "archive"): "archived",
}


@pytest.mark.parametrize(("state", "action"), sorted(VALID))
def test_a_valid_change_leads_to_its_state(state: str, action: str) -> None:
    assert next_state("j", state, action) == VALID[(state, action)]  # type: ignore[arg-type]


@pytest.mark.parametrize(("state", "action"),
                         [(s, a) for s in STATES for a in ACTIONS if (s, a) not in VALID])
def test_an_invalid_change_is_refused_naming_the_state_and_what_applies(
        state: str, action: str) -> None:
    with pytest.raises(TransitionError) as refused:
        next_state("welcome", state, action)  # type: ignore[arg-type]
    message = str(refused.value)
    assert message.startswith(f"cannot {action} journey 'welcome': it is ")
    assert state in message.split(";")[0]
    if state == "archived":
        assert "final" in message
    else:
        assert "it can: " in message


def test_examples_from_the_issue() -> None:
    with pytest.raises(TransitionError, match="cannot resume journey 'j': it is active"):
        next_state("j", "active", "resume")
    with pytest.raises(TransitionError, match="cannot activate journey 'j': it is archived"):
        next_state("j", "archived", "activate")
