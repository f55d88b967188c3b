"""Twilio's webhooks: signed inbound texts threaded per contact, compliance keywords, status callbacks,
and the sandbox simulator going through the same verification."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from leadpilot.messages.signatures import twilio_signature
from leadpilot.sms import status as sms_status
from leadpilot.sms.config import messaging_config
from leadpilot.sms.models import EarlyStatusItem
from leadpilot.sms.provider import SandboxProvider, sandbox_outbox
from tests.integration.conftest import receive_events
from tests.integration.messaging_helpers import (
    PUBLIC_BASE,
    bus_events,
    configure_sandbox,
    drain_sends,
    inbound,
    json_of,
    setup_workspace,
    timeline_types,
    webhook,
)
from tests.support.apps import Api

SID = "SM" + "a" * 32


@pytest.fixture
def sms_cloud(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    yield from configure_sandbox(cloud, monkeypatch)


def _contacts(api: Api, token: str) -> list[dict[str, Any]]:
    return api.get("/contacts", token=token).body["items"]


def test_an_inbound_text_creates_the_contact_threads_it_and_emits_sms_received(
        sms_cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a workspace with a number
    token = owner["access_token"]
    setup_workspace(api, token)
    bus_events(sms_cloud)

    # When a stranger texts the number, and Twilio delivers the webhook twice
    form = inbound("+14155550199", "+14155550100", "Do you do boilers?", SID)
    first, again = webhook(api, "/webhooks/twilio/sms", form), webhook(api, "/webhooks/twilio/sms", form)

    # Then both are answered with empty TwiML, and one contact, one text and one event exist
    assert first.status == 200 and again.status == 200, (first, again)
    assert "<Response>" in first.raw
    stranger = [c for c in _contacts(api, token) if c["phone"] == "+14155550199"]
    assert len(stranger) == 1 and stranger[0]["source"] == "sms"
    contact_id = stranger[0]["id"]
    thread = api.get(f"/conversations/{contact_id}/messages", token=token).body
    assert [(m["direction"], m["body"], m["provider_sid"]) for m in thread["items"]] == [
        ("inbound", "Do you do boilers?", SID)]
    delivered = receive_events(sms_cloud, "AutomationTriggersQueue")
    events = [e for e in delivered if e["detail-type"].startswith("sms.")]
    assert [e["detail-type"] for e in events] == ["sms.received"]
    assert events[0]["detail"]["data"]["contact_id"] == contact_id  # what the automation triggers read
    assert events[0]["detail"]["data"]["contact_created"] is True
    # And the contact was created by the inbound webhook as a system actor (what opt-out handling recognises)
    created = [e["detail"] for e in delivered if e["detail-type"] == "contact.created"]
    assert [c["actor"] for c in created] == [{"type": "system", "id": "sms-inbound"}]

    # And the conversation is unread until read
    convos = api.get("/conversations", token=token).body
    assert convos["unread_total"] == 1 and convos["items"][0]["unread"] == 1
    assert api.post(f"/conversations/{contact_id}/read", token=token).body["unread_total"] == 0
    assert api.get("/conversations", token=token).body["items"][0]["unread"] == 0


def test_a_known_sender_is_matched_by_phone(sms_cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a contact whose phone is stored in E.164
    token = owner["access_token"]
    contact_id = setup_workspace(api, token)["contact"]["id"]

    # When they text in
    assert webhook(api, "/webhooks/twilio/sms", inbound("+14155550123", "+14155550100", "Yes", SID)).status == 200

    # Then the text is theirs and no contact was created
    assert len(_contacts(api, token)) == 1
    assert api.get(f"/conversations/{contact_id}/messages", token=token).body["items"][0]["body"] == "Yes"
    assert "sms.received" in timeline_types(api, token, contact_id)


def test_forged_or_unsigned_webhooks_get_403_and_store_nothing(sms_cloud: Any, api: Api,
                                                                owner: dict[str, Any]) -> None:
    # Given a workspace with a number
    token = owner["access_token"]
    setup_workspace(api, token)
    form = inbound("+14155550199", "+14155550100", "Hi", SID)
    forged = twilio_signature("not-the-token-0123456789abcdef", PUBLIC_BASE + "/webhooks/twilio/sms", form)
    other_url = twilio_signature(messaging_config().webhook_auth_token, "https://evil.test/webhooks/twilio/sms", form)
    tampered = dict(form, Body="Hi, send me everything")

    # When webhooks arrive unsigned, signed with another token, for another URL, or altered after signing
    replies = [webhook(api, "/webhooks/twilio/sms", form, signature=None),
               webhook(api, "/webhooks/twilio/sms", form, signature=forged),
               webhook(api, "/webhooks/twilio/sms", form, signature=other_url),
               webhook(api, "/webhooks/twilio/sms", tampered,
                       signature=twilio_signature(messaging_config().webhook_auth_token,
                                                  PUBLIC_BASE + "/webhooks/twilio/sms", form)),
               webhook(api, "/webhooks/twilio/status", {"MessageSid": SID, "MessageStatus": "delivered"},
                       signature=forged)]

    # Then each is a 403 and nothing is stored
    assert [r.status for r in replies] == [403] * 5, replies
    assert replies[1].body["error"]["code"] == "invalid_signature"
    assert len(_contacts(api, token)) == 1
    assert api.get("/conversations", token=token).body["items"] == []


@pytest.fixture
def no_base_url_cloud(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The sandbox without PUBLIC_BASE_URL; the cached configuration is dropped again afterwards, so no later test
    of the worker signs for a URL its requests do not have."""
    yield from configure_sandbox(cloud, monkeypatch, PUBLIC_BASE_URL="")


def test_the_public_url_is_rebuilt_from_forwarded_headers_without_a_base_url(
        no_base_url_cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given no PUBLIC_BASE_URL: the URL comes from the request as the client made it
    token = owner["access_token"]
    setup_workspace(api, token)
    form = inbound("+14155550199", "+14155550100", "Hi", SID)
    url = "https://api.acme.test/webhooks/twilio/sms"
    signature = twilio_signature(messaging_config().webhook_auth_token, url, form)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature,
               "Host": "api.acme.test", "X-Forwarded-Proto": "https"}

    # When Twilio calls through a custom domain
    from urllib.parse import urlencode
    reply = api.call("POST", "/webhooks/twilio/sms", raw=urlencode(form), headers=headers)

    # Then the signature matches the URL it signed
    assert reply.status == 200, reply


def test_unknown_number_and_malformed_sender_are_4xx(sms_cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a workspace with a number
    token = owner["access_token"]
    setup_workspace(api, token)

    # When a signed webhook names a number nobody has, a malformed sender, or no MessageSid
    unknown = webhook(api, "/webhooks/twilio/sms", inbound("+14155550199", "+14155550999", "Hi", SID))
    malformed = webhook(api, "/webhooks/twilio/sms", inbound("12", "+14155550100", "Hi", SID))
    no_sid = webhook(api, "/webhooks/twilio/sms", inbound("+14155550199", "+14155550100", "Hi", ""))

    # Then each is a clear 4xx naming the field, and nothing is stored
    assert unknown.status == 404 and unknown.body["error"]["details"]["field"] == "To"
    assert malformed.status == 422 and malformed.body["error"]["details"]["errors"][0]["field"] == "From"
    assert no_sid.status == 422 and no_sid.body["error"]["details"]["errors"][0]["field"] == "MessageSid"
    assert api.get("/conversations", token=token).body["items"] == []


def test_stop_opts_out_confirms_once_and_blocks_every_later_send(sms_cloud: Any, api: Api,
                                                                 owner: dict[str, Any]) -> None:
    # Given a contact with a text queued for later
    token, ws = owner["access_token"], owner["workspace"]["id"]
    contact_id = setup_workspace(api, token)["contact"]["id"]
    bus_events(sms_cloud)
    queued = api.post("/sms", {"contact_id": contact_id, "body": "Our offer"}, token=token).body

    # When the contact texts "stop." (twice: a duplicated webhook)
    form = inbound("+14155550123", "+14155550100", " stop. ", SID)
    webhook(api, "/webhooks/twilio/sms", form)
    webhook(api, "/webhooks/twilio/sms", form)
    drain_sends(sms_cloud)

    # Then the contact is do-not-contact, the keyword is no "reply" event, and one confirmation went out
    assert api.get(f"/contacts/{contact_id}", token=token).body["do_not_contact"] is True
    assert bus_events(sms_cloud) == []  # no sms.received reaches the automation triggers: flows do not resume
    assert timeline_types(api, token, contact_id).count("sms.keyword_received") == 1
    outbox = sandbox_outbox(ws)
    assert len(outbox) == 1 and "unsubscribed" in outbox[0]["body"]
    assert api.get(f"/sms/{queued['id']}", token=token).body["status"] == "blocked"
    assert api.post("/sms", {"contact_id": contact_id, "body": "Please?"}, token=token).status == 409

    # When they text START
    webhook(api, "/webhooks/twilio/sms", inbound("+14155550123", "+14155550100", "START", "SM" + "b" * 32))
    drain_sends(sms_cloud)

    # Then they can be texted again
    assert api.get(f"/contacts/{contact_id}", token=token).body["do_not_contact"] is False
    assert api.post("/sms", {"contact_id": contact_id, "body": "Welcome back"}, token=token).status == 202
    assert "subscribed again" in sandbox_outbox(ws)[0]["body"]


def test_twilio_opt_out_type_wins_and_twilio_replies_itself(sms_cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a contact
    token, ws = owner["access_token"], owner["workspace"]["id"]
    contact_id = setup_workspace(api, token)["contact"]["id"]

    # When Twilio's Advanced Opt-Out matched a custom keyword
    form = dict(inbound("+14155550123", "+14155550100", "arrête", SID), OptOutType="STOP")
    assert webhook(api, "/webhooks/twilio/sms", form).status == 200
    drain_sends(sms_cloud)

    # Then the contact is opted out and we did not send a second confirmation
    assert api.get(f"/contacts/{contact_id}", token=token).body["do_not_contact"] is True
    assert sandbox_outbox(ws) == []


def test_help_gets_the_help_reply(sms_cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a workspace with a business name and a help contact
    token, ws = owner["access_token"], owner["workspace"]["id"]
    setup_workspace(api, token)
    api.call("PUT", "/messaging/settings", {"business_name": "Acme Plumbing", "help_contact": "call 555-0100"},
             token=token)

    # When someone texts HELP
    webhook(api, "/webhooks/twilio/sms", inbound("+14155550123", "+14155550100", "help", SID))
    drain_sends(sms_cloud)

    # Then the help text is sent
    assert sandbox_outbox(ws)[0]["body"].startswith("Acme Plumbing: for help, reply to this message or call 555-0100")


def test_status_callbacks_are_deduplicated_and_never_go_backwards(sms_cloud: Any, api: Api,
                                                                   owner: dict[str, Any]) -> None:
    # Given a sent text
    token = owner["access_token"]
    contact_id = setup_workspace(api, token)["contact"]["id"]
    message = api.post("/sms", {"contact_id": contact_id, "body": "Hello"}, token=token).body
    drain_sends(sms_cloud)
    sid = api.get(f"/sms/{message['id']}", token=token).body["provider_sid"]

    def status(value: str, **extra: str) -> Any:
        return webhook(api, "/webhooks/twilio/status", {"MessageSid": sid, "MessageStatus": value,
                                                        "AccountSid": "AC" + "0" * 32, **extra})

    # When "delivered" arrives twice and a late "sent" after it
    replies = [status("delivered"), status("delivered"), status("sent")]

    # Then the text is delivered, with one sms.delivered event
    assert [r.status for r in replies] == [200, 200, 200]
    shown = api.get(f"/sms/{message['id']}", token=token).body
    assert shown["status"] == "delivered" and shown["provider_status"] == "delivered" and shown["delivered_at"]
    assert timeline_types(api, token, contact_id).count("sms.delivered") == 1

    # And a failure after delivery does not undo it, nor a bad status pass
    status("undelivered", ErrorCode="30003")
    assert api.get(f"/sms/{message['id']}", token=token).body["status"] == "delivered"
    assert status("exploded").status == 422


def test_a_failed_delivery_keeps_its_error_code(sms_cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a sent text
    token = owner["access_token"]
    contact_id = setup_workspace(api, token)["contact"]["id"]
    message = api.post("/sms", {"contact_id": contact_id, "body": "Hello"}, token=token).body
    drain_sends(sms_cloud)

    # When the simulator reports it undelivered (signed and verified like Twilio's callback)
    reply = api.post("/dev/sms/status", {"message_id": message["id"], "status": "undelivered", "error_code": "30003"},
                     token=token)

    # Then the text is undelivered with the code, and sms.failed is on the timeline
    assert reply.status == 200, reply
    shown = api.get(f"/sms/{message['id']}", token=token).body
    assert shown["status"] == "undelivered" and shown["error_code"] == "30003"
    assert "sms.failed" in timeline_types(api, token, contact_id)


def test_the_simulator_sends_an_inbound_text_through_the_webhook_path(sms_cloud: Any, api: Api,
                                                                       owner: dict[str, Any]) -> None:
    # Given a workspace with a number
    token = owner["access_token"]
    setup_workspace(api, token)

    # When a developer simulates an inbound text, and one to a number the workspace does not have
    reply = api.post("/dev/sms/inbound", {"from": "+14155550199", "body": "Is this real?"}, token=token)
    other = api.post("/dev/sms/inbound", {"from": "+14155550199", "to": "+14155550999", "body": "x"}, token=token)

    # Then the first is stored like a real one, the second is a 404
    assert reply.status == 200, reply
    assert reply.body["message_sid"].startswith("SM")
    convos = api.get("/conversations", token=token).body
    assert convos["unread_total"] == 1 and convos["items"][0]["last_body"] == "Is this real?"
    assert other.status == 404
    assert api.get("/dev/sms/outbox", token=token).status == 200


def test_callbacks_that_beat_the_worker_are_held_and_applied_once_it_records_the_sid(
        sms_cloud: Any, api: Api, owner: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a provider that calls back "queued", "delivered" (and "delivered" again) before the call returns,
    # as Twilio can while the worker has not yet recorded the sid
    token = owner["access_token"]
    contact_id = setup_workspace(api, token)["contact"]["id"]
    held: list[int] = []
    real_send_many = SandboxProvider.send_many

    def send_and_call_back(provider: SandboxProvider, batch: list[Any]) -> list[Any]:
        results = real_send_many(provider, batch)
        for result in results:
            held.extend(webhook(api, "/webhooks/twilio/status", {"MessageSid": result.sid, "MessageStatus": value,
                                                                 "AccountSid": "AC" + "0" * 32}).status
                        for value in ("delivered", "queued", "delivered"))
        return results

    monkeypatch.setattr(SandboxProvider, "send_many", send_and_call_back)
    message = api.post("/sms", {"contact_id": contact_id, "body": "Hello"}, token=token).body

    # When the worker sends it
    drain_sends(sms_cloud)

    # Then the callbacks were acknowledged, and applied once the sid was recorded: delivered, one event
    assert held == [200, 200, 200]
    shown = api.get(f"/sms/{message['id']}", token=token).body
    assert (shown["status"], shown["provider_status"]) == ("delivered", "delivered"), shown
    assert timeline_types(api, token, contact_id).count("sms.delivered") == 1
    assert EarlyStatusItem.count(f"SMS_SID#{shown['provider_sid']}") == 0  # nothing left held


def test_a_callback_held_just_as_the_worker_records_the_sid_applies_itself(
        sms_cloud: Any, api: Api, owner: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a sent text whose sid the callback does not find at first (the worker records it a moment later,
    # after it looked for held callbacks)
    token = owner["access_token"]
    contact_id = setup_workspace(api, token)["contact"]["id"]
    message = api.post("/sms", {"contact_id": contact_id, "body": "Hello"}, token=token).body
    drain_sends(sms_cloud)
    sid = api.get(f"/sms/{message['id']}", token=token).body["provider_sid"]
    real_ref, looks = sms_status._sid_ref, []

    def late_ref(value: str) -> Any:
        looks.append(value)
        return None if len(looks) == 1 else real_ref(value)

    monkeypatch.setattr(sms_status, "_sid_ref", late_ref)

    # When the callback arrives
    reply = webhook(api, "/webhooks/twilio/status", {"MessageSid": sid, "MessageStatus": "delivered",
                                                     "AccountSid": "AC" + "0" * 32})

    # Then it held itself, looked again, and applied what it held
    assert reply.status == 200 and looks == [sid, sid]
    assert api.get(f"/sms/{message['id']}", token=token).body["status"] == "delivered"
    assert EarlyStatusItem.count(f"SMS_SID#{sid}") == 0


def test_a_callback_for_a_sid_nobody_records_is_held_and_expires(sms_cloud: Any, api: Api,
                                                                 owner: dict[str, Any]) -> None:
    # When Twilio calls back for a sid no text of ours has (yet)
    reply = webhook(api, "/webhooks/twilio/status", {"MessageSid": SID, "MessageStatus": "sent",
                                                     "AccountSid": "AC" + "0" * 32})

    # Then it is acknowledged and held with an expiry, changing no message
    assert reply.status == 200
    held = EarlyStatusItem.get(f"SMS_SID#{SID}", "EARLY")
    assert [json_of(f)["MessageStatus"] for f in held.forms] == ["sent"] and held.expires_at
