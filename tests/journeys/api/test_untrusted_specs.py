"""Text sent to the REST API stays data: a journey created through `POST /journeys` with
hostile text in every position is written as a spec whose dbt files evaluate no Jinja
(issue 21, item 1; the same property as tests/journeys/test_untrusted_text.py)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, event, given, settings

from tests.journeys.api.conftest import Api
from tests.journeys.test_untrusted_text import (
    assert_dbt_renders_the_plans_as_compiled,
    plans_of,
)
from tests.journeys.untrusted_specs import hostile_spec, hostile_texts

EXAMPLES = int(os.environ.get("JOURNEYS_FUZZ_EXAMPLES", "5"))
ISSUE_NAME = 'VIP promo {{ run_query("create table main.pwned_by_api as select 1") }} it\'s'


def _created(api: Api, spec: dict) -> bool:
    """Whether the API took the spec (201); a refusal must be a 422 with a message."""
    api.client.delete(f"/journeys/{spec['id']}")
    response = api.client.post("/journeys", json=spec)
    assert response.status_code in (201, 422), response.text
    return response.status_code == 201


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(texts=hostile_texts)
def test_a_journey_posted_with_any_text_compiles_to_dbt_files_that_evaluate_nothing(
        api: Api, texts: dict[str, str]) -> None:
    spec = hostile_spec("posted", texts)
    created = _created(api, spec)
    event("created" if created else "refused with 422")
    if created:
        plans = plans_of(api.root, api.root / "journey_specs" / "posted.yml")
        assert plans is not None, "the API wrote a spec that validation refuses"
        assert_dbt_renders_the_plans_as_compiled(plans)


def test_the_issues_draft_name_is_a_name_in_the_models_and_runs_nothing(api: Api) -> None:
    spec = hostile_spec("vip_promo", dict.fromkeys(
        ("description", "entry_event", "property", "literal", "comment", "goal_event",
         "exit_event", "template", "field_key", "wait_event"), "plain") | {"name": ISSUE_NAME})
    assert _created(api, spec)
    assert api.client.get("/journeys/vip_promo").json()["name"] == ISSUE_NAME
    compiled = api.cli("compile")
    assert compiled.returncode == 0, compiled.stderr
    plans = plans_of(api.root, api.root / "journey_specs" / "vip_promo.yml")
    assert plans is not None
    assert_dbt_renders_the_plans_as_compiled(plans)
    api.client.delete("/journeys/vip_promo")

