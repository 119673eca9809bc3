"""Property tests from the OpenAPI document (schemathesis): requests generated for every
operation, within and outside the documented schemas, never get a 5xx, and every answer
conforms to the document (status, content type, headers, body). They run against the
server of this module, over a copy of the project: generated specs never reach the repo."""

from __future__ import annotations

from pathlib import Path

import httpx
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from journeys.api import create_app
from journeys.settings import Settings
from tests.journeys.api.conftest import KEY, Api

NOWHERE = Path("/nonexistent")
DOCUMENT = create_app(Settings(NOWHERE, NOWHERE / "w.duckdb"), {}).openapi()
schema = schemathesis.openapi.from_dict(DOCUMENT)


def test_the_server_publishes_this_document(api: Api) -> None:
    assert httpx.get(f"{api.url}/api/v1/openapi.json").json() == DOCUMENT


SEMANTIC = {("POST", "/api/v1/journeys"), ("PUT", "/api/v1/journeys/{journey_id}"),
            ("POST", "/api/v1/journeys/{journey_id}/members"),
            ("DELETE", "/api/v1/journeys/{journey_id}/members/{member_id}")}
"""Operations whose schema-valid input may still be refused with 422: a spec is checked by
validation (C5), beyond what a JSON Schema says, and a timestamp by `parse_clock`."""


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented_and_never_fails_on_the_server(
        case: schemathesis.Case, api: Api) -> None:
    semantic = (case.method.upper(), case.path) in SEMANTIC
    case.call_and_validate(base_url=api.url, headers={"Authorization": f"Bearer {KEY}"},
                           excluded_checks=[positive_data_acceptance] if semantic else None)
