"""Sending texts: the API queues, the worker hands over once, do-not-contact holds on every path."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from leadpilot.sms.provider import sandbox_outbox
from tests.integration.messaging_helpers import configure_sandbox, drain_sends, setup_workspace, timeline_types
from tests.support.apps import ROOT, Api


@pytest.fixture
def sms_cloud(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    yield from configure_sandbox(cloud, monkeypatch)


def _schema(event_type: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads((ROOT / "events" / "schemas" / f"{event_type}.json").read_text()))


def test_a_text_is_queued_sent_once_and_recorded(sms_cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a workspace with a number and a contact
    token, ws = owner["access_token"], owner["workspace"]["id"]
    setup = setup_workspace(api, token)
    contact_id = setup["contact"]["id"]

    # When a text is asked for with a template
    reply = api.post("/sms", {"contact_id": contact_id, "body": "Hi {{first_name|there}}, from {{business_name}}"},
                     token=token)

    # Then it is accepted (202), queued, rendered and charged
    assert reply.status == 202, reply
    message = reply.body
    assert message["status"] == "queued" and message["body"] == "Hi Ada, from Acme"
    assert message["to"] == "+14155550123" and message["from"] == "+14155550100" and message["segments"] == 1
    usage = api.get("/usage", token=token).body["counters"]["sms_segments"]
    assert usage["day"]["used"] == 1 and usage["month"]["used"] == 1

    # When the worker runs (and the queue delivers nothing twice: the second drain finds nothing)
    assert drain_sends(sms_cloud) == 1
    assert drain_sends(sms_cloud) == 0

    # Then the sandbox "sent" it exactly once, the text is sent, and its outcome is on the timeline and the bus
    outbox = sandbox_outbox(ws)
    assert [(m["to"], m["body"]) for m in outbox] == [("+14155550123", "Hi Ada, from Acme")]
    sent = api.get(f"/sms/{message['id']}", token=token).body
    assert sent["status"] == "sent" and sent["provider_sid"] == outbox[0]["sid"]
    assert "sms.sent" in timeline_types(api, token, contact_id)
    timeline = api.get(f"/contacts/{contact_id}/timeline?limit=100", token=token).body["items"]
    event = next(e for e in timeline if e["type"] == "sms.sent")
    assert event["data"]["contact_id"] == contact_id and event["data"]["message_id"] == message["id"]

    # And the conversation lists it
    convos = api.get("/conversations", token=token).body
    assert convos["items"][0]["contact_id"] == contact_id and convos["items"][0]["outbound"] == 1
    thread = api.get(f"/conversations/{contact_id}/messages", token=token).body
    assert [m["id"] for m in thread["items"]] == [message["id"]]


def test_the_same_idempotency_key_queues_one_text(sms_cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a contact
    token = owner["access_token"]
    contact_id = setup_workspace(api, token)["contact"]["id"]
    body = {"contact_id": contact_id, "body": "Your code is 1234", "idempotency_key": "otp-42"}

    # When the same request is sent twice
    first, second = api.post("/sms", body, token=token), api.post("/sms", body, token=token)

    # Then one text exists, charged once
    assert first.status == 202 and second.status == 200 and first.body["id"] == second.body["id"]
    assert drain_sends(sms_cloud) == 1
    assert api.get("/usage", token=token).body["counters"]["sms_segments"]["day"]["used"] == 1


def test_do_not_contact_is_refused_at_the_api_and_at_send_time(sms_cloud: Any, api: Api,
                                                               owner: dict[str, Any]) -> None:
    # Given a contact marked do-not-contact, and one who is marked after a text was queued
    token, ws = owner["access_token"], owner["workspace"]["id"]
    setup = setup_workspace(api, token)
    blocked = api.post("/contacts", {"first_name": "No", "phone": "+14155550124", "do_not_contact": True},
                       token=token).body
    later = setup["contact"]["id"]
    queued = api.post("/sms", {"contact_id": later, "body": "Hello"}, token=token)
    assert queued.status == 202

    # When a text is asked for the first, and the second is marked before the worker runs
    refused = api.post("/sms", {"contact_id": blocked["id"], "body": "Hello"}, token=token)
    assert api.patch(f"/contacts/{later}", {"do_not_contact": True}, token=token).status == 200
    drain_sends(sms_cloud)

    # Then the first is refused with a clear 409 and the second is blocked, refunded and never sent
    assert refused.status == 409 and refused.body["error"]["code"] == "do_not_contact", refused
    message = api.get(f"/sms/{queued.body['id']}", token=token).body
    assert message["status"] == "blocked" and message["error_code"] == "do_not_contact"
    assert sandbox_outbox(ws) == []
    assert api.get("/usage", token=token).body["counters"]["sms_segments"]["day"]["used"] == 0
    assert "sms.failed" in timeline_types(api, token, later)


def test_bad_input_is_a_clear_4xx_and_nothing_is_stored_or_charged(sms_cloud: Any, api: Api,
                                                                     owner: dict[str, Any]) -> None:
    # Given a contact, and one without a phone
    token = owner["access_token"]
    contact_id = setup_workspace(api, token)["contact"]["id"]
    no_phone = api.post("/contacts", {"first_name": "Mail", "email": "m@x.test"}, token=token).body["id"]
    cases = [
        ({"contact_id": contact_id, "body": "Hi {{nickname}}"}, 422, "body"),
        ({"contact_id": contact_id, "body": "   "}, 422, "body"),
        ({"contact_id": contact_id, "body": "x" * 1601}, 422, "body"),
        ({"contact_id": contact_id, "body": "🙂" * 400}, 422, "body"),
        ({"contact_id": "not-an-id", "body": "Hi"}, 422, "contact_id"),
        ({"contact_id": no_phone, "body": "Hi"}, 422, "contact_id"),
        ({"contact_id": contact_id, "body": "Hi", "send_at": "tomorrow"}, 422, "send_at"),
        ({"contact_id": contact_id, "body": "Hi", "send_at": "2030-01-01T09:00:00"}, 422, "send_at"),
    ]

    # When each is sent
    for body, status, field in cases:
        reply = api.post("/sms", body, token=token)

        # Then it is refused naming the field
        assert reply.status == status, (body, reply)
        assert field in [e["field"] for e in reply.body["error"]["details"]["errors"]], (body, reply)
    unknown = api.post("/sms", {"contact_id": contact_id, "body": "Hi {{nickname}}"}, token=token)
    assert unknown.body["error"]["details"]["unknown_variables"] == ["nickname"]
    assert api.post("/sms", {"contact_id": "01M80A45J90JMESM0AR82N1PFF", "body": "Hi"}, token=token).status == 404

    # And nothing was queued or charged
    assert drain_sends(sms_cloud) == 0
    assert api.get("/conversations", token=token).body["items"] == []
    assert api.get("/usage", token=token).body["counters"]["sms_segments"]["month"]["used"] == 0


def test_preview_renders_and_counts_segments(sms_cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a workspace that adds the opt-out footer to first messages
    token = owner["access_token"]
    contact_id = setup_workspace(api, token)["contact"]["id"]
    assert api.call("PUT", "/messaging/settings", {"business_name": "Acme Plumbing", "first_message_footer": True},
                   token=token).status == 200

    # When a GSM-7 and a UCS-2 template are previewed
    gsm = api.post("/sms/preview", {"body": "Hi {{first_name|there}}!", "with_footer": True}, token=token).body
    ucs = api.post("/sms/preview", {"body": "Hi {{first_name|there}} 🙂", "contact_id": contact_id},
                   token=token).body
    bad = api.post("/sms/preview", {"body": "Hi {{frist_name}}"}, token=token)

    # Then the text, encoding and segment counts are shown, and unknown variables are a 422
    assert gsm["text"] == "Hi there!" and gsm["segments"]["encoding"] == "GSM-7"
    assert gsm["with_footer"]["text"].endswith("- Acme Plumbing. Reply STOP to opt out.")
    assert ucs["text"] == "Hi Ada 🙂" and ucs["segments"]["encoding"] == "UCS-2"
    assert bad.status == 422 and bad.body["error"]["details"]["unknown_variables"] == ["frist_name"]

    # And the first real text carries the footer, the second does not
    first = api.post("/sms", {"contact_id": contact_id, "body": "Hello"}, token=token).body
    second = api.post("/sms", {"contact_id": contact_id, "body": "Again"}, token=token).body
    assert first["body"] == "Hello\n\n- Acme Plumbing. Reply STOP to opt out." and second["body"] == "Again"


def test_sms_event_samples_match_their_schemas() -> None:
    for sample in sorted((ROOT / "events" / "eventbridge").glob("sms.*.json")):
        event = json.loads(sample.read_text())
        assert not list(_schema(event["detail-type"]).iter_errors(event["detail"])), sample.name


def test_emitted_events_match_their_schemas(sms_cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a sent text
    token = owner["access_token"]
    contact_id = setup_workspace(api, token)["contact"]["id"]
    api.post("/sms", {"contact_id": contact_id, "body": "Hello"}, token=token)
    drain_sends(sms_cloud)

    # Then every SMS event on the timeline validates against its schema
    for entry in api.get(f"/contacts/{contact_id}/timeline?limit=100", token=token).body["items"]:
        if entry["type"].startswith("sms."):
            detail = {"id": entry["id"], "type": entry["type"], "version": 1, "workspace_id": owner["workspace"]["id"],
                      "occurred_at": entry["occurred_at"], "actor": entry["actor"], "data": entry["data"],
                      "changes": entry["changes"]}
            assert not list(_schema(entry["type"]).iter_errors(detail)), entry


def test_a_flow_action_texts_once_and_a_refusal_is_an_outcome(sms_cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    from leadpilot.settings import get_settings
    from leadpilot.sms.flow_send import send_for_flow

    # Given a contact, and one who opted out
    token, ws = owner["access_token"], owner["workspace"]["id"]
    contact_id = setup_workspace(api, token)["contact"]["id"]
    opted_out = api.post("/contacts", {"first_name": "No", "phone": "+14155550124", "do_not_contact": True},
                         token=token).body["id"]
    actor = {"type": "system", "id": "automation:flow:run"}

    # When the action worker performs the same send action twice (a redelivery), and one for the opted-out contact
    first = send_for_flow(get_settings(), ws, contact_id, "Hi Ada", "RUN1#text#0#-", actor)
    again = send_for_flow(get_settings(), ws, contact_id, "Hi Ada", "RUN1#text#0#-", actor)
    refused = send_for_flow(get_settings(), ws, opted_out, "Hi", "RUN2#text#0#-", actor)

    # Then one text is queued (source automation), and the refusal is reported, not raised
    assert first["sent"] is True and first["message_id"] == again["message_id"]
    assert drain_sends(sms_cloud) == 1
    assert api.get(f"/sms/{first['message_id']}", token=token).body["source"] == "automation"
    assert refused == {"sent": False, "reason": "do_not_contact"}


def test_bulk_texts_each_contact_once_and_refuses_who_may_not_be_texted(sms_cloud: Any, api: Api,
                                                                          owner: dict[str, Any]) -> None:
    # Given two textable contacts, one opted out, one without a phone and an unknown id
    token, ws = owner["access_token"], owner["workspace"]["id"]
    ada = setup_workspace(api, token)["contact"]["id"]
    bob = api.post("/contacts", {"first_name": "Bob", "phone": "+14155550125"}, token=token).body["id"]
    out = api.post("/contacts", {"first_name": "Out", "phone": "+14155550126", "do_not_contact": True},
                   token=token).body["id"]
    mail = api.post("/contacts", {"first_name": "Mail", "email": "m@x.test"}, token=token).body["id"]
    unknown = "01M80A45J90JMESM0AR82N1PFF"

    # When one template is sent to all of them (and an unknown variable is refused outright)
    bad = api.post("/sms/bulk", {"contact_ids": [ada], "body": "Hi {{nick}}"}, token=token)
    reply = api.post("/sms/bulk", {"contact_ids": [ada, bob, out, mail, unknown, ada],
                                   "body": "Hi {{first_name}}, sale today"}, token=token)
    drain_sends(sms_cloud)

    # Then each textable contact got its own text, once, and the others are refused with a reason
    assert bad.status == 422
    assert reply.status == 202 and reply.body["queued"] == 2 and reply.body["refused"] == 3
    codes = {i["contact_id"]: i.get("error", {}).get("code", i["status"]) for i in reply.body["items"]}
    assert codes == {ada: "queued", bob: "queued", out: "do_not_contact", mail: "no_phone", unknown: "not_found"}
    assert sorted(m["body"] for m in sandbox_outbox(ws)) == ["Hi Ada, sale today", "Hi Bob, sale today"]
    assert api.get("/usage", token=token).body["counters"]["sms_segments"]["day"]["used"] == 2
