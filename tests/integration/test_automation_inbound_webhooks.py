"""Inbound webhooks: a flow's secret URL takes JSON from another system and starts that flow for the contact."""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pynamodb.exceptions import TransactWriteError

from leadpilot.automation.triggers import inbound_hooks
from leadpilot.messages.signatures import sign_webhook
from tests.integration.conftest import sign_up
from tests.integration.test_automation_runtime_helpers import deliver, trigger_envelopes
from tests.support.apps import Api


def hook_flow(api: Api, token: str, name: str = "From the shop", **trigger: Any) -> str:
    doc = {"name": name, "trigger": {"event": "webhook.received", **trigger},
           "nodes": [{"id": "start", "type": "trigger"}, {"id": "mark", "type": "add_tag", "tag": "customer"},
                     {"id": "done", "type": "end"}],
           "edges": [{"from": "start", "to": "mark"}, {"from": "mark", "to": "done"}]}
    flow_id = api.post("/flows", doc, token=token).body["id"]
    assert api.post(f"/flows/{flow_id}/publish", token=token).status == 201
    return str(flow_id)


def hook_path(api: Api, token: str, flow_id: str) -> tuple[str, dict[str, Any]]:
    reply = api.get(f"/flows/{flow_id}/webhook", token=token)
    assert reply.status == 200, reply
    return "/hooks/" + reply.body["url"].rsplit("/hooks/", 1)[1], reply.body


def runs_of(api: Api, token: str, flow_id: str) -> list[dict[str, Any]]:
    return list(api.get(f"/flows/{flow_id}/runs", token=token).body["items"])


def test_a_post_creates_the_contact_and_starts_only_that_flow(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given two webhook-triggered flows
    token = owner["access_token"]
    shop, other = hook_flow(api, token), hook_flow(api, token, "Other form")
    path, described = hook_path(api, token, shop)
    assert described["active"] is True and described["signing_secret"].startswith("whsec_")
    trigger_envelopes(cloud)

    # When the shop posts an order for someone unknown
    reply = api.post(path, {"email": "Neo@Example.com", "first_name": "Neo", "order_id": "A-1001"})
    deliver(trigger_envelopes(cloud))

    # Then a contact exists, the event is on its timeline with the payload, and only the shop's flow ran
    assert reply.status == 202, reply
    contact = api.get(f"/contacts/{reply.body['contact_id']}", token=token).body
    assert (contact["email"], contact["first_name"], contact["source"]) == ("neo@example.com", "Neo", "webhook")
    activity = api.get(f"/contacts/{contact['id']}/activity", token=token).body["items"]
    received = [a for a in activity if a["type"] == "webhook.received"]
    assert len(received) == 1 and received[0]["data"]["payload"]["order_id"] == "A-1001"
    assert [r["contact_id"] for r in runs_of(api, token, shop)] == [contact["id"]]
    assert runs_of(api, token, other) == []


def test_an_existing_contact_is_matched_by_phone_and_a_retry_is_a_no_op(cloud: Any, api: Api,
                                                                        owner: dict[str, Any]) -> None:
    # Given a contact with a phone, and a webhook flow
    token = owner["access_token"]
    ada = api.post("/contacts", {"first_name": "Ada", "phone": "+14155550123"}, token=token).body
    path, _ = hook_path(api, token, hook_flow(api, token))

    # When the sender posts the same delivery twice with one Idempotency-Key (national phone format)
    first = api.post(path, {"contact": {"phone": "(415) 555-0123"}}, headers={"Idempotency-Key": "evt-77"})
    again = api.post(path, {"contact": {"phone": "(415) 555-0123"}}, headers={"Idempotency-Key": "evt-77"})

    # Then the first is accepted for Ada, the retry is answered as a duplicate, and one event exists
    assert first.status == 202 and first.body["contact_id"] == ada["id"], first
    assert again.status == 200 and again.body == {**first.body, "duplicate": True}
    activity = api.get(f"/contacts/{ada['id']}/activity", token=token).body["items"]
    assert sum(1 for a in activity if a["type"] == "webhook.received") == 1


def test_a_signed_hook_refuses_unsigned_and_tampered_requests(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a webhook flow that requires signatures
    token = owner["access_token"]
    path, described = hook_path(api, token, hook_flow(api, token, require_signature=True))
    body = json.dumps({"email": "signed@example.com"})
    now = int(time.time())
    good = sign_webhook(described["signing_secret"], body.encode(), now)

    # When requests arrive unsigned, signed with another secret, tampered, stale, and properly signed
    unsigned = api.call("POST", path, raw=body)
    wrong = api.call("POST", path, raw=body, headers={"X-LeadPilot-Signature": sign_webhook("whsec_x", body.encode(),
                                                                                            now)})
    tampered = api.call("POST", path, raw=body.replace("signed", "forged"), headers={"X-LeadPilot-Signature": good})
    stale = api.call("POST", path, raw=body, headers={"X-LeadPilot-Signature": sign_webhook(
        described["signing_secret"], body.encode(), now - 3600)})
    ok = api.call("POST", path, raw=body, headers={"X-LeadPilot-Signature": good})

    # Then only the signed one is accepted, and nobody was created by the others
    assert [r.status for r in (unsigned, wrong, tampered, stale)] == [403, 403, 403, 403]
    assert ok.status == 202, ok
    emails = [c["email"] for c in api.get("/contacts", token=token).body["items"]]
    assert emails == ["signed@example.com"]


def test_bad_requests_name_the_problem_and_store_nothing(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    flow_id = hook_flow(api, token)
    path, _ = hook_path(api, token, flow_id)
    before = api.get("/contacts", token=token).body["items"]

    not_json = api.call("POST", path, raw="name=Neo")
    a_list = api.post(path, [{"email": "a@b.test"}])
    nobody = api.post(path, {"first_name": "Anonymous"})
    bad_email = api.post(path, {"email": "not-an-email"})
    too_big = api.post(path, {"email": "big@example.com", "blob": "x" * 70_000})
    unknown = api.post("/hooks/not-a-real-token", {"email": "a@b.test"})

    assert not_json.status == 422 and not_json.body["error"]["details"]["errors"][0]["field"] == "body"
    assert a_list.status == 422
    assert nobody.status == 422 and nobody.body["error"]["details"]["errors"][0]["field"] == "email"
    assert bad_email.status == 422, bad_email
    assert too_big.status == 413, too_big
    assert unknown.status == 404
    assert api.get("/contacts", token=token).body["items"] == before


def test_rotating_the_url_retires_the_old_one(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    flow_id = hook_flow(api, token)
    old_path, _ = hook_path(api, token, flow_id)
    rotated = api.post(f"/flows/{flow_id}/webhook/rotate", token=token)
    assert rotated.status == 200
    new_path = "/hooks/" + rotated.body["url"].rsplit("/hooks/", 1)[1]
    assert new_path != old_path
    assert api.post(old_path, {"email": "a@example.com"}).status == 404
    assert api.post(new_path, {"email": "a@example.com"}).status == 202


def test_members_cannot_read_the_secret_and_other_flows_have_no_hook(cloud: Any, api: Api,
                                                                     owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    tagged = api.post("/flows", {"name": "Tag flow", "trigger": {"event": "manual"},
                                 "nodes": [{"id": "start", "type": "trigger"}, {"id": "done", "type": "end"}],
                                 "edges": [{"from": "start", "to": "done"}]}, token=token).body["id"]
    assert api.get(f"/flows/{tagged}/webhook", token=token).status == 404
    other = sign_up(api, "Other")
    assert api.get(f"/flows/{hook_flow(api, token)}/webhook", token=other["access_token"]).status == 404


def test_a_delivery_the_store_cannot_take_is_a_503_to_send_again_and_records_nothing(
        cloud: Any, api: Api, owner: dict[str, Any], monkeypatch: Any) -> None:
    # Given a webhook flow, and the store refusing the delivery's transaction for a moment (not a duplicate)
    token = owner["access_token"]
    flow_id = hook_flow(api, token)
    path, _ = hook_path(api, token, flow_id)

    @contextmanager
    def refused(settings: Any) -> Iterator[Any]:
        raise TransactWriteError("Transaction cancelled: ThrottlingError")
        yield  # pragma: no cover

    working = inbound_hooks.transaction
    monkeypatch.setattr(inbound_hooks, "transaction", refused)

    # When a delivery comes, with and without an Idempotency-Key
    keyed = api.post(path, {"contact": {"email": "dee@example.com"}}, headers={"Idempotency-Key": "evt-9"})
    plain = api.post(path, {"contact": {"email": "dee@example.com"}})

    # Then each is a 503 saying to send it again, and a resend once the store is back is accepted, not a duplicate
    assert (keyed.status, plain.status) == (503, 503), (keyed, plain)
    assert keyed.body["error"]["code"] == "temporarily_unavailable"
    monkeypatch.setattr(inbound_hooks, "transaction", working)
    again = api.post(path, {"contact": {"email": "dee@example.com"}}, headers={"Idempotency-Key": "evt-9"})
    assert again.status == 202 and again.body["duplicate"] is False, again
