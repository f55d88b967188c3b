"""Sending email: the queued path through SES (moto), the dev capture, timeline and events, bad input."""
from __future__ import annotations

import json
import re
from typing import Any

import jsonschema

from tests.integration.test_email_helpers import captured, contact, deliver, send, verified_sender
from tests.support.apps import ROOT, Api


def assert_matches_schema(event_type: str, data: dict[str, Any]) -> None:
    schema = json.loads((ROOT / "events" / "schemas" / f"{event_type}.json").read_text())
    jsonschema.Draft202012Validator(schema["properties"]["data"]).validate(data)


def test_an_email_is_queued_sent_once_through_ses_and_recorded(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a workspace with a verified sender and a contact
    token = owner["access_token"]
    assert verified_sender(api, token)["status"] == "verified"
    contact_id = contact(api, token)
    # When an email is sent and the worker runs
    reply = send(api, token, contact_id)
    assert reply.status == 202, reply
    assert reply.body["status"] == "queued"
    assert deliver(cloud) == 1
    # Then SES got exactly one message with our headers, rendered and tracked
    mails = captured(api, token)
    assert len(mails) == 1
    mail = mails[0]
    assert mail["subject"] == "Hi Ada" and "ada@example.com" in mail["to"] and "hello@acme.test" in mail["from"]
    assert mail["list_unsubscribe_post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<https://[^>]+/e/u/[^>]+>", mail["list_unsubscribe"])
    assert mail["message_id_header"].startswith(f"<{reply.body['id']}.{owner['workspace']['id']}@acme.test>"[:27])
    assert "<strong>Ada</strong>" in mail["html"] and "/e/c/" in mail["html"] and "/e/o/" in mail["html"]
    assert "https://acme.test/pricing" not in mail["html"]  # the link goes through the signed redirect
    assert "Hello Ada, see our prices" in mail["text"]
    # And the message, the contact's timeline and the bus all say it was sent
    got = api.get(f"/emails/{reply.body['id']}", token=token).body
    assert got["status"] == "sent" and got["sent_at"]
    timeline = api.get(f"/contacts/{contact_id}/timeline", token=token).body["items"]
    assert [e["type"] for e in timeline].count("email.sent") == 1
    sent = next(e for e in timeline if e["type"] == "email.sent")
    assert sent["data"]["contact_id"] == contact_id and sent["data"]["message_id"] == reply.body["id"]
    assert_matches_schema("email.sent", sent["data"])
    # And a second run of the worker sends nothing more
    assert deliver(cloud) == 0
    assert len(captured(api, token)) == 1


def test_bad_input_is_a_clear_4xx_and_nothing_is_stored_or_sent(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a verified sender and a contact
    token = owner["access_token"]
    verified_sender(api, token)
    contact_id = contact(api, token)
    cases = [
        ({"contact_id": contact_id, "subject": "", "body": "x"}, 422, "subject"),
        ({"contact_id": contact_id, "subject": "Hi", "body": ""}, 422, "body"),
        ({"contact_id": contact_id, "subject": "Hi {{nickname}}", "body": "x"}, 422, "subject"),
        ({"contact_id": contact_id, "subject": "Hi", "body": "Dear {{favourite_color}}"}, 422, "body"),
        ({"contact_id": contact_id, "subject": "Hi", "body": "x" * 100_001}, 422, "body"),
        ({"contact_id": contact_id, "subject": "{{last_name|}}", "body": "x"}, 422, "subject"),
        ({"contact_id": "not-an-id", "subject": "Hi", "body": "x"}, 422, "contact_id"),
        ({"contact_id": contact_id, "subject": "Hi", "body": "x", "from_name": "A\r\nBcc: x@evil.test"}, 422,
         "from_name"),
    ]
    for body, status, field in cases:
        # When the request is bad
        reply = api.post("/emails", body, token=token)
        # Then it is refused naming the field
        assert reply.status == status, (body, reply)
        assert field in reply.raw, (body, reply)
    assert api.call("PUT", "/email/sender", {"email": "not an address"}, token=token).status == 422
    # And nothing was queued or sent
    assert deliver(cloud) == 0
    assert captured(api, token) == []


def test_no_sender_or_do_not_contact_refuses_to_send(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    contact_id = contact(api, token)
    # Given no sender: 422 naming "from"
    reply = send(api, token, contact_id)
    assert reply.status == 422 and "from" in reply.raw
    # Given a sender and a contact who asked not to be contacted: 409, nothing sent
    verified_sender(api, token)
    quiet = contact(api, token, "quiet@example.com", do_not_contact=True)
    reply = send(api, token, quiet)
    assert reply.status == 409 and "do_not_contact" in reply.raw
    assert deliver(cloud) == 0 and captured(api, token) == []
