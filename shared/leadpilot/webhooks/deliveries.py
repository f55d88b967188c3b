"""Deliveries: one per (event, endpoint), created by a conditional put (exactly-once intent); the log of an
endpoint, the replay of one delivery or of every failed one since a time, and test events."""
from __future__ import annotations

import json
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action

from leadpilot.api.cursors import decode_cursor, query_page
from leadpilot.clock import now_epoch, now_iso
from leadpilot.db.base import transaction
from leadpilot.errors import Conflict, NotFound
from leadpilot.identity.entities import Identity
from leadpilot.ids import id_floor, new_id
from leadpilot.observability import metrics
from leadpilot.settings import Settings
from leadpilot.webhooks import catalogue, queue
from leadpilot.webhooks.config import webhooks_config
from leadpilot.webhooks.endpoints import get_item, workspace_endpoints
from leadpilot.webhooks.models import DeliveryItem, EndpointItem

LOG_TTL_S = 30 * 24 * 3600
MAX_REPLAY = 500  # deliveries one "replay failed since" request queues again
FAN_OUT_THREADS = 10  # botocore keeps 10 connections per client
TRANSACTION_ITEMS = 50  # deliveries created per transaction (DynamoDB takes 100 at most)
# The sweeper's worklist (GSI1) is spread over this many partitions, so that an endpoint that is down while
# thousands of events fail does not make one hot partition of the index.
RETRYING_SHARDS = 8


def deliveries_pk(workspace_id: str, endpoint_id: str) -> str:
    return f"WS#{workspace_id}#WHEP#{endpoint_id}"


def retrying_pk(shard: int) -> str:
    """GSI1PK of one shard of the deliveries waiting for an attempt that a schedule or a delayed message owes."""
    return f"WEBHOOK#RETRYING#{shard}"


def retry_index(item: DeliveryItem, due: str) -> list[Action]:
    """List a delivery in the sweeper's worklist under when its next attempt is due (ISO, as next_attempt_at)."""
    shard = zlib.crc32(f"{item.PK}|{item.SK}".encode()) % RETRYING_SHARDS
    return [DeliveryItem.GSI1PK.set(retrying_pk(shard)), DeliveryItem.GSI1SK.set(due)]


def retry_unindex() -> list[Action]:
    """Take a delivery off the sweeper's worklist (it succeeded or failed for good)."""
    return [DeliveryItem.GSI1PK.remove(), DeliveryItem.GSI1SK.remove()]


def to_dict(item: DeliveryItem) -> dict[str, Any]:
    """A delivery as the API shows it, with the log of its attempts (oldest first)."""
    return {"id": item.delivery_id, "endpoint_id": item.endpoint_id, "event_type": item.event_type,
            "status": item.status, "attempts": int(item.attempts), "next_attempt_at": item.next_attempt_at,
            "test": bool(item.test), "created_at": item.created_at, "updated_at": item.updated_at,
            "log": [_attempt(entry) for entry in item.log or []]}


def _attempt(entry: dict[str, Any]) -> dict[str, Any]:
    code = entry.get("status_code")
    return {"attempt": int(entry["attempt"]), "at": entry["at"], "status_code": int(code) if code else None,
            "latency_ms": int(entry.get("latency_ms") or 0), "response": entry.get("response") or "",
            "error": entry.get("error")}


def _new(endpoint: EndpointItem, event: dict[str, Any], test: bool = False) -> DeliveryItem:
    now = now_iso()
    return DeliveryItem(deliveries_pk(endpoint.workspace_id, endpoint.endpoint_id), f"DELIVERY#{event['id']}",
                        delivery_id=event["id"], endpoint_id=endpoint.endpoint_id,
                        workspace_id=endpoint.workspace_id, event_type=event["type"],
                        payload=json.dumps(event, separators=(",", ":"), ensure_ascii=False), status="pending",
                        attempts=0, tries=0, log=[], test=test, event_at=event.get("occurred_at") or now,
                        created_at=now, updated_at=now, next_attempt_at=now, expires_at=now_epoch() + LOG_TTL_S)


def _created(item: DeliveryItem) -> bool:
    """Save a new delivery unless one exists for its (event, endpoint); True when this call created it, or
    when the earlier call's first attempt never started (it died before queueing it: queue it again)."""
    try:
        item.save(condition=DeliveryItem.PK.does_not_exist())
        return True
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
    existing = DeliveryItem.get(item.PK, item.SK, consistent_read=True)
    return existing.status == "pending" and int(existing.attempts) == 0


def _create_all(settings: Settings, items: list[DeliveryItem]) -> list[bool]:
    """Create deliveries in one transaction of conditional puts; when one exists already (a redelivered event),
    decide each on its own, side by side (`_created`)."""
    try:
        with transaction(settings) as txn:
            for item in items:
                txn.save(item, condition=DeliveryItem.PK.does_not_exist())
        return [True] * len(items)
    except TransactWriteError as exc:
        if not any(r is not None and r.code == "ConditionalCheckFailed" for r in exc.cancellation_reasons or []):
            raise
    with ThreadPoolExecutor(max_workers=min(FAN_OUT_THREADS, len(items))) as pool:
        return list(pool.map(_created, items))


def fan_out(settings: Settings, events: list[dict[str, Any]]) -> int:
    """Create a delivery per (event, subscribed enabled endpoint of its workspace) and queue its first attempt;
    returns how many attempts were queued. A redelivered event creates nothing twice."""
    endpoints: dict[str, list[EndpointItem]] = {}
    for ws in {event["workspace_id"] for event in events}:
        endpoints[ws] = [e for e in workspace_endpoints(ws) if e.enabled]
    wanted = [(event, endpoint) for event in events for endpoint in endpoints[event["workspace_id"]]
              if event["type"] in (endpoint.event_types or [])]
    if not wanted:
        return 0
    created: list[bool] = []
    for start in range(0, len(wanted), TRANSACTION_ITEMS):
        created += _create_all(settings, [_new(endpoint, event) for event, endpoint in
                                          wanted[start:start + TRANSACTION_ITEMS]])
    tasks = [queue.task(event["workspace_id"], endpoint.endpoint_id, event["id"], 1)
             for (event, endpoint), new in zip(wanted, created, strict=True) if new]
    if tasks:
        queue.send_now(webhooks_config(), settings.region, tasks)
        metrics.add_metric(name="WebhookDeliveryCreated", unit="Count", value=len(tasks))
    return len(tasks)


def _get(identity: Identity, endpoint_id: str, delivery_id: str) -> DeliveryItem:
    try:
        return DeliveryItem.get(deliveries_pk(identity.workspace_id, endpoint_id), f"DELIVERY#{delivery_id}",
                                consistent_read=True)
    except DoesNotExist as exc:
        raise NotFound("delivery not found", {"field": "delivery_id"}) from exc


def list_deliveries(identity: Identity, endpoint_id: str, limit: int, cursor: str | None
                    ) -> tuple[list[dict[str, Any]], str | None]:
    """An endpoint's deliveries, newest event first, each with its attempts."""
    get_item(identity.workspace_id, endpoint_id)
    items, next_cursor = query_page(DeliveryItem, deliveries_pk(identity.workspace_id, endpoint_id), "DELIVERY#",
                                    limit, decode_cursor(cursor), newest_first=True, consistent_read=True)
    return [to_dict(i) for i in items], next_cursor


def _replay(settings: Settings, item: DeliveryItem) -> bool:
    """Start a finished delivery over (its schedule from the first step); False when it is not finished."""
    attempts, now = int(item.attempts), now_iso()
    try:  # listed for the sweeper until its attempt runs: a message lost before it does is queued again
        item.update(actions=[DeliveryItem.status.set("pending"), DeliveryItem.tries.set(0),
                             DeliveryItem.next_attempt_at.set(now), DeliveryItem.updated_at.set(now),
                             DeliveryItem.expires_at.set(now_epoch() + LOG_TTL_S), *retry_index(item, now)],
                    condition=DeliveryItem.status.is_in("succeeded", "failed") & (DeliveryItem.attempts == attempts))
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    queue.send_now(webhooks_config(), settings.region,
                   [queue.task(item.workspace_id, item.endpoint_id, item.delivery_id, attempts + 1)])
    return True


def replay(settings: Settings, identity: Identity, endpoint_id: str, delivery_id: str) -> dict[str, Any]:
    """Send a delivery again now (409 while it is still being tried)."""
    item = _get(identity, endpoint_id, delivery_id)
    if not _replay(settings, item):
        raise Conflict("the delivery is still being tried; replay it once it has succeeded or failed",
                       {"field": "delivery_id", "status": item.status})
    metrics.add_metric(name="WebhookReplayed", unit="Count", value=1)
    return to_dict(_get(identity, endpoint_id, delivery_id))


def replay_failed(settings: Settings, identity: Identity, endpoint_id: str, since: str) -> int:
    """Send again every failed delivery of events since a time (at most MAX_REPLAY); returns how many."""
    get_item(identity.workspace_id, endpoint_id)
    floor = id_floor(int(datetime.fromisoformat(since.replace("Z", "+00:00")).timestamp() * 1000))
    pk = deliveries_pk(identity.workspace_id, endpoint_id)
    replayed = 0
    for item in DeliveryItem.query(pk, DeliveryItem.SK.between(f"DELIVERY#{floor}", "DELIVERY#~"),
                                   filter_condition=DeliveryItem.status == "failed"):
        if replayed >= MAX_REPLAY:
            break
        replayed += _replay(settings, item)
    return replayed


def send_test(settings: Settings, identity: Identity, endpoint_id: str, event_type: str) -> dict[str, Any]:
    """Deliver the sample of an event type to one endpoint now (a new event id; marked as a test)."""
    endpoint = get_item(identity.workspace_id, endpoint_id)
    event = {**catalogue.sample(event_type), "id": new_id(), "workspace_id": identity.workspace_id,
             "occurred_at": now_iso(), "actor": identity.actor()}
    item = _new(endpoint, event, test=True)
    item.save(condition=DeliveryItem.PK.does_not_exist())
    queue.send_now(webhooks_config(), settings.region,
                   [queue.task(identity.workspace_id, endpoint_id, item.delivery_id, 1)])
    return to_dict(item)
