"""The webhook step through a real compiled flow on moto: signed request, response mapping, retries, error path."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from leadpilot.automation_runtime.safe_http import private_networks_allowed
from tests.integration.test_automation_steps_helpers import contact_tags, enroll, run_to_end, tagged_flow
from tests.support.apps import Api
from tests.support.http_stub import Recorded, Reply, http_stub


@pytest.fixture(autouse=True)
def local_receivers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The receivers here listen on 127.0.0.1, which production refuses: allow it as the local cloud does."""
    monkeypatch.setenv("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", "1")
    private_networks_allowed.cache_clear()
    yield
    private_networks_allowed.cache_clear()


def webhook_flow(url: str) -> dict[str, Any]:
    """POST the contact to `url`; plan "pro" in the answer tags the contact pro; a failure tags it hook-failed."""
    return tagged_flow("hook", [
        {"id": "call", "type": "webhook", "url": url + "/crm/leads", "method": "POST",
         "headers": {"X-Source": "leadpilot"},
         "body": {"name": "{{contact.first_name}}", "phone": "{{contact.phone}}", "campaign": "spring"},
         "response_mapping": {"plan": "$.account.plan", "first_item": "$.items[0].id", "missing": "$.nope"}},
        {"id": "is_pro", "type": "condition", "if": {"var": "vars.plan", "op": "eq", "value": "pro"}},
        {"id": "tag_pro", "type": "add_tag", "tag": "pro"},
        {"id": "tag_item", "type": "add_tag", "tag": "item-{{vars.first_item}}"},
        {"id": "tag_failed", "type": "add_tag", "tag": "hook-failed"},
        {"id": "done", "type": "end"},
    ], [
        {"from": "call", "to": "is_pro"}, {"from": "call", "to": "tag_failed", "label": "error"},
        {"from": "is_pro", "to": "tag_pro", "label": "true"}, {"from": "is_pro", "to": "done", "label": "false"},
        {"from": "tag_pro", "to": "tag_item"}, {"from": "tag_item", "to": "done"},
        {"from": "tag_failed", "to": "done"},
    ])


def ok(request: Recorded, index: int) -> Reply:
    return 200, {}, json.dumps({"account": {"plan": "pro"}, "items": [{"id": "A7"}]}).encode()


def test_a_signed_request_is_sent_and_its_answer_mapped_into_variables(cloud: Any, api: Api,
                                                                       owner: dict[str, Any]) -> None:
    # Given a published flow calling a local receiver, and the workspace's signing secret
    token = owner["access_token"]
    with http_stub(ok) as receiver:
        _, contact_id, run_id = enroll(cloud, api, token, webhook_flow(receiver.url))

        # When the run is played to its end
        run = run_to_end(cloud, api, token, run_id)
    secret = api.get("/automations/webhook-secret", token=token).body

    # Then one request went out with the rendered body and a valid HMAC-SHA256 signature of timestamp + body
    assert run["status"] == "succeeded", run
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request.method == "POST" and request.path == "/crm/leads"
    assert request.json() == {"name": "Ada", "phone": "+14155550101", "campaign": "spring"}
    assert request.headers["x-source"] == "leadpilot" and request.headers["content-type"] == "application/json"
    stamp, signature = (p.split("=", 1)[1] for p in request.headers["x-leadpilot-signature"].split(","))
    expected = hmac.new(secret["secret"].encode(), f"{stamp}.".encode() + request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected) and abs(time.time() - int(stamp)) < 60
    assert request.headers["x-leadpilot-delivery"].startswith(run_id)
    # and the mapped variables steered the flow: plan "pro" took the true branch, items[0].id made a tag
    assert {"hook", "pro", "item-a7"} <= {t.lower() for t in contact_tags(api, token, contact_id)}


def test_a_4xx_answer_is_permanent_and_takes_the_error_edge_without_retrying(cloud: Any, api: Api,
                                                                           owner: dict[str, Any]) -> None:
    # Given a receiver that refuses the request
    token = owner["access_token"]
    with http_stub(lambda request, index: (400, {}, b'{"error": "bad lead"}')) as receiver:
        _, contact_id, run_id = enroll(cloud, api, token, webhook_flow(receiver.url))

        # When the run is played
        run = run_to_end(cloud, api, token, run_id)

    # Then the request was sent once and the flow went down its error edge
    assert run["status"] == "succeeded", run
    assert len(receiver.requests) == 1
    tags = contact_tags(api, token, contact_id)
    assert "hook-failed" in tags and "pro" not in tags


def test_a_5xx_answer_is_retried_with_backoff_and_then_succeeds(cloud: Any, api: Api,
                                                                owner: dict[str, Any]) -> None:
    # Given a receiver that fails once with 503, then answers
    token = owner["access_token"]
    with http_stub(lambda request, index: (503, {}, b"busy") if index == 0 else ok(request, index)) as receiver:
        _, contact_id, run_id = enroll(cloud, api, token, webhook_flow(receiver.url))

        # When the run is played
        run = run_to_end(cloud, api, token, run_id)

    # Then the worker tried again after a pause, as the same delivery, and the answer was used
    assert run["status"] == "succeeded", run
    assert len(receiver.requests) == 2
    first, second = (r.headers["x-leadpilot-delivery"] for r in receiver.requests)
    assert first == second  # the same delivery: a receiver that did process the first deduplicates
    assert "pro" in contact_tags(api, token, contact_id)


def test_a_receiver_that_keeps_failing_ends_on_the_error_edge(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a receiver that is down (always 502)
    token = owner["access_token"]
    with http_stub(lambda request, index: (502, {}, b"bad gateway")) as receiver:
        _, contact_id, run_id = enroll(cloud, api, token, webhook_flow(receiver.url))
        run = run_to_end(cloud, api, token, run_id)

    # Then the worker's tries and the state machine's retry ran out, and the error edge was taken
    assert run["status"] == "succeeded", run
    deliveries = [r.headers["x-leadpilot-delivery"] for r in receiver.requests]
    assert len(deliveries) >= 6 and len(set(deliveries)) >= 2  # 3 tries per attempt, at least 2 attempts
    assert "hook-failed" in contact_tags(api, token, contact_id)


def test_only_admins_read_the_signing_secret_and_it_is_stable(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    first = api.get("/automations/webhook-secret", token=token)
    assert first.status == 200 and first.body["secret"].startswith("whsec_")
    assert api.get("/automations/webhook-secret", token=token).body["secret"] == first.body["secret"]


def test_without_the_local_switch_a_private_address_is_never_called(cloud: Any, api: Api, owner: dict[str, Any],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # Given production settings (private networks refused)
    monkeypatch.delenv("WEBHOOKS_ALLOW_PRIVATE_NETWORKS")
    private_networks_allowed.cache_clear()
    token = owner["access_token"]
    with http_stub(ok) as receiver:
        _, contact_id, run_id = enroll(cloud, api, token, webhook_flow(receiver.url))

        # When the run is played
        run = run_to_end(cloud, api, token, run_id)

    # Then nothing was sent to the loopback receiver and the error edge was taken
    assert run["status"] == "succeeded", run
    assert receiver.requests == []
    assert "hook-failed" in contact_tags(api, token, contact_id)
