"""A workspace's own Twilio account and OpenAI key are used instead of the platform's (sandbox, no key)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from leadpilot.automation.ai.provider import ai_config
from leadpilot.email.provider import provider as email_provider
from leadpilot.sms.config import SANDBOX_ACCOUNT
from tests.integration.conftest import sign_up
from tests.integration.messaging_helpers import (
    PUBLIC_BASE,
    configure_sandbox,
    drain_sends,
    inbound,
    setup_workspace,
    webhook,
)
from tests.integration.platform_helpers import platform_admin
from tests.support.apps import Api
from tests.support.http_stub import Recorded, Reply, chat_completion, http_stub
from tests.support.twilio_stub import TwilioStub

SID, AUTH = "AC" + "7" * 32, "a" * 28 + "b0b0"
SID_B, AUTH_B = "AC" + "8" * 32, "c" * 28 + "b1b1"  # another workspace's own account
SID_NEW, AUTH_NEW = "AC" + "9" * 32, "d" * 28 + "b2b2"
KEY = "sk-own-" + "k" * 24 + "9999"
SID_P, AUTH_P = "AC" + "5" * 32, "e" * 28 + "b3b3"  # the account the platform saved in its settings
KEY_P = "sk-platform-" + "p" * 24 + "4321"


@pytest.fixture
def sandboxed(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[TwilioStub]:
    """The platform has no Twilio account (sandbox) and no OpenAI key; Twilio's API is a local stub."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    ai_config.cache_clear()
    with TwilioStub(SID, AUTH) as stub:
        for _ in configure_sandbox(cloud, monkeypatch, TWILIO_API_BASE_URL=stub.url):
            yield stub
    ai_config.cache_clear()


def test_a_workspace_texts_through_its_own_twilio_account(sandboxed: TwilioStub, cloud: Any, api: Api,
                                                          owner: dict[str, Any]) -> None:
    # Given a workspace that saved its own Twilio account (the platform runs the sandbox)
    token = owner["access_token"]
    saved = api.call("PUT", "/integrations/twilio/credentials", {"account_sid": SID, "auth_token": AUTH}, token=token)
    assert saved.status == 200, saved
    contact = setup_workspace(api, token)["contact"]
    # When it sends a text and the worker runs
    assert api.post("/sms", {"contact_id": contact["id"], "body": "Hello from our own account"},
                    token=token).status == 202
    drain_sends(cloud)
    # Then Twilio got it, authenticated as the workspace's account (the stub refuses any other)
    assert [m["Body"] for m in sandboxed.creates] == ["Hello from our own account"]


def _texted(api: Api, cloud: Any, token: str) -> dict[str, Any]:
    """A workspace on its own Twilio account (SID) with a number, a contact, and a text sent through the stub."""
    assert api.call("PUT", "/integrations/twilio/credentials", {"account_sid": SID, "auth_token": AUTH},
                    token=token).status == 200
    setup = setup_workspace(api, token)
    sent = api.post("/sms", {"contact_id": setup["contact"]["id"], "body": "Your quote is ready"}, token=token).body
    drain_sends(cloud)
    return {**setup, "message": api.get(f"/sms/{sent['id']}", token=token).body}


def _receipt(message: dict[str, Any], account: str, status: str = "delivered") -> dict[str, str]:
    return {"MessageSid": message["provider_sid"], "MessageStatus": status, "AccountSid": account,
            "From": message["from"], "To": message["to"], "ApiVersion": "2010-04-01"}


def test_webhooks_of_a_workspace_account_are_checked_with_its_own_token(
        sandboxed: TwilioStub, cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a workspace that texts through its own Twilio account, on the same callback route as the platform
    token = owner["access_token"]
    setup = _texted(api, cloud, token)
    message, contact, number = setup["message"], setup["contact"], setup["number"]["number"]
    assert sandboxed.messages[0]["status_callback"].startswith(PUBLIC_BASE + "/webhooks/twilio/status")
    status_before = message["status"]

    # When its delivery receipt comes signed with the platform's token: refused, nothing changes
    refused = webhook(api, "/webhooks/twilio/status", _receipt(message, SID))
    assert refused.status == 403 and refused.body["error"]["details"]["field"] == "X-Twilio-Signature"
    assert api.get(f"/sms/{message['id']}", token=token).body["status"] == status_before
    # Then signed with the workspace's own token: the text is delivered
    assert webhook(api, "/webhooks/twilio/status", _receipt(message, SID), token=AUTH).status == 200
    assert api.get(f"/sms/{message['id']}", token=token).body["status"] == "delivered"

    # When the contact texts STOP to the workspace's number, signed with the platform's token: refused
    stop = {**inbound(contact["phone"], number, "STOP", "SM" + "5" * 32), "AccountSid": SID}
    assert webhook(api, "/webhooks/twilio/sms", stop).status == 403
    assert api.get("/conversations", token=token).body["unread_total"] == 0
    # Then signed with the workspace's own token: it lands in the inbox and the contact is opted out
    assert webhook(api, "/webhooks/twilio/sms", stop, token=AUTH).status == 200
    thread = api.get(f"/conversations/{contact['id']}/messages", token=token).body["items"]
    assert [(m["direction"], m["body"], m["keyword"]) for m in thread if m["direction"] == "inbound"] == [
        ("inbound", "STOP", "opt_out")]
    assert api.get(f"/contacts/{contact['id']}", token=token).body["do_not_contact"] is True


def test_one_tenant_account_cannot_speak_for_another_and_replacing_moves_the_account(
        sandboxed: TwilioStub, cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given workspace A texting through its own account, and workspace B with its own account and number
    token_a = owner["access_token"]
    setup = _texted(api, cloud, token_a)
    message, number_a = setup["message"], setup["number"]["number"]
    token_b = sign_up(api, "Beta")["access_token"]
    assert api.call("PUT", "/integrations/twilio/credentials", {"account_sid": SID_B, "auth_token": AUTH_B},
                    token=token_b).status == 200
    assert api.post("/phone-numbers", {"number": "+14155550111"}, token=token_b).status == 201
    before = api.get(f"/sms/{message['id']}", token=token_a).body

    # When B's account, validly signed, reports on A's text or delivers a text to A's number: refused
    forged = webhook(api, "/webhooks/twilio/status", _receipt(message, SID_B, "failed"), token=AUTH_B)
    assert forged.status == 403 and forged.body["error"]["details"]["field"] == "MessageSid"
    text = {**inbound("+14155550199", number_a, "Wire the deposit here", "SM" + "6" * 32), "AccountSid": SID_B}
    planted = webhook(api, "/webhooks/twilio/sms", text, token=AUTH_B)
    assert planted.status == 403 and planted.body["error"]["details"]["field"] == "To"
    # And A's account claimed with B's token is refused too
    assert webhook(api, "/webhooks/twilio/status", _receipt(message, SID), token=AUTH_B).status == 403
    # Then nothing of A's changed
    assert api.get(f"/sms/{message['id']}", token=token_a).body == before
    assert api.get("/conversations", token=token_a).body["unread_total"] == 0
    assert not [c for c in api.get("/contacts", token=token_a).body["items"] if c["phone"] == "+14155550199"]

    # And B may not save A's account as its own: 409 naming the field
    taken = api.call("PUT", "/integrations/twilio/credentials", {"account_sid": SID, "auth_token": AUTH_B},
                     token=token_b)
    assert taken.status == 409 and taken.body["error"]["details"]["field"] == "account_sid"

    # When A replaces its account: the old one's webhooks are the platform's again, the new one's are A's
    assert api.call("PUT", "/integrations/twilio/credentials", {"account_sid": SID_NEW, "auth_token": AUTH_NEW},
                    token=token_a).status == 200
    assert webhook(api, "/webhooks/twilio/status", _receipt(message, SID), token=AUTH).status == 403
    assert webhook(api, "/webhooks/twilio/status", _receipt(message, SID_NEW), token=AUTH_NEW).status == 200
    assert api.get(f"/sms/{message['id']}", token=token_a).body["status"] == "delivered"
    # Then the old account is free for B, and B's removal frees it again
    assert api.call("PUT", "/integrations/twilio/credentials", {"account_sid": SID, "auth_token": AUTH_B},
                    token=token_b).status == 200
    # (and an account that claims the platform's own is never a workspace's: the platform's webhooks still pass)
    assert api.call("PUT", "/integrations/twilio/credentials", {"account_sid": SANDBOX_ACCOUNT, "auth_token": AUTH_B},
                    token=token_b).status == 200
    assert webhook(api, "/webhooks/twilio/status", _receipt(message, SANDBOX_ACCOUNT, "read")).status == 200
    assert api.call("DELETE", "/integrations/twilio/credentials", token=token_b).status == 204
    assert api.call("PUT", "/integrations/twilio/credentials", {"account_sid": SID, "auth_token": AUTH},
                    token=token_a).status == 200


def test_flow_generation_uses_the_workspace_openai_key(cloud: Any, api: Api, owner: dict[str, Any],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def script(request: Recorded, index: int) -> Reply:
        return chat_completion({"name": "x"})  # a bad flow: the answer does not matter, who asked does

    with http_stub(script) as openai:
        # Given no platform key, and a workspace that saved its own
        monkeypatch.delenv("OPENAI_API_KEY", raising=False)
        monkeypatch.setenv("OPENAI_BASE_URL", openai.url + "/v1")
        ai_config.cache_clear()
        token = owner["access_token"]
        api.call("PUT", "/integrations/openai/credentials", {"api_key": KEY}, token=token)
        # When it asks for a flow from a sentence
        api.post("/flows/generate", {"prompt": "Text new leads a welcome"}, token=token)
        ai_config.cache_clear()
    # Then OpenAI was called with the workspace's key
    assert openai.requests and openai.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_workspaces_without_their_own_use_the_credentials_the_platform_saved(
        sandboxed: TwilioStub, cloud: Any, api: Api, owner: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    def script(request: Recorded, index: int) -> Reply:
        return chat_completion({"name": "x"})  # who asked matters, not the answer

    with http_stub(script) as openai:
        monkeypatch.setenv("OPENAI_BASE_URL", openai.url + "/v1")
        ai_config.cache_clear()
        # Given a platform administrator who saves the platform's Twilio account, OpenAI key and from address
        sandboxed.also(SID_P, AUTH_P)
        admin = platform_admin(api)["access_token"]
        saved = api.call("PUT", "/platform/settings", {"credentials": {
            "twilio": {"account_sid": SID_P, "auth_token": AUTH_P}, "openai": {"api_key": KEY_P},
            "email": {"from_email": "hello@leadpilot.test", "from_name": "LeadPilot"}}}, token=admin)
        assert saved.status == 200, saved
        # And workspace A with nothing of its own, workspace B with its own Twilio account and OpenAI key
        token_a = owner["access_token"]
        token_b = sign_up(api, "Beta")["access_token"]
        for kind, body in (("twilio", {"account_sid": SID, "auth_token": AUTH}), ("openai", {"api_key": KEY})):
            assert api.call("PUT", f"/integrations/{kind}/credentials", body, token=token_b).status == 200

        # When each texts a contact and asks for a flow from a sentence
        texts, contacts = {}, {}
        for token, text, number in ((token_a, "From the platform", "+14155550100"),
                                    (token_b, "From our own account", "+14155550111")):
            assert api.post("/phone-numbers", {"number": number}, token=token).status == 201
            made = api.post("/contacts", {"first_name": "Ada", "phone": "+14155550123"}, token=token)
            contacts[token] = made.body["id"]
            texts[token] = api.post("/sms", {"contact_id": contacts[token], "body": text}, token=token)
            assert texts[token].status == 202, texts[token]
            api.post("/flows/generate", {"prompt": "Text new leads a welcome"}, token=token)
        drain_sends(cloud)
        ai_config.cache_clear()

    # Then A's text went through the platform's account, B's through its own (the stub authenticates each)
    assert {m["body"]: m["account_sid"] for m in sandboxed.messages} == {
        "From the platform": SID_P, "From our own account": SID}
    # And OpenAI was asked with the platform's key for A, B's own key for B (a bad flow is asked again)
    asked = [r.headers["authorization"] for r in openai.requests]
    assert list(dict.fromkeys(asked)) == [f"Bearer {KEY_P}", f"Bearer {KEY}"], asked
    # And A's delivery receipt, signed by the platform's account, is accepted
    sent = api.get(f"/sms/{texts[token_a].body['id']}", token=token_a).body
    assert webhook(api, "/webhooks/twilio/status", _receipt(sent, SID_P), token=AUTH_P).status == 200
    assert api.get(f"/sms/{sent['id']}", token=token_a).body["status"] == "delivered"
    # And A, with no sender of its own, emails from the platform's address
    assert api.patch(f"/contacts/{contacts[token_a]}", {"email": "ada@example.com"}, token=token_a).status == 200
    email = api.post("/emails", {"contact_id": contacts[token_a], "subject": "Hi", "body": "Hello"}, token=token_a)
    assert email.status == 202, email
    assert api.get(f"/emails/{email.body['id']}", token=token_a).body["from"] == "hello@leadpilot.test"
    # And a second email asks SES nothing more about that address (verified once per process)
    asked_ses: list[str] = []
    email_provider("us-east-1").client.meta.events.register(
        "before-call.ses.GetIdentityVerificationAttributes", lambda **_: asked_ses.append("asked"))
    again = api.post("/emails", {"contact_id": contacts[token_a], "subject": "Again", "body": "Hi"}, token=token_a)
    assert again.status == 202 and asked_ses == [], (again, asked_ses)
    # And no answer holds a secret
    shown = api.get("/platform/settings", token=admin).raw
    assert AUTH_P not in shown and KEY_P not in shown and AUTH_P[-4:] in shown
