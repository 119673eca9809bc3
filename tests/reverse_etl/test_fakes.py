"""The fake providers behave like the APIs they stand for, and their faults are real.

These tests talk to the fakes with plain httpx over real sockets: if a fake accepted what
the provider refuses, or a fault did not reach the client as the failure it names, the
reliability tests built on them would prove nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.reverse_etl.fakes import (
    FakeBraze,
    FakeSendgrid,
    FakeSink,
    FakeTwilio,
    FakeWebhook,
    Fault,
    FaultKind,
    FaultPlan,
    RequestRecord,
    retry_after_violations,
    signed_headers,
    webhook_signature,
)

TRANSPORT_FAILURES = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError,
                      httpx.ConnectError)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=2.0) as http:
        yield http


def mail(*action_ids: str, template_id: str = "d-123") -> dict[str, Any]:
    return {"from": {"email": "news@example.com", "name": "News"}, "template_id": template_id,
            "personalizations": [{"to": [{"email": f"{a}@example.com"}],
                                  "dynamic_template_data": {"first_name": "Ada"},
                                  "custom_args": {"action_id": a}} for a in action_ids]}


def sendgrid_post(http: httpx.Client, server: FakeSendgrid, body: Any,
                  key: str | None = None) -> httpx.Response:
    return http.post(server.base_url + "/v3/mail/send", json=body,
                     headers={"Authorization": f"Bearer {key or server.api_key}"})


def sms(to: str = "+14155550100", content_sid: str = "HX1") -> dict[str, str]:
    return {"To": to, "From": "+14155550199", "ContentSid": content_sid,
            "ContentVariables": json.dumps({"1": "Ada"})}


def twilio_post(http: httpx.Client, server: FakeTwilio, form: dict[str, str],
                token: str | None = None) -> httpx.Response:
    return http.post(server.base_url + server.messages_path, data=form,
                     auth=(server.account_sid, token or server.auth_token))


def braze_post(http: httpx.Client, server: FakeBraze, body: Any) -> httpx.Response:
    return http.post(server.base_url + "/messages/send", json=body,
                     headers={"Authorization": f"Bearer {server.api_key}"})


def push(*user_ids: str, action_id: str | None = None) -> dict[str, Any]:
    extra = {"action_id": action_id} if action_id else {}
    return {"external_user_ids": list(user_ids),
            "messages": {"apple_push": {"alert": "Hi", "extra": extra}}}


def hook_post(http: httpx.Client, server: FakeWebhook, body: bytes,
              headers: dict[str, str]) -> httpx.Response:
    return http.post(server.url, content=body, headers=headers)


# -- SendGrid -----------------------------------------------------------------------------


def test_sendgrid_accepts_a_batch_and_counts_each_personalization(client: httpx.Client) -> None:
    with FakeSendgrid() as server:
        response = sendgrid_post(client, server, mail("a1", "a2"))
        assert response.status_code == 202 and response.content == b""
        assert response.headers["X-Message-Id"]
        assert server.deliveries == {"a1": 1, "a2": 1}
        [record] = server.requests
        assert record.keys == ("a1", "a2") and record.processed and record.status == 202
        assert server.keys_of_request(record) == ("a1", "a2")
        assert record.headers["content-type"] == "application/json"
        assert [p["custom_args"]["action_id"] for p in server.personalizations] == ["a1", "a2"]


def test_sendgrid_refuses_a_malformed_body_with_its_error_shape(client: httpx.Client) -> None:
    body = mail("a1", template_id="123")
    del body["personalizations"][0]["custom_args"]
    with FakeSendgrid() as server:
        response = sendgrid_post(client, server, body)
        assert response.status_code == 400
        errors = response.json()["errors"]
        assert {e["field"] for e in errors} == {"template_id",
                                                "personalizations.0.custom_args.action_id"}
        assert all(set(e) == {"message", "field", "help"} for e in errors)
        assert not server.deliveries and not server.requests[0].processed


def test_sendgrid_refuses_more_than_1000_personalizations(client: httpx.Client) -> None:
    with FakeSendgrid() as server:
        response = sendgrid_post(client, server, mail(*[f"a{i}" for i in range(1001)]))
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "personalizations"


def test_sendgrid_refuses_a_wrong_key(client: httpx.Client) -> None:
    with FakeSendgrid(api_key="SG.right") as server:
        response = sendgrid_post(client, server, mail("a1"), key="SG.wrong")
        assert response.status_code == 401
        assert response.json() == {"errors": [{
            "message": "The provided authorization grant is invalid, expired, or revoked",
            "field": None, "help": None}]}
        assert not server.deliveries


def test_sendgrid_rate_limit_carries_retry_after_and_reset(client: httpx.Client) -> None:
    with FakeSendgrid(faults=FaultPlan.sequence([Fault.rate_limit(3)])) as server:
        limited = sendgrid_post(client, server, mail("a1"))
        assert limited.status_code == 429
        assert limited.headers["Retry-After"] == "3"
        assert int(limited.headers["X-RateLimit-Reset"]) >= time.time() + 2
        assert "errors" in limited.json()
        assert sendgrid_post(client, server, mail("a1")).status_code == 202
        assert server.deliveries == {"a1": 1}
        assert [r.fault for r in server.requests] == [FaultKind.RATE_LIMIT, FaultKind.OK]
        assert server.requests[0].retry_after_s == 3


# -- Twilio -------------------------------------------------------------------------------


def test_twilio_accepts_a_message(client: httpx.Client) -> None:
    with FakeTwilio() as server:
        response = twilio_post(client, server, sms())
        assert response.status_code == 201
        message = response.json()
        assert message["sid"].startswith("SM") and len(message["sid"]) == 34
        assert message["status"] == "queued" and message["to"] == "+14155550100"
        assert server.deliveries == {"+14155550100|HX1": 1}
        assert server.forms == [sms()]


def test_twilio_invalid_to_echoes_the_number(client: httpx.Client) -> None:
    with FakeTwilio() as server:
        response = twilio_post(client, server, sms(to="555-0100"))
        assert response.status_code == 400
        assert response.json() == {
            "code": 21211, "message": "The 'To' number 555-0100 is not a valid phone number.",
            "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}
        assert not server.deliveries


def test_twilio_refuses_bad_variables_and_missing_content(client: httpx.Client) -> None:
    with FakeTwilio() as server:
        bad_variables = {**sms(), "ContentVariables": "[1]"}
        assert twilio_post(client, server, bad_variables).json()["code"] == 21656
        assert twilio_post(client, server, {**sms(), "ContentSid": ""}).json()["code"] == 21619


def test_twilio_refuses_a_wrong_token(client: httpx.Client) -> None:
    with FakeTwilio() as server:
        response = twilio_post(client, server, sms(), token="wrong")
        assert response.status_code == 401
        assert response.json() == {"code": 20003, "message": "Authenticate",
                                   "more_info": "https://www.twilio.com/docs/errors/20003",
                                   "status": 401}


# -- Braze --------------------------------------------------------------------------------


def test_braze_accepts_users_and_keys_them_with_the_action_id(client: httpx.Client) -> None:
    with FakeBraze() as server:
        response = braze_post(client, server, push("m1", "m2", action_id="x9"))
        assert response.status_code == 201 and response.json()["message"] == "success"
        assert response.json()["dispatch_id"]
        assert server.deliveries == {"m1|x9": 1, "m2|x9": 1}
        assert braze_post(client, server, push("m3")).status_code == 201
        assert server.deliveries["m3"] == 1
        assert [uid for uid, _ in server.recipients] == ["m1", "m2", "m3"]


def test_braze_refuses_51_users_a_missing_alert_and_a_wrong_key(client: httpx.Client) -> None:
    with FakeBraze() as server:
        too_many = braze_post(client, server, push(*[f"m{i}" for i in range(51)]))
        assert too_many.status_code == 400 and "message" in too_many.json()
        no_alert = {"external_user_ids": ["m1"], "messages": {"android_push": {"title": "t"}}}
        assert braze_post(client, server, no_alert).status_code == 400
        no_kind = {"external_user_ids": ["m1"], "messages": {}}
        assert braze_post(client, server, no_kind).status_code == 400
        wrong = client.post(server.base_url + "/messages/send", json=push("m1"),
                            headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        assert wrong.json()["message"].startswith("Invalid API key")
        assert not server.deliveries


# -- Webhook ------------------------------------------------------------------------------


def test_webhook_accepts_a_signed_request_and_refuses_a_tampered_one(
        client: httpx.Client) -> None:
    body = b'{"event":"welcome","member_id":"m1"}'
    with FakeWebhook(secret="s3cret") as server:
        headers = signed_headers("s3cret", "act-1", body)
        ok = hook_post(client, server, body, headers)
        assert ok.status_code == 200 and ok.json() == {"received": True}
        tampered = hook_post(client, server, body.replace(b"m1", b"m2"), headers)
        assert tampered.status_code == 401 and tampered.json() == {"error": "invalid signature"}
        unsigned = hook_post(client, server, body, {"Idempotency-Key": "act-1"})
        assert unsigned.status_code == 401
        assert server.deliveries == {"act-1": 1}
        assert server.events == [json.loads(body)]


def test_webhook_signature_matches_the_standard_webhooks_recipe() -> None:
    body = b'{"x":1}'
    digest = hmac.new(b"k", b"id1.1700000000." + body, hashlib.sha256).digest()
    expected = "v1," + base64.b64encode(digest).decode()
    assert webhook_signature(b"k", "id1", 1700000000, body) == expected


def test_webhook_refuses_a_mismatched_idempotency_key_and_a_stale_stamp(
        client: httpx.Client) -> None:
    body = b"{}"
    with FakeWebhook(secret="s3cret") as server:
        headers = {**signed_headers("s3cret", "act-1", body), "Idempotency-Key": "other"}
        assert hook_post(client, server, body, headers).status_code == 400
        stale = signed_headers("s3cret", "act-1", body, timestamp=int(time.time()) - 3600)
        assert hook_post(client, server, body, stale).status_code == 401
        assert not server.deliveries


# -- Sink ---------------------------------------------------------------------------------


def test_sink_accepts_anything_and_counts(client: httpx.Client) -> None:
    with FakeSink(latency_s=0.05) as server:
        started = time.monotonic()
        response = client.post(server.base_url + "/anything", content=b"not json",
                               headers={"Idempotency-Key": "k1"})
        assert time.monotonic() - started >= 0.05
        assert response.status_code == 200 and response.json() == {}
        client.post(server.base_url + "/anything")
        assert server.count == 2 and server.deliveries == {"k1": 1}


def test_a_kept_alive_connection_serves_many_requests(client: httpx.Client) -> None:
    with FakeSink() as server:
        ports = set()
        for _ in range(20):
            response = client.post(server.base_url + "/x", content=b"{}")
            ports.add(response.extensions["network_stream"].get_extra_info("client_addr"))
        assert len(ports) == 1 and server.count == 20


# -- Faults -------------------------------------------------------------------------------


@pytest.mark.parametrize("fault, processed", [(Fault.reset_before(), False),
                                              (Fault.reset_after(), True)])
def test_reset_faults_reach_httpx_as_transport_errors(client: httpx.Client, fault: Fault,
                                                      processed: bool) -> None:
    with FakeSendgrid(faults=FaultPlan.always(fault)) as server:
        with pytest.raises(TRANSPORT_FAILURES):
            sendgrid_post(client, server, mail("a1"))
        [record] = server.requests
        assert record.status is None and record.processed is processed
        assert server.deliveries["a1"] == (1 if processed else 0)


def test_error_after_counts_the_delivery_and_error_before_does_not(
        client: httpx.Client) -> None:
    plan = FaultPlan.sequence([Fault.error_before(503), Fault.error_after(500)])
    with FakeTwilio(faults=plan) as server:
        before = twilio_post(client, server, sms(to="+14155550101"))
        after = twilio_post(client, server, sms(to="+14155550102"))
        assert (before.status_code, after.status_code) == (503, 500)
        assert before.json()["code"] == 20503 and after.json()["code"] == 20500
        assert server.deliveries == {"+14155550102|HX1": 1}


def test_hang_processes_then_outlasts_the_client_timeout() -> None:
    with FakeWebhook(faults=FaultPlan.always(Fault.hang(1.0))) as server:
        body = b"{}"
        with httpx.Client(timeout=0.2) as http, pytest.raises(httpx.ReadTimeout):
            hook_post(http, server, body, signed_headers(server.secret, "h1", body))
        assert server.deliveries == {"h1": 1}
        started = time.monotonic()
    assert time.monotonic() - started < 1.0  # closing wakes the hung handler


def test_slow_delays_a_normal_answer(client: httpx.Client) -> None:
    with FakeBraze(faults=FaultPlan.always(Fault.slow(0.1))) as server:
        started = time.monotonic()
        assert braze_post(client, server, push("m1")).status_code == 201
        assert time.monotonic() - started >= 0.1
        assert server.deliveries == {"m1": 1}


def test_per_key_plan_limits_the_first_two_attempts_of_one_key(client: httpx.Client) -> None:
    plan = FaultPlan.per_key(
        lambda key, attempt: Fault.rate_limit(0) if key == "a1" and attempt <= 2 else None)
    with FakeSendgrid(faults=plan) as server:
        codes = [sendgrid_post(client, server, mail(a)).status_code
                 for a in ("a1", "a2", "a1", "a1")]
        assert codes == [429, 202, 429, 202]
        assert server.deliveries == {"a1": 1, "a2": 1}


def test_random_plan_is_reproducible() -> None:
    weights = {"rate_limit": 0.3, "reset_after": 0.2}
    first = FaultPlan.random(7, weights)
    second = FaultPlan.random(7, weights)
    kinds = [first.decide(i, (), {}).kind for i in range(200)]
    assert kinds == [second.decide(i, (), {}).kind for i in range(200)]
    assert {FaultKind.OK, FaultKind.RATE_LIMIT, FaultKind.RESET_AFTER} == set(kinds)


def test_a_new_plan_counts_from_its_install_and_reset_forgets(client: httpx.Client) -> None:
    with FakeSink() as server:
        client.post(server.base_url + "/x")
        server.faults = FaultPlan.sequence([Fault.error_before(500)])
        assert client.post(server.base_url + "/x").status_code == 500
        assert client.post(server.base_url + "/x").status_code == 200
        server.reset()
        assert server.requests == [] and not server.deliveries


# -- Retry-After --------------------------------------------------------------------------


def test_retry_after_violations_flags_an_early_retry(client: httpx.Client) -> None:
    with FakeSendgrid(faults=FaultPlan.sequence([Fault.rate_limit(2)])) as server:
        sendgrid_post(client, server, mail("a1", "a2"))
        sendgrid_post(client, server, mail("a2"))
        sendgrid_post(client, server, mail("a3"))
        [violation] = retry_after_violations(server)
        assert "#1" in violation and "#0" in violation and "a2" not in violation


def record(index: int, at: float, keys: tuple[str, ...], status: int,
           retry_after_s: int | None = None) -> RequestRecord:
    return RequestRecord(index=index, received_at=at, wall_at=at, method="POST", path="/",
                         headers={}, body=b"", keys=keys, status=status, processed=False,
                         retry_after_s=retry_after_s, responded_at=at)


def test_retry_after_violations_accepts_a_patient_retry() -> None:
    records = [record(0, 10.0, ("a1",), 429, retry_after_s=1),
               record(1, 10.97, ("a1",), 202),  # within the 0.05 s tolerance
               record(2, 10.2, ("b1",), 202)]
    assert retry_after_violations(records) == []
    assert len(retry_after_violations([*records, record(3, 10.5, ("a1",), 202)])) == 1
