"""A workspace's own Twilio account and OpenAI key are used instead of the platform's (sandbox, no key)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from leadpilot.automation.ai.provider import ai_config
from tests.integration.messaging_helpers import configure_sandbox, drain_sends, setup_workspace
from tests.support.apps import Api
from tests.support.http_stub import Recorded, Reply, chat_completion, http_stub
from tests.support.twilio_stub import TwilioStub

SID, AUTH = "AC" + "7" * 32, "a" * 28 + "b0b0"
KEY = "sk-own-" + "k" * 24 + "9999"


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
