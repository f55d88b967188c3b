"""Integration resources for the tenant-isolation suite: a Google connection through the OAuth stub, and an
OpenAI key of the workspace's own (both secrets must never reach another workspace)."""
from __future__ import annotations

from typing import Any

from tests.support.oauth import connect, oauth_stub

OPENAI_KEY = "sk-alpha-" + "Q" * 24 + "SEC1"
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/integrations/oauth/start"): {"provider": "google"},
    ("POST", "/integrations/oauth/callback"): {"state": "forged.state", "code": "c"},
    ("PUT", "/integrations/twilio/credentials"): {"account_sid": "AC" + "b" * 32, "auth_token": "c" * 32},
    ("PUT", "/integrations/openai/credentials"): {"api_key": "sk-beta-" + "Z" * 24},
}


def seed(api: Any, token: str) -> dict[str, str]:
    with oauth_stub():
        connection = connect(api, token)
    api.call("PUT", "/integrations/openai/credentials", {"api_key": OPENAI_KEY}, token=token)
    return {"connection_id": connection["id"]}


def secrets(ids: dict[str, str]) -> set[str]:
    return {OPENAI_KEY}


def snapshot(api: Any, token: str, ids: dict[str, str]) -> dict[str, Any]:
    return {"catalogue": api.get("/integrations", token=token).body}
