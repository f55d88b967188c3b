"""Helpers of the voice tests (no tests here): the voice app in-process behind the simulator, with the relay's
@connections API and the OpenAI API as local stubs."""
from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

from infra.local.voice_sim import VoiceSimulator
from leadpilot.automation.ai.provider import ai_config
from leadpilot.settings import get_settings
from leadpilot.sms.config import messaging_config
from leadpilot.voice.config import voice_config
from tests.integration.conftest import drain_queue, receive_events
from tests.integration.messaging_helpers import PUBLIC_BASE, configure_sandbox
from tests.support.apps import Api, load_module
from tests.support.chat_stub import ChatStub
from tests.support.http_stub import Recorded, Reply, Stub, http_stub

EVENTS = Path(__file__).resolve().parents[2] / "events"
RELAY_URL = "wss://relay.leadpilot.test/dev"
NUMBER = "+14155550100"


def voice() -> Any:
    return load_module("functions/voice")


def _management(request: Recorded, index: int) -> Reply:
    return 200, {}, b""


class InProcessChannel:
    """A relay socket played against the voice function's on_relay, reading what it posts to @connections."""

    def __init__(self, gateway: Stub, url: str, connection_id: str) -> None:
        self.gateway, self.connection_id, self.seen = gateway, connection_id, 0
        query = dict(parse_qsl(urlsplit(url).query))
        answer = voice().on_relay(self._event("CONNECT", queryStringParameters=query), None)
        assert answer["statusCode"] == 200, answer

    def _event(self, kind: str, **extra: Any) -> dict[str, Any]:
        sample = {"CONNECT": "websocket_connect", "MESSAGE": "websocket_message",
                  "DISCONNECT": "websocket_disconnect"}[kind]
        event = copy.deepcopy(json.loads((EVENTS / "apigw" / f"{sample}.json").read_text()))
        event["requestContext"]["connectionId"] = self.connection_id
        event.update(extra)
        return event

    def send(self, text: str) -> None:
        voice().on_relay(self._event("MESSAGE", body=text), None)

    def receive(self, timeout: float) -> str | None:
        mine = [r for r in self.gateway.requests
                if unquote(r.path).endswith(f"/@connections/{self.connection_id}") and r.method == "POST"]
        if self.seen < len(mine):
            self.seen += 1
            return mine[self.seen - 1].body.decode()
        return None

    def close(self) -> None:
        voice().on_relay(self._event("DISCONNECT"), None)


@dataclass
class InProcess:
    """The simulator's transport in tests: webhooks through the template's routes, relay through on_relay."""

    api: Api
    gateway: Stub
    opened: int = 0

    def post(self, url: str, form: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        from urllib.parse import urlencode

        assert url.startswith(PUBLIC_BASE), url
        reply = self.api.call("POST", url[len(PUBLIC_BASE):], raw=urlencode(form), headers=headers)
        return reply.status, reply.raw

    def open_relay(self, url: str) -> InProcessChannel:
        assert url.startswith(RELAY_URL), url
        self.opened += 1
        return InProcessChannel(self.gateway, url, f"conn-{self.opened}-{time.monotonic_ns()}")


@contextmanager
def voice_cloud(cloud: Any, monkeypatch: pytest.MonkeyPatch, online: bool = True) -> Iterator[tuple[Any, Stub]]:
    """The cloud in the SMS sandbox, with the relay and (when online) the OpenAI API on local stubs."""
    gen = configure_sandbox(cloud, monkeypatch)
    next(gen)
    with http_stub(_management) as gateway, ChatStub() as chat:
        monkeypatch.setenv("VOICE_RELAY_URL", RELAY_URL)
        monkeypatch.setenv("VOICE_RELAY_CONNECTIONS_URL", f"{gateway.url}/dev")
        if online:
            monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
            monkeypatch.setenv("OPENAI_BASE_URL", chat.url)
        else:
            monkeypatch.delenv("OPENAI_API_KEY", raising=False)
        for cached in (voice_config, ai_config, get_settings, messaging_config):
            cached.cache_clear()
        try:
            yield chat, gateway
        finally:
            for cached in (voice_config, ai_config, messaging_config):
                cached.cache_clear()
            next(gen, None)


def simulator(api: Api, gateway: Stub) -> VoiceSimulator:
    return VoiceSimulator(InProcess(api, gateway), PUBLIC_BASE, messaging_config().webhook_auth_token, timeout=1)


def number(api: Api, token: str, **voice_settings: Any) -> dict[str, Any]:
    """The workspace's number, with a voice configuration."""
    reply = api.post("/phone-numbers", {"number": NUMBER}, token=token)
    assert reply.status == 201, reply
    if voice_settings:
        saved = api.call("PUT", f"/phone-numbers/{reply.body['id']}/voice", voice_settings, token=token)
        assert saved.status == 200, saved
    return dict(reply.body)


def receive_messages(cloud: Any, queue_logical_id: str) -> list[str]:
    """The bodies waiting on one of the template's queues (received, then deleted)."""
    import boto3

    sqs = boto3.client("sqs")
    url = cloud.resources[queue_logical_id].url
    bodies: list[str] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not got:
            return bodies
        for message in got:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def analyse(cloud: Any) -> int:
    """Play the outbox publisher's schedule (an event whose immediate publish did not go through is published from
    the outbox, as on AWS a minute later) and the analysis queue's event-source mapping."""
    from leadpilot.events.outbox import drain

    drain(get_settings(), min_age_s=0)
    return drain_queue(cloud, "VoiceAnalysisQueue", voice().on_analysis)


def call_events(cloud: Any) -> list[dict[str, Any]]:
    """The call events delivered to the automation triggers queue, each checked against its JSON Schema."""
    from jsonschema import Draft202012Validator

    found = [e for e in receive_events(cloud, "AutomationTriggersQueue") if e["detail-type"].startswith("call.")]
    for event in found:
        schema = json.loads((EVENTS / "schemas" / f"{event['detail-type']}.json").read_text())
        Draft202012Validator(schema).validate(event["detail"])
        assert event["source"] == "leadpilot.calls"
    return found
