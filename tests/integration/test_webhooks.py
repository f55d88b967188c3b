"""Outgoing webhooks on moto: endpoints and bad input, signed delivery verified by the reference
`standardwebhooks` library, exactly-once fan-out, retries (SQS delays, a one-off Scheduler schedule fired as the
local cloud fires it), disabling, the delivery log, replay, test events and REST hooks, and the sweep that queues
again an attempt whose schedule never fired."""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from standardwebhooks.webhooks import Webhook

from infra.local.one_off import OneOffSchedules
from leadpilot.settings import get_destinations, get_settings
from leadpilot.webhooks.config import webhooks_config
from leadpilot.webhooks.endpoints import endpoints_pk
from leadpilot.webhooks.models import EndpointItem
from tests.integration.conftest import drain_queue, sign_up
from tests.support.apps import Api, load_module
from tests.support.http_stub import Recorded, Reply, Stub, http_stub

app = load_module("functions/webhooks")


@pytest.fixture
def allow(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """allow(stub): list a local receiver in LEADPILOT_WEBHOOK_ALLOW, as a developer does."""
    def listed(stub: Stub) -> str:
        monkeypatch.setenv("LEADPILOT_WEBHOOK_ALLOW", stub.url.split("//", 1)[1])
        get_destinations.cache_clear()
        return stub.url

    yield listed
    get_destinations.cache_clear()
    webhooks_config.cache_clear()


def deliver_all(cloud: Any) -> None:
    """Play the event fan-out, then every attempt due now."""
    drain_queue(cloud, "WebhookEventsQueue", app.on_event)
    drain_queue(cloud, "WebhookDeliveriesQueue", app.deliver)


def drop_queued(cloud: Any) -> None:
    """Lose every attempt waiting in the deliveries queue, delayed ones too (as a purge does)."""
    from moto.sqs.models import sqs_backends

    sqs_backends["123456789012"]["us-east-1"].queues[cloud.resources["WebhookDeliveriesQueue"].name]._messages = []


def log_of(api: Api, token: str, endpoint_id: str) -> list[dict[str, Any]]:
    reply = api.get(f"/webhooks/endpoints/{endpoint_id}/deliveries", token=token)
    assert reply.status == 200, reply
    return list(reply.body["items"])


def test_endpoints_are_checked_kept_per_workspace_and_show_their_secret_once(api: Api, owner: dict[str, Any]
                                                                             ) -> None:
    token = owner["access_token"]
    # Given the catalogue: every domain event type, each with its schema and a sample
    types = api.get("/webhooks/event-types", token=token).body["items"]
    assert {"contact.created", "deal.won", "note.created"} <= {t["type"] for t in types}
    assert all(t["schema"]["title"] == t["type"] and t["sample"]["type"] == t["type"] for t in types)

    # When bad endpoints are created, Then each is a 422 naming its field
    bad = [({"url": "http://10.0.0.5/hook", "event_types": ["deal.won"]}, "url"),
           ({"url": "https://169.254.169.254/latest", "event_types": ["deal.won"]}, "url"),
           ({"url": "http://hooks.example.com/in", "event_types": ["deal.won"]}, "url"),
           ({"url": "https://localhost:9000/in", "event_types": ["deal.won"]}, "url"),
           ({"url": "https://hooks.example.com/in", "event_types": ["deal.won", "deal.sold"]}, "event_types/1"),
           ({"url": "https://hooks.example.com/in", "event_types": ["deal.won"],
             "headers": {"Webhook-Signature": "x"}}, "headers/Webhook-Signature")]
    for body, field in bad:
        reply = api.post("/webhooks/endpoints", body, token=token)
        assert reply.status == 422 and reply.body["error"]["details"]["errors"][0]["field"] == field, (body, reply)

    # When a good one is created, Then its secret is in that answer only
    created = api.post("/webhooks/endpoints", {"url": "https://hooks.example.com/in", "description": "CRM sync",
                                               "event_types": ["deal.won"], "headers": {"X-Team": "sales"}},
                       token=token)
    assert created.status == 201 and created.body["secret"].startswith("whsec_"), created
    endpoint_id = created.body["id"]
    shown = api.get(f"/webhooks/endpoints/{endpoint_id}", token=token).body
    assert "secret" not in shown and shown["headers"] == {"X-Team": "sales"} and shown["enabled"] is True
    assert created.body["secret"] not in json.dumps(api.get("/webhooks/endpoints", token=token).body)
    rotated = api.post(f"/webhooks/endpoints/{endpoint_id}/rotate-secret", token=token).body
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created.body["secret"]
    patched = api.patch(f"/webhooks/endpoints/{endpoint_id}", {"enabled": False, "event_types": ["deal.lost"]},
                        token=token)
    assert patched.status == 200 and patched.body["enabled"] is False and patched.body["event_types"] == ["deal.lost"]

    # And another workspace sees none of it
    other = sign_up(api, "Other")["access_token"]
    assert api.get(f"/webhooks/endpoints/{endpoint_id}", token=other).status == 404
    assert api.patch(f"/webhooks/endpoints/{endpoint_id}", {"enabled": True}, token=other).status == 404
    assert api.get("/webhooks/endpoints", token=other).body["items"] == []
    assert api.delete(f"/webhooks/endpoints/{endpoint_id}", token=token).status == 204


def test_rest_hooks_subscribe_and_unsubscribe_with_an_api_key_whose_scopes_apply(api: Api, owner: dict[str, Any]
                                                                                 ) -> None:
    token = owner["access_token"]
    # Given a read-only and a write API key, as a Zapier, Make or n8n user creates them
    read_key = api.post("/workspace/api-keys", {"name": "Zapier read", "scopes": ["read"]}, token=token).body["key"]
    write_key = api.post("/workspace/api-keys", {"name": "Zapier", "scopes": ["write"]}, token=token).body["key"]
    hook = {"target_url": "https://hooks.zapier.com/hooks/standard/1/abc/", "event": "contact.created"}

    # When the trigger asks for samples, Then each is the event type's payload (a read key is enough)
    samples = api.get("/webhooks/hooks/samples?event=contact.created", headers={"X-Api-Key": read_key})
    assert samples.status == 200 and [s["type"] for s in samples.body["items"]] == ["contact.created"]
    assert api.get("/webhooks/hooks/samples?event=contact.sold", token=read_key).status == 422

    # When it subscribes, Then a read key is refused, bad input is a 422 naming the field, a write key subscribes
    assert api.post("/webhooks/hooks", hook, token=read_key).status == 403
    for body, field in (({**hook, "target_url": "http://192.168.1.10/zap"}, "target_url"),
                        ({**hook, "event": "contact.sold"}, "event")):
        reply = api.post("/webhooks/hooks", body, token=write_key)
        assert reply.status == 422 and reply.body["error"]["details"]["errors"][0]["field"] == field, reply
    subscribed = api.post("/webhooks/hooks", hook, token=write_key)
    assert subscribed.status == 201 and set(subscribed.body) == {"id", "target_url", "event"}, subscribed
    listed = api.get("/webhooks/endpoints", token=token).body["items"]
    assert [(e["source"], e["event_types"]) for e in listed] == [("rest_hook", ["contact.created"])]

    # When it unsubscribes, Then the hook is gone (and a second DELETE is a 404)
    assert api.delete(f"/webhooks/hooks/{subscribed.body['id']}", token=write_key).status == 204
    assert api.delete(f"/webhooks/hooks/{subscribed.body['id']}", token=write_key).status == 404
    assert api.get("/webhooks/endpoints", token=token).body["items"] == []


def test_an_event_is_delivered_once_signed_and_verified_with_the_reference_library(
        cloud: Any, api: Api, owner: dict[str, Any], allow: Any) -> None:
    token = owner["access_token"]
    with http_stub(lambda request, index: (200, {}, b'{"ok": true}')) as receiver:
        # Given an endpoint subscribed to contact.created at a local receiver
        url = allow(receiver)
        created = api.post("/webhooks/endpoints", {"url": url + "/in", "event_types": ["contact.created"],
                                                   "headers": {"X-Team": "sales"}}, token=token).body
        assert "id" in created, created
        secret = created["secret"]

        # When a contact is created, and the bus's message reaches the fan-out twice (SQS is at-least-once)
        api.post("/contacts", {"first_name": "Ada"}, token=token)
        sqs = boto3.client("sqs")
        events_url = cloud.resources["WebhookEventsQueue"].url
        body = sqs.receive_message(QueueUrl=events_url)["Messages"][0]["Body"]
        sqs.send_message(QueueUrl=events_url, MessageBody=body)
        api.post("/contacts", {"first_name": "Grace"}, token=token)
        deliver_all(cloud)

        # Then each event reached the receiver once, signed per Standard Webhooks (checked by standardwebhooks)
        assert len(receiver.requests) == 2
        for request in receiver.requests:
            payload = Webhook(secret).verify(request.body, request.headers)
            assert payload["type"] == "contact.created" and payload["id"] == request.headers["webhook-id"]
            assert request.headers["x-team"] == "sales"
        assert sorted(r.json()["data"]["first_name"] for r in receiver.requests) == ["Ada", "Grace"]

        # And after a rotation both the new and the previous secret verify the next delivery
        rotated = api.post(f"/webhooks/endpoints/{created['id']}/rotate-secret", token=token).body["secret"]
        api.post("/contacts", {"first_name": "Linus"}, token=token)
        deliver_all(cloud)
        last = receiver.requests[-1]
        assert len(receiver.requests) == 3 and len(last.headers["webhook-signature"].split(" ")) == 2
        for key in (rotated, secret):
            assert Webhook(key).verify(last.body, last.headers)["data"]["first_name"] == "Linus"

    # And the log shows each attempt: status, latency, the answer
    log = log_of(api, token, created["id"])
    assert len(log) == 3 and all(d["status"] == "succeeded" and d["attempts"] == 1 for d in log)
    attempt = log[0]["log"][0]
    assert attempt["status_code"] == 200 and attempt["response"] == '{"ok": true}' and attempt["error"] is None


def _replies(*replies: Reply) -> Any:
    def script(request: Recorded, index: int) -> Reply:
        return replies[min(index, len(replies) - 1)]
    return script


def test_failures_are_retried_on_schedule_and_410_or_5_days_of_failure_disable_the_endpoint(
        cloud: Any, api: Api, owner: dict[str, Any], allow: Any) -> None:
    token = owner["access_token"]
    script = _replies((503, {}, b"busy"), (429, {"Retry-After": "3600"}, b"slow down"), (200, {}, b"ok"),
                      (410, {}, b"gone"))
    with http_stub(script) as receiver:
        url = allow(receiver)
        endpoint = api.post("/webhooks/endpoints", {"url": url, "event_types": ["deal.won"]}, token=token).body

        # Given a test event the receiver first answers 503 (the next try comes 5 s later through SQS)
        sent = api.post(f"/webhooks/endpoints/{endpoint['id']}/test", {"event_type": "deal.won"}, token=token)
        assert sent.status == 201 and sent.body["test"] is True, sent
        deliver_all(cloud)
        [delivery] = log_of(api, token, endpoint["id"])
        assert delivery["status"] == "pending" and delivery["log"][0]["status_code"] == 503
        retry_in = datetime.fromisoformat(delivery["next_attempt_at"].replace("Z", "+00:00")) - datetime.now(UTC)
        assert timedelta(seconds=2) < retry_in <= timedelta(seconds=5)
        assert drain_queue(cloud, "WebhookDeliveriesQueue", app.deliver) == 0  # not due yet

        # When the 5 s pass, the receiver answers 429 asking for an hour: the retry is a one-off schedule
        drop_queued(cloud)
        boto3.client("sqs").send_message(QueueUrl=cloud.resources["WebhookDeliveriesQueue"].url, MessageBody=json.dumps(
            {"workspace_id": owner["workspace"]["id"], "endpoint_id": endpoint["id"], "delivery_id": delivery["id"],
             "attempt": 2}))
        drain_queue(cloud, "WebhookDeliveriesQueue", app.deliver)
        [delivery] = log_of(api, token, endpoint["id"])
        due = datetime.fromisoformat(delivery["next_attempt_at"].replace("Z", "+00:00"))
        assert timedelta(minutes=59) < due - datetime.now(UTC) <= timedelta(hours=1, seconds=5)
        schedules = OneOffSchedules(cloud)
        assert schedules.fire_due() == 0  # not yet

        # Then the local cloud fires it when its time comes, and the third attempt succeeds
        assert schedules.fire_due(now=due + timedelta(seconds=1)) == 1
        drain_queue(cloud, "WebhookDeliveriesQueue", app.deliver)
        [delivery] = log_of(api, token, endpoint["id"])
        assert delivery["status"] == "succeeded" and [a["status_code"] for a in delivery["log"]] == [503, 429, 200]

        # When the receiver answers 410 to a replay, Then the endpoint is disabled and the admins are told
        assert api.post(f"/webhooks/endpoints/{endpoint['id']}/deliveries/{delivery['id']}/replay",
                        token=token).status == 200
        deliver_all(cloud)
    shown = api.get(f"/webhooks/endpoints/{endpoint['id']}", token=token).body
    assert shown["enabled"] is False and "410" in shown["disabled_reason"]
    inbox = api.get("/notifications", token=token).body["items"]
    assert inbox[0]["type"] == "webhook_disabled" and url in inbox[0]["body"]

    # And an endpoint that has failed for 5 days is disabled by its next failure
    with http_stub(lambda request, index: (500, {}, b"down")) as receiver:
        url = allow(receiver)
        failing = api.post("/webhooks/endpoints", {"url": url, "event_types": ["deal.won"]}, token=token).body
        item = EndpointItem.get(endpoints_pk(owner["workspace"]["id"]), f"ENDPOINT#{failing['id']}")
        item.update(actions=[EndpointItem.failing_since.set(int(datetime.now(UTC).timestamp()) - 5 * 86400)])
        api.post(f"/webhooks/endpoints/{failing['id']}/test", {"event_type": "deal.won"}, token=token)
        deliver_all(cloud)
    shown = api.get(f"/webhooks/endpoints/{failing['id']}", token=token).body
    assert shown["enabled"] is False and "5 days" in shown["disabled_reason"]


def test_replays_test_events_rate_limits_and_a_worker_that_died_mid_attempt(
        cloud: Any, api: Api, owner: dict[str, Any], allow: Any) -> None:
    token = owner["access_token"]
    script = _replies((500, {}, b"oops"))
    with http_stub(lambda request, index: script(request, index) if index < 2 else (200, {}, b"ok")) as receiver:
        # Given an endpoint allowed one attempt a minute, and two test events
        url = allow(receiver)
        endpoint = api.post("/webhooks/endpoints", {"url": url, "event_types": ["deal.won", "task.due"],
                                                    "rate_limit_per_minute": 1}, token=token).body
        for event_type in ("deal.won", "task.due"):
            api.post(f"/webhooks/endpoints/{endpoint['id']}/test", {"event_type": event_type}, token=token)
        bad = api.post(f"/webhooks/endpoints/{endpoint['id']}/test", {"event_type": "deal.sold"}, token=token)
        assert bad.status == 422 and bad.body["error"]["details"]["errors"][0]["field"] == "event_type"

        # When the attempts run, Then only one is made this minute; the other waits for the next window
        drain_queue(cloud, "WebhookDeliveriesQueue", app.deliver)
        assert len(receiver.requests) == 1
        api.patch(f"/webhooks/endpoints/{endpoint['id']}", {"rate_limit_per_minute": None}, token=token)

        # When every failed delivery since an hour ago is replayed (after their first tries failed)
        drop_queued(cloud)
        first = log_of(api, token, endpoint["id"])
        tried = next(d for d in first if d["attempts"] == 1)
        waiting = next(d for d in first if d["attempts"] == 0)
        assert tried["status"] == "pending"  # its retry was queued (and purged: a worker lost it)
        since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
        assert api.post(f"/webhooks/endpoints/{endpoint['id']}/replay", {"since": since},
                        token=token).body == {"replayed": 0}  # nothing has failed for good yet
        replay = api.post(f"/webhooks/endpoints/{endpoint['id']}/deliveries/{tried['id']}/replay", token=token)
        assert replay.status == 409  # still being tried

        # And a worker dies mid-attempt: its claim is taken over once the lease runs out
        from leadpilot.webhooks import worker
        from leadpilot.webhooks.models import DeliveryItem
        item = DeliveryItem.get(f"WS#{owner['workspace']['id']}#WHEP#{endpoint['id']}", f"DELIVERY#{waiting['id']}")
        message = {"workspace_id": owner["workspace"]["id"], "endpoint_id": endpoint["id"],
                   "delivery_id": waiting["id"], "attempt": 1}
        assert worker.claim(item, 1)  # the attempt was claimed, then nothing: the worker died
        assert worker.attempt(get_settings(), message) == "skipped"  # a duplicate meanwhile does nothing
        item.update(actions=[DeliveryItem.claimed_at.set(int(datetime.now(UTC).timestamp()) - worker.LEASE_S - 1)])
        assert worker.attempt(get_settings(), message) == "retry"  # SQS hands it out again: taken over and made (500)
    log = {d["id"]: d for d in log_of(api, token, endpoint["id"])}
    assert [a["status_code"] for a in log[waiting["id"]]["log"]] == [500]
    assert len(receiver.requests) == 2


def test_the_sweep_queues_an_attempt_whose_schedule_never_fired_once_and_leaves_the_rest(
        cloud: Any, api: Api, owner: dict[str, Any], allow: Any) -> None:
    from leadpilot.webhooks import sweep, worker
    from leadpilot.webhooks.deliveries import deliveries_pk
    from leadpilot.webhooks.models import DeliveryItem

    token, ws, settings = owner["access_token"], owner["workspace"]["id"], get_settings()
    seen: Counter[str] = Counter()

    def script(request: Recorded, index: int) -> Reply:  # per endpoint: 429 asking for 1 h (2 h), then 200
        seen[request.path] += 1
        return (200, {}, b"ok") if seen[request.path] > 1 else \
            (429, {"Retry-After": "7200" if request.path == "/later" else "3600"}, b"slow down")

    def item(name: str) -> DeliveryItem:
        return DeliveryItem.get(deliveries_pk(ws, ids[name][0]), f"DELIVERY#{ids[name][1]}", consistent_read=True)

    def due_of(name: str) -> datetime:
        return datetime.fromisoformat(item(name).next_attempt_at.replace("Z", "+00:00"))

    with http_stub(script) as receiver:
        # Given three endpoints whose first attempts were answered 429: each retry is a one-off schedule, and each
        # delivery is listed for the sweeper under when its retry is due
        url = allow(receiver)
        ids: dict[str, tuple[str, str]] = {}
        for name in ("one", "later", "gone"):
            eid = api.post("/webhooks/endpoints", {"url": f"{url}/{name}", "event_types": ["deal.won"]},
                           token=token).body["id"]
            ids[name] = (eid, api.post(f"/webhooks/endpoints/{eid}/test", {"event_type": "deal.won"},
                                       token=token).body["id"])
        drain_queue(cloud, "WebhookDeliveriesQueue", app.deliver)
        listed = [item(name) for name in ids]
        assert all(i.status == "pending" and i.GSI1PK.startswith("WEBHOOK#RETRYING#") and i.next_attempt_at == i.GSI1SK
                   for i in listed), [(i.status, i.GSI1PK) for i in listed]
        due = due_of("one")

        # When the sweep runs before they are due, Then it leaves them alone
        assert app.sweep_deliveries({}, None)["overdue"] == 0  # as the schedule invokes it

        # When their schedules have not fired 3 minutes after "one" was due ("gone"'s endpoint was deleted
        # meanwhile), and the sweep runs twice
        assert api.delete(f"/webhooks/endpoints/{ids['gone'][0]}", token=token).status == 204
        first = sweep.sweep(settings, now=due + timedelta(minutes=3))
        again = sweep.sweep(settings, now=due + timedelta(minutes=3))

        # Then "one"'s second attempt is queued once and succeeds, "gone" leaves the list, "later" is not due yet
        assert first == {"overdue": 2, "queued": 1, "held": 0, "dropped": 1, "moved": 0}, first
        assert again["overdue"] == 0 and again["queued"] == 0, again
        assert drain_queue(cloud, "WebhookDeliveriesQueue", app.deliver) == 1
        assert item("gone").GSI1PK is None and item("later").next_attempt_at == item("later").GSI1SK

        # And when the late schedules fire after all, the duplicate attempt finds it made: no second request
        assert OneOffSchedules(cloud).fire_due(now=due + timedelta(minutes=4)) == 2
        drain_queue(cloud, "WebhookDeliveriesQueue", app.deliver)
        assert seen["/one"] == 2 and seen["/gone"] == 1
        done = item("one")
        assert done.status == "succeeded" and int(done.attempts) == 2 and done.GSI1PK is None and done.GSI1SK is None
        assert [entry["status_code"] for entry in done.log] == [429, 200]

        # When a worker claimed "later"'s retry and died, its message lost too (the local cloud was killed)
        later_due = due_of("later")
        claimed = DeliveryItem(deliveries_pk(ws, ids["later"][0]), f"DELIVERY#{ids['later'][1]}")
        assert worker.claim(claimed, 2)
        claimed.update(actions=[DeliveryItem.claimed_at.set(int(datetime.now(UTC).timestamp()) - worker.LEASE_S - 1)])
        drop_queued(cloud)
        taken = sweep.sweep(settings, now=later_due + timedelta(minutes=3))

        # Then once it is overdue and the claim's lease has run out, the sweep queues that attempt for a takeover
        assert taken["queued"] == 1, taken
        drain_queue(cloud, "WebhookDeliveriesQueue", app.deliver)
    later = item("later")
    assert later.status == "succeeded" and int(later.attempts) == 2 and later.GSI1PK is None
    assert seen["/later"] == 2 and len(receiver.requests) == 5
