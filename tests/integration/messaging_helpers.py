"""Helpers of the messaging tests (no tests here): the app's handlers, signed Twilio webhooks, queue draining."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from leadpilot.messages.signatures import twilio_signature
from leadpilot.sms.config import messaging_config
from leadpilot.sms.provider import provider_for
from tests.integration.conftest import drain_queue, receive_events
from tests.support.apps import Api, load_module

PUBLIC_BASE = "https://hooks.leadpilot.test"


def messaging() -> Any:
    return load_module("functions/messaging")


def configure_sandbox(cloud: Any, monkeypatch: pytest.MonkeyPatch, **env: str) -> Iterator[Any]:
    """(For an `sms_cloud` fixture) the cloud with messaging behind a public base URL, in the sandbox."""
    monkeypatch.setenv("PUBLIC_BASE_URL", PUBLIC_BASE)
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    messaging_config.cache_clear()
    provider_for.cache_clear()
    yield cloud
    messaging_config.cache_clear()
    provider_for.cache_clear()


def webhook(api: Api, path: str, form: dict[str, str], signature: str | None = "sign",
            token: str | None = None) -> Any:
    """POST a Twilio form to a webhook route, signed for the public URL (or with the given signature)."""
    if signature == "sign":
        signature = twilio_signature(token or messaging_config().webhook_auth_token, PUBLIC_BASE + path, form)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    return api.call("POST", path, raw=urlencode(form), headers=headers)


def inbound(sender: str, to: str, body: str, sid: str) -> dict[str, str]:
    return {"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "0" * 32, "From": sender, "To": to,
            "Body": body, "NumMedia": "0", "NumSegments": "1", "ApiVersion": "2010-04-01"}


def drain_sends(cloud: Any) -> int:
    return drain_queue(cloud, "SmsSendQueue", messaging().on_send)


def bus_events(cloud: Any) -> list[dict[str, Any]]:
    """SMS events delivered to the automation triggers queue (sms.received) — and nothing else of ours."""
    return [e for e in receive_events(cloud, "AutomationTriggersQueue") if e["detail-type"].startswith("sms.")]


def timeline_types(api: Api, token: str, contact_id: str) -> list[str]:
    items = api.get(f"/contacts/{contact_id}/timeline?limit=100", token=token).body["items"]
    return [i["type"] for i in items]


def setup_workspace(api: Api, token: str, phone: str = "+14155550123", first_name: str = "Ada") -> dict[str, Any]:
    """A number for the workspace and one contact with a phone."""
    number = api.post("/phone-numbers", {"number": "+14155550100"}, token=token)
    assert number.status == 201, number
    contact = api.post("/contacts", {"first_name": first_name, "phone": phone}, token=token)
    assert contact.status == 201, contact
    return {"number": number.body, "contact": contact.body}


def items_of(cloud: Any) -> list[dict[str, Any]]:
    import boto3

    table = cloud.resources["CrmTable"].name
    return boto3.client("dynamodb").scan(TableName=table)["Items"]


def json_of(text: str) -> Any:
    return json.loads(text)
