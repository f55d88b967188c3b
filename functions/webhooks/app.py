"""Outgoing webhooks: endpoints, the event catalogue, the delivery log with replay, test events, REST hooks
(Zapier, Make, n8n); the event fan-out and the delivery worker behind the queues."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalice import Chalice, Response

from leadpilot.api.edge import Edge
from leadpilot.identity.authenticate import require_role
from leadpilot.identity.entities import Identity
from leadpilot.ids import parse_id
from leadpilot.lazy import lazy
from leadpilot.observability import logger
from leadpilot.settings import get_settings

if TYPE_CHECKING:
    from leadpilot.webhooks import batch, catalogue, deliveries, endpoints, sweep, worker
else:  # domain modules load on first use: a cold start pays only for what its request needs
    catalogue = lazy("leadpilot.webhooks.catalogue")
    deliveries = lazy("leadpilot.webhooks.deliveries")
    endpoints = lazy("leadpilot.webhooks.endpoints")
    worker = lazy("leadpilot.webhooks.worker")
    batch = lazy("leadpilot.webhooks.batch")
    sweep = lazy("leadpilot.webhooks.sweep")

app = Chalice(app_name="leadpilot-webhooks")
edge = Edge(app, "leadpilot.webhooks")


def _admin(scope: str = "read") -> Identity:
    """Endpoints are managed by the workspace's owners and admins."""
    identity = edge.identity(scope)
    require_role(identity, "owner", "admin")
    return identity


@edge.route("/webhooks/event-types", "GET")
def list_webhook_event_types() -> dict[str, Any]:
    edge.identity()
    items, cursor = catalogue.page(edge.limit(), edge.query("cursor"))
    return {"items": items, "next_cursor": cursor}


@edge.route("/webhooks/endpoints", "GET")
def list_endpoints() -> dict[str, Any]:
    identity = _admin()
    items, cursor = endpoints.list_endpoints(identity, edge.limit(), edge.query("cursor"))
    return {"items": items, "next_cursor": cursor}


@edge.route("/webhooks/endpoints", "POST")
def create_endpoint() -> Response:
    identity = _admin("write")
    return edge.created(endpoints.create_endpoint(identity, edge.body("endpoint_create")))


@edge.route("/webhooks/endpoints/{endpoint_id}", "GET")
def get_endpoint(endpoint_id: str) -> dict[str, Any]:
    return endpoints.get_endpoint(_admin(), parse_id(endpoint_id, "endpoint_id"))


@edge.route("/webhooks/endpoints/{endpoint_id}", "PATCH")
def update_endpoint(endpoint_id: str) -> dict[str, Any]:
    identity = _admin("write")
    eid = parse_id(endpoint_id, "endpoint_id")
    return endpoints.update_endpoint(identity, eid, edge.body("endpoint_update"))


@edge.route("/webhooks/endpoints/{endpoint_id}", "DELETE")
def delete_endpoint(endpoint_id: str) -> Response:
    endpoints.delete_endpoint(_admin("write"), parse_id(endpoint_id, "endpoint_id"))
    return edge.no_content()


@edge.route("/webhooks/endpoints/{endpoint_id}/rotate-secret", "POST")
def rotate_secret(endpoint_id: str) -> dict[str, Any]:
    return endpoints.rotate_secret(_admin("write"), parse_id(endpoint_id, "endpoint_id"))


@edge.route("/webhooks/endpoints/{endpoint_id}/test", "POST")
def send_test_event(endpoint_id: str) -> Response:
    identity = _admin("write")
    eid = parse_id(endpoint_id, "endpoint_id")
    body = edge.body("test_event")
    return edge.created(deliveries.send_test(edge.settings, identity, eid, body["event_type"]))


@edge.route("/webhooks/endpoints/{endpoint_id}/deliveries", "GET")
def list_deliveries(endpoint_id: str) -> dict[str, Any]:
    identity = _admin()
    eid = parse_id(endpoint_id, "endpoint_id")
    items, cursor = deliveries.list_deliveries(identity, eid, edge.limit(), edge.query("cursor"))
    return {"items": items, "next_cursor": cursor}


@edge.route("/webhooks/endpoints/{endpoint_id}/deliveries/{delivery_id}/replay", "POST")
def replay_delivery(endpoint_id: str, delivery_id: str) -> dict[str, Any]:
    identity = _admin("write")
    eid, did = parse_id(endpoint_id, "endpoint_id"), parse_id(delivery_id, "delivery_id")
    return deliveries.replay(edge.settings, identity, eid, did)


@edge.route("/webhooks/endpoints/{endpoint_id}/replay", "POST")
def replay_failed(endpoint_id: str) -> dict[str, Any]:
    identity = _admin("write")
    eid = parse_id(endpoint_id, "endpoint_id")
    body = edge.body("replay_failed")
    return {"replayed": deliveries.replay_failed(edge.settings, identity, eid, body["since"])}


# REST hooks as Zapier expects them (Make and n8n use the same calls): API-key authenticated, scopes apply.
@edge.route("/webhooks/hooks", "POST")
def subscribe_hook() -> Response:
    identity = edge.identity("write")
    return edge.created(endpoints.subscribe(identity, edge.body("hook_create")))


@edge.route("/webhooks/hooks/{hook_id}", "DELETE")
def unsubscribe_hook(hook_id: str) -> Response:
    identity = edge.identity("write")
    endpoints.delete_endpoint(identity, parse_id(hook_id, "hook_id"), source="rest_hook")
    return edge.no_content()


@edge.route("/webhooks/hooks/samples", "GET")
def hook_samples() -> dict[str, Any]:
    """Sample payloads for a trigger's setup: of `?event=<type>`, or one of every type."""
    edge.identity()
    items, cursor = catalogue.page(edge.limit(), edge.query("cursor"), edge.query("event"))
    return {"items": [entry["sample"] for entry in items], "next_cursor": cursor}


@app.lambda_function(name="on_event")
def on_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Webhook events queue consumer (EventBridge rule -> queue): a delivery per subscribed endpoint. A failure
    fails the batch: SQS delivers it again, and deliveries already created are not created twice."""
    settings = get_settings()
    from leadpilot.db.base import bind_tables

    bind_tables(settings)
    events = []
    for record in event.get("Records", []):
        try:
            detail = json.loads(record["body"])["detail"]
        except (KeyError, TypeError, ValueError):
            logger.warning("not an EventBridge event; dropped", extra={"message_id": record.get("messageId")})
            continue
        if isinstance(detail, dict) and detail.get("workspace_id") and detail.get("id") and detail.get("type"):
            events.append(detail)
    deliveries.fan_out(settings, events)
    return {"batchItemFailures": []}


@app.lambda_function(name="deliver")
def deliver(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Webhook deliveries queue consumer: a batch's attempts claimed, sent side by side and recorded together
    (leadpilot.webhooks.batch); a record whose attempt raised is reported for redelivery, the others are done."""
    settings = get_settings()
    from leadpilot.db.base import bind_tables

    bind_tables(settings)
    records = event.get("Records", [])
    planned = worker.plan(settings, [json.loads(r["body"]) for r in records])
    results = batch.run(settings, planned)
    return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r, result in zip(records, results, strict=True)
                                  if result == batch.ERROR]}


@app.lambda_function(name="sweep_deliveries")
def sweep_deliveries(event: dict[str, Any], context: Any) -> dict[str, int]:
    """Scheduled: queue again the attempts whose schedule or delayed message never came (a lost one-off schedule
    leaves its delivery waiting for good otherwise)."""
    settings = get_settings()
    from leadpilot.db.base import bind_tables

    bind_tables(settings)
    return sweep.sweep(settings)
