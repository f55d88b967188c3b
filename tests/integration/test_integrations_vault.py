"""The OAuth vault against the local OAuth server stub: connect with PKCE and a signed state, tokens sealed at
rest, refresh before expiry under a lock, invalid_grant -> reconnect needed, disconnect; own credentials."""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator

from leadpilot.db.base import CrmModel, bind_tables
from leadpilot.db.crm_models import ActivityItem
from leadpilot.integrations import credentials, vault
from leadpilot.integrations.models import integrations_pk
from leadpilot.integrations.state import State, sign_state
from leadpilot.settings import get_settings
from tests.integration.conftest import JWT_SECRET, sign_up
from tests.support.apps import Api
from tests.support.oauth import connect, consent, oauth_stub

ROOT = Path(__file__).resolve().parents[2]
KEY_B = "sk-member-" + "m" * 24


def _google(api: Api, token: str) -> dict[str, Any]:
    return next(i for i in api.get("/integrations", token=token).body["integrations"] if i["key"] == "google")


def _stored(workspace_id: str) -> str:
    """Everything the workspace's integrations partition holds, as stored (sealed values included)."""
    return json.dumps([i.serialize() for i in CrmModel.query(integrations_pk(workspace_id))])


def test_connect_uses_pkce_and_a_one_time_state_and_seals_the_tokens(api: Api, owner: dict[str, Any]) -> None:
    token, ws = owner["access_token"], owner["workspace"]["id"]
    with oauth_stub() as stub:
        # Given the owner started connecting Google and consented at the provider
        back = consent(api, token)
        # When the dashboard posts what the provider sent back
        reply = api.post("/integrations/oauth/callback", back, token=token)
        # Then the connection is stored, connected, and the stub's PKCE check passed (it refuses a wrong verifier)
        assert reply.status == 200 and reply.body["status"] == "connected", reply
        assert stub.calls["authorization_code"] == 1
        issued = next(iter(stub.access_tokens))
        card = _google(api, token)
        assert card["status"] == "connected" and card["details"]["connection"]["id"] == reply.body["id"]
        # And no token is in any answer nor stored in clear
        assert issued not in json.dumps(card) and issued not in _stored(ws)
        assert not any(rt in _stored(ws) for rt in stub.refresh_tokens)
        # And the state cannot be used twice
        again = api.post("/integrations/oauth/callback", back, token=token)
        assert again.status == 400 and again.body["error"]["code"] == "invalid_state"
        # And the stub really checks PKCE: a code sent with another verifier is refused
        other = consent(api, token)
        wrong = requests.post(f"{stub.url}/google/token", timeout=10, data={
            "grant_type": "authorization_code", "code": other["code"], "code_verifier": "x" * 50,
            "redirect_uri": "http://127.0.0.1/app/integrations/callback", "client_id": "local-google-client",
            "client_secret": "local-google-secret"})
        assert wrong.status_code == 400 and "PKCE" in wrong.json()["error_description"]


def test_a_tampered_expired_or_foreign_state_is_400_and_nothing_is_stored(api: Api, owner: dict[str, Any]) -> None:
    token, ws, user = owner["access_token"], owner["workspace"]["id"], owner["user"]["id"]
    other = sign_up(api, "Other")
    with oauth_stub():
        back = consent(api, token)
        payload, signature = back["state"].split(".")
        tampered = {**back, "state": payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + signature}
        expired = {**back, "state": sign_state(JWT_SECRET, State(ws, user, "google", "01M80A45J90JMESM0AR82N1PFF",
                                                                 int(time.time()) - 1))}
        # When the callback comes with a tampered state, an expired one, or another user's
        for body, caller in ((tampered, token), (expired, token), (back, other["access_token"])):
            reply = api.post("/integrations/oauth/callback", body, token=caller)
            # Then it is a 400 naming the state
            assert reply.status == 400 and reply.body["error"]["details"]["field"] == "state", reply
        # And a provider's refusal with a good state is a clear 4xx naming the error
        denied = api.post("/integrations/oauth/callback", {"state": consent(api, token)["state"],
                                                           "error": "access_denied"}, token=token)
        assert denied.status == 400 and denied.body["error"]["details"]["provider_error"] == "access_denied"
    # And nothing was connected
    assert _google(api, token)["status"] == "not_connected"
    assert "OAUTH#" not in _stored(ws)


def test_refresh_happens_before_expiry_and_two_concurrent_refreshes_call_the_provider_once(
        api: Api, owner: dict[str, Any]) -> None:
    token, ws, user = owner["access_token"], owner["workspace"]["id"], owner["user"]["id"]
    settings = get_settings()
    with oauth_stub() as stub:
        # Given a connection whose token expires in a minute (inside the refresh margin, not yet expired)
        stub.expires_in = 60
        connect(api, token)
        first = next(iter(stub.access_tokens))
        stub.expires_in = 3600
        # When two callers ask for a token at the same moment
        barrier, got = threading.Barrier(2), []

        def ask() -> None:
            barrier.wait()
            got.append(vault.access_token(settings, ws, user, "google"))

        threads = [threading.Thread(target=ask) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # Then the token endpoint was called once, and each caller got a valid token (the new, or the old in grace)
        assert stub.calls["refresh_token"] == 1
        assert len(got) == 2 and set(got) <= stub.access_tokens
        fresh = (set(stub.access_tokens) - {first}).pop()
        # And later callers get the refreshed token with no further call
        assert vault.access_token(settings, ws, user, "google") == fresh
        assert stub.calls["refresh_token"] == 1


def test_microsoft_rotated_refresh_tokens_are_kept(api: Api, owner: dict[str, Any]) -> None:
    token, ws, user = owner["access_token"], owner["workspace"]["id"], owner["user"]["id"]
    settings = get_settings()
    with oauth_stub() as stub:
        # Given a Microsoft connection whose tokens stay short-lived (each refresh rotates the refresh token)
        stub.expires_in = 60
        connect(api, token, "microsoft")
        # When two refreshes follow each other
        first = vault.access_token(settings, ws, user, "microsoft")
        second = vault.access_token(settings, ws, user, "microsoft")
        # Then both succeeded: the second used the refresh token the first one received
        assert stub.calls["refresh_token"] == 2 and first != second
        assert {first, second} <= stub.access_tokens and len(stub.refresh_tokens) == 1


def test_invalid_grant_marks_the_connection_notifies_and_publishes(api: Api, owner: dict[str, Any]) -> None:
    token, ws, user = owner["access_token"], owner["workspace"]["id"], owner["user"]["id"]
    settings = get_settings()
    with oauth_stub() as stub:
        # Given a connection due for refresh, whose grant the provider has revoked
        stub.expires_in = 60
        connect(api, token)
        stub.refresh_outcome = "invalid_grant"
        # When a token is asked for
        with pytest.raises(vault.ReconnectNeeded):
            vault.access_token(settings, ws, user, "google")
        # Then the card says it needs attention, with the reason and the error
        card = _google(api, token)
        assert card["status"] == "needs_attention" and "reconnect" in card["reason"]
        assert card["last_error"] == "invalid_grant" and card["last_error_at"]
        # And the user is notified, and the event (valid against its schema) is recorded for the bus
        titles = [n["title"] for n in api.get("/notifications", token=token).body["items"]]
        assert titles == ["Reconnect Google Calendar"]
        bind_tables(settings)
        audit = f"WS#{ws}#AUDIT#{time.strftime('%Y-%m-%d', time.gmtime())}"
        events = [i.event.as_dict() for i in ActivityItem.query(audit) if i.type == "integration.needs_attention"]
        schema = json.loads((ROOT / "events/schemas/integration.needs_attention.json").read_text())
        assert len(events) == 1 and not list(Draft202012Validator(schema).iter_errors(events[0]))
        # And asking again does not call the provider again
        with pytest.raises(vault.ReconnectNeeded):
            vault.access_token(settings, ws, user, "google")
        assert stub.calls["refresh_token"] == 1
        # When the user disconnects: the connection is gone and the vault says so
        connection_id = card["details"]["connection"]["id"]
        assert api.delete(f"/integrations/oauth/connections/{connection_id}", token=token).status == 204
        assert _google(api, token)["status"] == "not_connected" and not stub.refresh_tokens
        with pytest.raises(vault.NotConnected):
            vault.access_token(settings, ws, user, "google")


def test_own_credentials_are_sealed_never_returned_and_used(api: Api, owner: dict[str, Any]) -> None:
    token, ws = owner["access_token"], owner["workspace"]["id"]
    key = "sk-test-" + "A1b2" * 8 + "WXYZ"
    sid, auth = "AC" + "0" * 31 + "1", "f" * 28 + "9876"
    # When the owner saves an OpenAI key and a Twilio account
    saved = api.call("PUT", "/integrations/openai/credentials", {"api_key": key}, token=token)
    twilio = api.call("PUT", "/integrations/twilio/credentials", {"account_sid": sid, "auth_token": auth}, token=token)
    # Then only "set" and the last 4 come back, now and in the catalogue; nothing is stored in clear
    assert saved.status == 200 and saved.body["set"] and saved.body["last4"] == "WXYZ"
    assert twilio.status == 200 and twilio.body["last4"] == "9876"
    listing = api.get("/integrations", token=token).raw
    for secret in (key, auth):
        assert secret not in saved.raw + twilio.raw + listing + _stored(ws)
    # And the SMS sender and the AI client get them
    assert credentials.workspace_secret(get_settings(), ws, "openai") == {"api_key": key}
    # And a bad key is a 422 naming the field
    bad = api.call("PUT", "/integrations/openai/credentials", {"api_key": "nope"}, token=token)
    assert bad.status == 422 and bad.body["error"]["details"]["errors"][0]["field"] == "api_key"
    # And a member who is not an admin may not replace it
    invite = api.post("/workspace/invites", {"email": "member@acme.test"}, token=token).body
    member = api.post("/auth/accept-invite", {"token": invite["token"], "password": "member-password-2",
                                              "name": "Member"}).body
    refused = api.call("PUT", "/integrations/openai/credentials", {"api_key": KEY_B}, token=member["access_token"])
    assert refused.status == 403 and credentials.workspace_secret(get_settings(), ws, "openai") == {"api_key": key}
    # And removing it goes back to the platform's
    assert api.call("DELETE", "/integrations/openai/credentials", token=token).status == 204
    assert credentials.workspace_secret(get_settings(), ws, "openai") is None
