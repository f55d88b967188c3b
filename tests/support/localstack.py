"""The integration suite against a running LocalStack instead of in-process moto (opt-in).

`LEADPILOT_TEST_LOCALSTACK=1` (and LocalStack reachable, `LOCALSTACK_HOST` if it is not on localhost:4566)
makes the `cloud` fixture provision template.yaml into LocalStack with the local cloud's provisioner and point
boto3 and pynamodb at it through `AWS_ENDPOINT_URL`. Each test gets its own stage, so tests never share
resources, and its tables and queues are deleted afterwards. Off by default: LocalStack needs Docker.
"""
from __future__ import annotations

import os
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import boto3
import pytest

from infra.local.model import Deployment
from infra.local.provision import provision
from tests.support.apps import TEMPLATE

FLAG = "LEADPILOT_TEST_LOCALSTACK"


def enabled() -> bool:
    """True when the suite should run against LocalStack."""
    return os.environ.get(FLAG, "").strip().lower() in ("1", "true", "on")


def endpoint() -> str:
    """LocalStack's edge URL, as localstack-client resolves it (one URL serves every service)."""
    from localstack_client.config import get_service_endpoint

    url = get_service_endpoint("dynamodb")
    if url is None:
        raise RuntimeError("localstack-client knows no endpoint for dynamodb")
    return str(url).rstrip("/")


@contextmanager
def localstack_cloud(monkeypatch: pytest.MonkeyPatch, parameters: Mapping[str, str]) -> Iterator[Deployment]:
    """The template provisioned into LocalStack under a stage of its own; removed again on exit."""
    url = endpoint()
    try:
        with urllib.request.urlopen(f"{url}/_localstack/health", timeout=5):
            pass
    except OSError as exc:
        pytest.fail(f"{FLAG} is set but LocalStack does not answer at {url}: {exc}")
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    stage = f"t{uuid.uuid4().hex[:10]}"
    deployment = provision(TEMPLATE, {**parameters, "Stage": stage})
    try:
        yield deployment
    finally:
        _remove(deployment)


def _remove(deployment: Deployment) -> None:
    """Delete the test's tables and queues (the rest is cheap and named by its stage)."""
    dynamodb, sqs = boto3.client("dynamodb"), boto3.client("sqs")
    for resource in deployment.resources.values():
        if resource.type == "AWS::DynamoDB::Table":
            dynamodb.delete_table(TableName=resource.name)
        elif resource.type == "AWS::SQS::Queue" and resource.url:
            sqs.delete_queue(QueueUrl=resource.url)
