"""Integration fixtures: moto in-process, every resource provisioned from template.yaml."""
from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from infra.local.provision import provision
from leadpilot.settings import get_settings
from tests.support.apps import TEMPLATE, Api

JWT_SECRET = "integration-secret-0123456789abcdef0123456789"
_counter = itertools.count()


@pytest.fixture
def cloud(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A fresh in-process AWS with the template's tables, bus, queues and rules."""
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        deployment = provision(TEMPLATE, {"Stage": "test", "JwtSecret": JWT_SECRET})
        env = deployment.function("ContactsFunction").environment
        for key in ("LEADPILOT_STAGE", "LEADPILOT_JWT_SECRET", "IDENTITY_TABLE", "CRM_TABLE", "EVENT_BUS_NAME"):
            monkeypatch.setenv(key, env[key])
        monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
        get_settings.cache_clear()
        yield deployment
        get_settings.cache_clear()


@pytest.fixture
def api(cloud: Any) -> Api:
    return Api()


def sign_up(api: Api, name: str = "Acme", region: str = "US") -> dict[str, Any]:
    """A new workspace with its owner; returns the sign-up response (tokens included)."""
    n = next(_counter)
    reply = api.post("/auth/signup", {"workspace_name": name, "email": f"owner{n}@{name.lower()}.test",
                                      "password": "correct-horse-battery", "name": f"Owner {n}",
                                      "default_region": region, "timezone": "America/New_York"})
    assert reply.status == 201, reply
    return reply.body


@pytest.fixture
def owner(api: Api) -> dict[str, Any]:
    return sign_up(api, "Acme")


def receive_events(deployment: Any, queue_logical_id: str = "ContactEventsQueue") -> list[dict[str, Any]]:
    """Drain a queue the bus delivers to; returns the EventBridge events (message bodies)."""
    import boto3

    sqs = boto3.client("sqs")
    url = deployment.resources[queue_logical_id].url
    out: list[dict[str, Any]] = []
    while True:
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not msgs:
            return out
        for m in msgs:
            out.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
