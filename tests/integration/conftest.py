"""Integration fixtures: moto in-process, every resource provisioned from template.yaml once per worker."""
from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any, TypeVar

import boto3
import botocore.signers
import pytest
from moto import mock_aws

from infra.local.host import shared_environment
from infra.local.model import Deployment
from infra.local.moto_main import (
    patch_dispatch,
    patch_dynamodb,
    patch_events,
    patch_sqs,
    patch_stepfunctions,
    patch_update_expressions,
)
from infra.local.provision import provision
from infra.local.sqs_poller import sqs_record
from leadpilot.email import senders
from leadpilot.platform import settings as platform_settings
from leadpilot.settings import get_settings, password_hashing
from tests.support import localstack, moto_reset
from tests.support.apps import TEMPLATE, Api

JWT_SECRET = "integration-secret-0123456789abcdef0123456789"
# In-process moto gets the same fixes as the local cloud's server (workers use threads; retries count as on AWS).
patch_dynamodb()
patch_update_expressions()
patch_sqs()
patch_events()
patch_dispatch()
patch_stepfunctions()
moto_reset.keep_one_set_of_moto_callbacks()


def _unsigned_in_process(handler: Callable[..., Any]) -> Callable[..., Any]:
    """botocore signs every request (SigV4: a sixth of a DynamoDB call's CPU here); moto in process reads no
    signature but S3's (its authorisation checks read it), so requests to other AWS endpoints (which it
    intercepts) go unsigned. Requests to local servers (a moto or DynamoDB Local process), S3's and presigned URLs
    are signed as before."""
    def sign(self: Any, operation_name: str | None = None, request: Any = None, **kwargs: Any) -> Any:
        if request is not None and self._signing_name != "s3" and ".amazonaws.com" in request.url:
            return None
        return handler(self, operation_name=operation_name, request=request, **kwargs)
    return sign


botocore.signers.RequestSigner.handler = _unsigned_in_process(botocore.signers.RequestSigner.handler)  # type: ignore[method-assign]
_counter = itertools.count()
T = TypeVar("T")
_AWS_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}
_MOTO = {"stepfunctions": {"execute_state_machine": True}}
_provisioned: list[Deployment] = []  # this worker's deployment, provisioned once


@cache
def _session() -> boto3.Session:
    return boto3.Session(region_name=_AWS_ENV["AWS_DEFAULT_REGION"])


@cache
def _sqs() -> Any:
    """One SQS client per worker for the helpers below (moto intercepts it in every test)."""
    return _session().client("sqs")


def _deployment(parameters: dict[str, str]) -> Deployment:
    """The template provisioned into this worker's moto: once, or again when a test reset moto itself."""
    if not (_provisioned and moto_reset.intact(_provisioned[0])):
        _provisioned[:] = [provision(TEMPLATE, parameters)]  # idempotent
    moto_reset.fresh_state(_provisioned[0])
    return _provisioned[0]


@contextmanager
def _moto(parameters: dict[str, str]) -> Iterator[Deployment]:
    """This worker's in-process moto, emptied, with the template provisioned."""
    mock = mock_aws(config=_MOTO)
    mock.start(reset=False)  # keep what earlier tests provisioned
    # moto clears boto3's default session at each start; keeping one per worker keeps the service models botocore
    # has loaded (a fresh session reads and parses them again: a third of a second per service, every test).
    boto3.DEFAULT_SESSION = _session()
    try:
        yield _deployment(parameters)
    finally:
        mock.stop(remove_data=False)


@pytest.fixture
def cloud(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An empty in-process AWS with the template's tables, bus, queues and rules (provisioned once per worker,
    emptied before each test: see tests/support/moto_reset.py), or a running LocalStack when
    LEADPILOT_TEST_LOCALSTACK=1 (tests/support/localstack.py)."""
    for key, value in _AWS_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)  # set in a `with-env` shell of the local cloud
    parameters = {"Stage": "test", "JwtSecret": JWT_SECRET}
    cloud = localstack.localstack_cloud(monkeypatch, parameters) if localstack.enabled() else _moto(parameters)
    with cloud as deployment, function_environment(monkeypatch, deployment):
        yield deployment


@pytest.fixture
def rate_limits(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The deployment's own rate limits (the template's defaults), for a test that counts a request's calls."""
    environment = shared_environment(cloud.functions)
    for name in ("LEADPILOT_RATE_LIMIT_WORKSPACE", "LEADPILOT_RATE_LIMIT_API_KEY"):
        monkeypatch.setenv(name, environment[name])
    get_settings.cache_clear()


@contextmanager
def function_environment(monkeypatch: pytest.MonkeyPatch, deployment: Deployment) -> Iterator[None]:
    """The functions' environment as the local cloud gives it (every variable all functions that have it agree on:
    the globals, and the send workers' PUBLIC_BASE_URL), with metrics off, argon2's cheapest profile (stage
    "test" only; production parameters: tests/unit/test_credentials.py) and no rate limits; settings (and the
    platform's cached ones) read afresh."""
    for key, value in shared_environment(deployment.functions).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    monkeypatch.setenv("LEADPILOT_PASSWORD_HASHING", "cheapest")
    # No rate count: a conditional write on every request, a quarter of a refused request's CPU here. The tests of
    # the limits set their own (test_rate_limits, the public booking pages); the e2e and browser tests keep them.
    monkeypatch.setenv("LEADPILOT_RATE_LIMIT_WORKSPACE", "0")
    monkeypatch.setenv("LEADPILOT_RATE_LIMIT_API_KEY", "0")
    get_settings.cache_clear()
    password_hashing.cache_clear()
    platform_settings.forget_cached()  # credentials and plans another test saved are gone with its data
    senders.forget_verified()  # and so are the SES identities it verified
    try:
        yield
    finally:
        get_settings.cache_clear()
        password_hashing.cache_clear()
        platform_settings.forget_cached()
        senders.forget_verified()


_SEEDS: dict[str, tuple[dict[str, Any], Any]] = {}


def seeded_once(key: str, build: Callable[[], T]) -> T:
    """`build()` (a seed made through the API) the first time in this worker; after that, moto's tables are put
    back as that seed left them, a deep copy that costs milliseconds instead of the seed's hundreds of requests.
    Only for seeds of data (not queued messages, files or running executions, which the next test starts
    without), and only on moto: on LocalStack every test builds its own."""
    if localstack.enabled():
        return build()
    if key in _SEEDS:
        tables, value = _SEEDS[key]
        moto_reset.restore_tables(tables)
        return copy.deepcopy(value)
    value = build()
    _SEEDS[key] = (moto_reset.save_tables(), copy.deepcopy(value))
    return value


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
    sqs = _sqs()
    url = deployment.resources[queue_logical_id].url
    out: list[dict[str, Any]] = []
    while True:
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not msgs:
            return out
        out.extend(json.loads(m["Body"]) for m in msgs)
        _delete(url, msgs)


def drain_queue(deployment: Any, queue_logical_id: str, handler: Any, rounds: int = 50) -> int:
    """Play Lambda's event-source mapping for one queue until it is empty; returns messages handled."""
    sqs = _sqs()
    queue = deployment.resources[queue_logical_id]
    handled = 0
    for _ in range(rounds):
        msgs = sqs.receive_message(QueueUrl=queue.url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                   AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
        if not msgs:
            return handled
        event = {"Records": [sqs_record(m, queue.arn, "us-east-1") for m in msgs]}
        failed = {f["itemIdentifier"] for f in handler(event, None).get("batchItemFailures", [])}
        done = [m for m in msgs if m["MessageId"] not in failed]
        _delete(queue.url, done)
        handled += len(done)
    return handled


def _delete(url: str, messages: list[dict[str, Any]]) -> None:
    """Delete received messages in one call, as Lambda's event-source mapping does after a batch."""
    if messages:
        failed = _sqs().delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)]).get("Failed")
        assert not failed, failed
