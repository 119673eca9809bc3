"""Each destination speaks its provider's API: the requests, one action or a batch."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from urllib.parse import parse_qs

import httpx

from reverse_etl.destinations.braze import Braze
from reverse_etl.destinations.outbox import Outbox
from reverse_etl.destinations.sendgrid import Sendgrid
from reverse_etl.destinations.twilio import Twilio
from reverse_etl.destinations.webhook import Webhook, signature
from reverse_etl.outcomes import Verdict
from tests.reverse_etl.actions_support import action, config

SENDGRID = config(type="sendgrid", api_key={"env": "SG_KEY"},
                  **{"from": {"email": "hello@example.com", "name": "Example"}})


def test_sendgrid_batches_one_personalization_per_action_by_template() -> None:
    actions = [action(i, recipient=f"m{i}@example.com") for i in range(3)]
    actions.append(action(9, template="d-other"))
    prepared = Sendgrid("email", SENDGRID, "sg-secret").prepare(actions)
    by_template = {json.loads(r.content)["template_id"]: r for r in prepared.requests}
    assert {t: r.action_ids for t, r in by_template.items()} == {
        "d-welcome": ("a0000", "a0001", "a0002"), "d-other": ("a0009",)}
    welcome = by_template["d-welcome"]
    assert welcome.url == "https://api.sendgrid.com/v3/mail/send"
    assert welcome.headers["Authorization"] == "Bearer sg-secret"
    body = json.loads(welcome.content)
    assert body["from"] == {"email": "hello@example.com", "name": "Example"}
    assert body["personalizations"][1] == {
        "to": [{"email": "m1@example.com"}], "dynamic_template_data": {"first_name": "Ada"},
        "custom_args": {"action_id": "a0001"}}


def test_sendgrid_batches_hold_at_most_the_configured_personalizations() -> None:
    small = config(type="sendgrid", api_key={"env": "K"}, batch_size=2,
                   **{"from": {"email": "a@example.com"}})
    prepared = Sendgrid("email", small, "k").prepare([action(i) for i in range(5)])
    assert [len(r.action_ids) for r in prepared.requests] == [2, 2, 1]


def test_a_null_template_field_refuses_that_action_alone() -> None:
    prepared = Sendgrid("email", SENDGRID, "k").prepare(
        [action(1), action(2, payload={"first_name": None})])
    assert [r.action_ids for r in prepared.requests] == [("a0001",)]
    assert "template field 'first_name' is null" in prepared.refused["a0002"]
    assert "coalesce" in prepared.refused["a0002"]


def test_a_member_without_an_address_is_refused_not_sent() -> None:
    prepared = Sendgrid("email", SENDGRID, "k").prepare([action(1, recipient=None)])
    assert not prepared.requests
    assert "no 'email'" in prepared.refused["a0001"]


def test_twilio_posts_a_form_with_basic_auth_and_content_variables() -> None:
    twilio = config(type="twilio", account_sid={"env": "SID"}, auth_token={"env": "TOK"},
                    **{"from": "+15550001111"})
    request = Twilio("sms", twilio, "AC123", "tok").prepare(
        [action(1, kind="send_sms", template="HX1", recipient="+15550002222")]).requests[0]
    assert request.url == "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json"
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"AC123:tok").decode()
    form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
    assert form == {"To": "+15550002222", "From": "+15550001111", "ContentSid": "HX1",
                    "ContentVariables": '{"first_name": "Ada"}'}


def test_braze_sends_up_to_50_users_per_identical_message() -> None:
    braze = config(type="braze", api_key={"env": "BZ"}, base_url="https://rest.iad-01.braze.com",
                   campaign_id="c1")
    same = [action(i, kind="send_push", template="push-hi", payload={}) for i in range(60)]
    other = [action(99, kind="send_push", template="push-hi", payload={"code": "X1"})]
    requests = Braze("push", braze, "bz").prepare(same + other).requests
    assert sorted(len(r.action_ids) for r in requests) == [1, 10, 50]
    body = json.loads(next(r for r in requests if len(r.action_ids) == 50).content)
    assert body["external_user_ids"][:2] == ["m0000", "m0001"]
    assert body["campaign_id"] == "c1"
    assert body["messages"]["apple_push"]["alert"] == "{{content_blocks.${push-hi}}}"
    lone = json.loads(next(r for r in requests if len(r.action_ids) == 1).content)
    assert lone["messages"]["android_push"]["extra"] == {"code": "X1"}


def test_webhooks_carry_the_action_id_as_idempotency_key_and_a_standard_signature() -> None:
    hook = config(type="webhook", url="https://rewards.example.com/hooks/journeys",
                  secret={"env": "HOOK"}, base_url="http://127.0.0.1:9")
    request = Webhook("rewards", hook, "whsec", clock=lambda: 1_700_000_000).prepare(
        [action(1, tile_type="webhook", payload={"points": 100, "email": None})]).requests[0]
    assert request.url == "http://127.0.0.1:9/hooks/journeys"
    assert request.headers["Idempotency-Key"] == request.headers["webhook-id"] == "a0001"
    assert json.loads(request.content) == {"email": None, "points": 100}
    assert request.headers["webhook-signature"] == signature(
        "whsec", "a0001", 1_700_000_000, request.content)
    assert request.shown()["headers"]["webhook-signature"] == "<redacted>"


def test_outbox_appends_one_line_per_action(tmp_path: Path) -> None:
    box = Outbox("email", config(type="outbox", path="out/email.jsonl",
                                 recipient_column="email"), tmp_path)
    prepared = box.prepare([action(1), action(2)])

    async def send_all() -> list[Verdict]:
        async with httpx.AsyncClient() as client:
            return [(await box.send(client, r)).verdict for r in prepared.requests]

    assert asyncio.run(send_all()) == [Verdict.SENT, Verdict.SENT]
    box.close()
    lines = [json.loads(x) for x in (tmp_path / "out/email.jsonl").read_text().splitlines()]
    assert [x["idempotency_key"] for x in lines] == ["a0001", "a0002"]
    assert lines[0]["to"] == "ada@example.com" and lines[0]["fields"] == {"first_name": "Ada"}


def test_a_provider_response_becomes_a_verdict_through_an_injected_transport() -> None:
    def provider(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"errors": [{"message": "bad", "field": "to"}]})

    async def send() -> object:
        async with httpx.AsyncClient(transport=httpx.MockTransport(provider)) as client:
            sendgrid = Sendgrid("email", SENDGRID, "k")
            return await sendgrid.send(client, sendgrid.prepare([action(1)]).requests[0])

    outcome = asyncio.run(send())
    assert outcome.verdict is Verdict.TERMINAL
    assert outcome.error == "400 Bad Request: bad (field to)"
