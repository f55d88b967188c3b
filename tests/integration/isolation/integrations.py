"""Integration resources for the tenant-isolation suite: a Google connection through the OAuth stub, and a
Twilio account of the workspace's own (its auth token must never reach another workspace). Not an OpenAI key:
other suites call the AI routes of this workspace, which would then try to reach OpenAI."""
from __future__ import annotations

from typing import Any

from tests.support.oauth import connect, oauth_stub

TWILIO = {"account_sid": "AC" + "a1" * 16, "auth_token": "5ec1" * 8}
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/integrations/oauth/start"): {"provider": "google"},
    ("POST", "/integrations/oauth/callback"): {"state": "forged.state", "code": "c"},
    ("PUT", "/integrations/twilio/credentials"): {"account_sid": "AC" + "b" * 32, "auth_token": "c" * 32},
    ("PUT", "/integrations/openai/credentials"): {"api_key": "sk-beta-" + "Z" * 24},
}


def seed(api: Any, token: str) -> dict[str, str]:
    with oauth_stub():
        connection = connect(api, token)
    api.call("PUT", "/integrations/twilio/credentials", TWILIO, token=token)
    return {"connection_id": connection["id"]}


def secrets(ids: dict[str, str]) -> set[str]:
    return {TWILIO["auth_token"]}


def snapshot(api: Any, token: str, ids: dict[str, str]) -> dict[str, Any]:
    return {"catalogue": api.get("/integrations", token=token).body}
