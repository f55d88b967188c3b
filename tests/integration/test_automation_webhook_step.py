"""The webhook step through a real compiled flow on moto: signed request, response mapping, retries, error path."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from leadpilot.automation.flows.compiler import TRANSIENT_RETRIES
from leadpilot.automation.runs.drafts import FlowItem, flows_pk
from leadpilot.settings import get_destinations
from tests.integration.test_automation_steps_helpers import contact_tags, enroll, run_to_end, tagged_flow
from tests.support.apps import Api
from tests.support.http_stub import Recorded, Reply, Stub, http_stub

Listed = Callable[..., None]


@pytest.fixture
def listed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Listed]:
    """listed(stub, ...): the receivers listen on 127.0.0.1, which production refuses: list their host:port in
    LEADPILOT_WEBHOOK_ALLOW, as a developer testing against a local receiver does."""
    def allow(*stubs: Stub, platform: str = "") -> None:
        monkeypatch.setenv("LEADPILOT_WEBHOOK_ALLOW", ",".join(stub.url.split("//", 1)[1] for stub in stubs))
        monkeypatch.setenv("LEADPILOT_PLATFORM_ENDPOINTS", platform)
        get_destinations.cache_clear()

    allow()
    yield allow
    get_destinations.cache_clear()


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


def test_a_signed_request_is_sent_and_its_answer_mapped_into_variables(cloud: Any, api: Api, owner: dict[str, Any],
                                                                       listed: Listed) -> None:
    # Given a published flow calling a local receiver, and the workspace's signing secret
    token = owner["access_token"]
    with http_stub(ok) as receiver:
        listed(receiver)
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
                                                                           owner: dict[str, Any],
                                                                           listed: Listed) -> None:
    # Given a receiver that refuses the request
    token = owner["access_token"]
    with http_stub(lambda request, index: (400, {}, b'{"error": "bad lead"}')) as receiver:
        listed(receiver)
        _, contact_id, run_id = enroll(cloud, api, token, webhook_flow(receiver.url))

        # When the run is played
        run = run_to_end(cloud, api, token, run_id)

    # Then the request was sent once and the flow went down its error edge
    assert run["status"] == "succeeded", run
    assert len(receiver.requests) == 1
    tags = contact_tags(api, token, contact_id)
    assert "hook-failed" in tags and "pro" not in tags


def test_an_answer_too_deep_to_map_takes_the_error_edge_without_retrying(cloud: Any, api: Api,
                                                                         owner: dict[str, Any],
                                                                         listed: Listed) -> None:
    # Given a receiver whose 200 answer nests deeper than any parser should follow
    token = owner["access_token"]
    with http_stub(lambda request, index: (200, {}, b"[" * 5000 + b"]" * 5000)) as receiver:
        listed(receiver)
        _, contact_id, run_id = enroll(cloud, api, token, webhook_flow(receiver.url))

        # When the run is played
        run = run_to_end(cloud, api, token, run_id)

    # Then the mapping is refused once, as a permanent failure, and the flow goes down its error edge
    assert run["status"] == "succeeded", run
    assert len(receiver.requests) == 1
    assert "hook-failed" in contact_tags(api, token, contact_id)


def test_a_5xx_answer_is_retried_with_backoff_and_then_succeeds(cloud: Any, api: Api, owner: dict[str, Any],
                                                                listed: Listed) -> None:
    # Given a receiver that fails once with 503, then answers
    token = owner["access_token"]
    with http_stub(lambda request, index: (503, {}, b"busy") if index == 0 else ok(request, index)) as receiver:
        listed(receiver)
        _, contact_id, run_id = enroll(cloud, api, token, webhook_flow(receiver.url))

        # When the run is played
        run = run_to_end(cloud, api, token, run_id)

    # Then the worker tried again after a pause, as the same delivery, and the answer was used
    assert run["status"] == "succeeded", run
    assert len(receiver.requests) == 2
    first, second = (r.headers["x-leadpilot-delivery"] for r in receiver.requests)
    assert first == second  # the same delivery: a receiver that did process the first deduplicates
    assert "pro" in contact_tags(api, token, contact_id)


def test_a_receiver_that_keeps_failing_is_attempted_max_attempts_plus_one_times(
        cloud: Any, api: Api, owner: dict[str, Any], listed: Listed) -> None:
    # Given a receiver that is down (always 502)
    token = owner["access_token"]
    with http_stub(lambda request, index: (502, {}, b"bad gateway")) as receiver:
        listed(receiver)
        _, contact_id, run_id = enroll(cloud, api, token, webhook_flow(receiver.url))
        run = run_to_end(cloud, api, token, run_id)
        deliveries = [r.headers["x-leadpilot-delivery"] for r in receiver.requests]

    # Then the compiled Retry made MaxAttempts + 1 attempts, as AWS counts them (the first, then one per retry),
    # each awaited before the next: the worker's 3 tries of each had all been made when the run ended
    assert run["status"] == "succeeded", run
    assert len(set(deliveries)) == TRANSIENT_RETRIES + 1, deliveries
    assert len(deliveries) == 3 * (TRANSIENT_RETRIES + 1)
    assert "hook-failed" in contact_tags(api, token, contact_id)


def test_only_admins_read_the_signing_secret_and_it_is_stable(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    first = api.get("/automations/webhook-secret", token=token)
    assert first.status == 200 and first.body["secret"].startswith("whsec_")
    assert api.get("/automations/webhook-secret", token=token).body["secret"] == first.body["secret"]


def test_a_listed_receiver_is_reached_and_another_port_of_its_host_is_refused_at_run_time(
        cloud: Any, api: Api, owner: dict[str, Any], listed: Listed) -> None:
    # Given two receivers on 127.0.0.1, only the first listed, and a flow that calls the first, then a URL whose
    # port is a run variable (so no check at save time can see it) set to the second one's port
    token = owner["access_token"]
    with http_stub(ok) as allowed, http_stub(ok) as other:
        listed(allowed)
        flow = tagged_flow("hook", [
            {"id": "call", "type": "webhook", "url": allowed.url + "/crm/leads"},
            {"id": "port", "type": "set_variable", "variable": "port", "value": other.url.rsplit(":", 1)[1]},
            {"id": "sneak", "type": "webhook", "url": "http://127.0.0.1:{{vars.port}}/admin"},
            {"id": "tag_failed", "type": "add_tag", "tag": "hook-failed"},
            {"id": "done", "type": "end"},
        ], [{"from": "call", "to": "port"}, {"from": "port", "to": "sneak"}, {"from": "sneak", "to": "done"},
            {"from": "sneak", "to": "tag_failed", "label": "error"}, {"from": "tag_failed", "to": "done"}])
        _, contact_id, run_id = enroll(cloud, api, token, flow)

        # When the run is played
        run = run_to_end(cloud, api, token, run_id)

    # Then the listed receiver got its request, the other port got nothing, and the refusal took the error edge
    assert run["status"] == "succeeded", run
    assert [r.path for r in allowed.requests] == ["/crm/leads"]
    assert other.requests == []
    assert "hook-failed" in contact_tags(api, token, contact_id)


REFUSED = ("http://127.0.0.1:{moto}/moto-api/data.json", "http://100.64.0.1/hook", "http://user:pw@example.com/hook",
           "ftp://example.com/hook")


def _url_errors(reply: Any) -> list[dict[str, str]]:
    assert reply.status == 422, reply
    assert reply.body["error"]["code"] == "validation_error"
    return [e for e in reply.body["error"]["details"]["errors"] if e.get("node") == "call"]


def test_a_webhook_to_our_own_network_is_refused_when_the_flow_is_saved(
        cloud: Any, api: Api, owner: dict[str, Any], listed: Listed) -> None:
    # Given the local cloud's moto endpoint known as the platform's, and even listed as a receiver
    token = owner["access_token"]
    with http_stub(ok) as moto:
        moto_port = moto.url.rsplit(":", 1)[1]
        listed(moto, platform=f"127.0.0.1:{moto_port}")

        # When flows calling our own network, a CGNAT address, a URL with credentials or ftp are saved
        for url in REFUSED:
            reply = api.post("/flows", webhook_flow(url.format(moto=moto_port)), token=token)

            # Then each is a 422 naming the webhook node and its url, and nothing was saved
            assert [e["field"] for e in _url_errors(reply)] == ["url"], (url, reply.body)
    assert api.get("/flows", token=token).body["items"] == []
    assert moto.requests == []


def test_a_draft_saved_before_the_rules_is_refused_when_published(
        cloud: Any, api: Api, owner: dict[str, Any], listed: Listed) -> None:
    # Given flows whose drafts were saved before these rules (written as an older version stored them)
    token, workspace_id = owner["access_token"], owner["workspace"]["id"]
    listed(platform="127.0.0.1:4566")
    for url in REFUSED:
        created = api.post("/flows", webhook_flow("https://hooks.example.com/in"), token=token)
        assert created.status == 201, created
        document = webhook_flow(url.format(moto=4566))
        FlowItem.get(flows_pk(workspace_id), f"FLOW#{created.body['id']}").update(
            actions=[FlowItem.draft.set(json.dumps(document))])

        # When the flow is published
        reply = api.post(f"/flows/{created.body['id']}/publish", token=token)

        # Then it is a 422 naming the webhook node and its url, and no version was published
        assert [e["field"] for e in _url_errors(reply)] == ["url"], (url, reply.body)
        assert api.get(f"/flows/{created.body['id']}", token=token).body["published_version"] is None
