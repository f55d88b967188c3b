"""Endpoint use cases: create, list, get, update, delete, rotate the secret; REST hook subscriptions."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from leadpilot.api.cursors import decode_cursor, query_page
from leadpilot.audit.log import record
from leadpilot.clock import epoch_to_iso, now_epoch, now_iso
from leadpilot.destinations import DEFAULT_PORTS, addresses_of, literal_address, url_problem
from leadpilot.errors import Conflict, NotFound, ValidationFailed
from leadpilot.identity.entities import Identity
from leadpilot.ids import new_id
from leadpilot.observability import metrics
from leadpilot.settings import get_destinations, normal_host
from leadpilot.webhooks import catalogue
from leadpilot.webhooks.models import EndpointItem
from leadpilot.webhooks.signing import new_secret

MAX_ENDPOINTS = 100  # per workspace: the delivery worker reads them all for every event
PREVIOUS_SECRET_S = 24 * 3600  # a rotated-out secret keeps signing this long
RESERVED_HEADERS = frozenset({"webhook-id", "webhook-timestamp", "webhook-signature", "content-type",
                              "content-length", "host", "user-agent", "transfer-encoding", "connection"})


def endpoints_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#WEBHOOKS"


def to_dict(item: EndpointItem) -> dict[str, Any]:
    """An endpoint as the API shows it (never its secrets)."""
    limit = item.rate_limit_per_minute
    return {"id": item.endpoint_id, "url": item.url, "description": item.description,
            "event_types": list(item.event_types), "enabled": bool(item.enabled),
            "disabled_reason": item.disabled_reason, "headers": custom_headers(item),
            "rate_limit_per_minute": int(limit) if limit is not None else None, "source": item.source,
            "failing_since": epoch_to_iso(int(item.failing_since)) if item.failing_since else None,
            "created_at": item.created_at, "updated_at": item.updated_at}


def custom_headers(item: EndpointItem) -> dict[str, str]:
    """The extra headers an endpoint's deliveries carry."""
    headers = item.headers
    return {str(k): str(v) for k, v in (headers.as_dict() if hasattr(headers, "as_dict") else headers or {}).items()}


def _allowed_plain_http(host: str, port: int) -> bool:
    """http:// is for a local receiver a developer listed (LEADPILOT_WEBHOOK_ALLOW) only."""
    address = literal_address(host)
    return any(p == port and (h == host or (address is not None and address in addresses_of(h)))
               for h, p in get_destinations().allow)


def check_url(url: str, field: str = "url") -> str:
    """The URL, trimmed, when tenants may send to it; else a 422 naming `field` (judged without DNS here; the
    addresses a name resolves to are checked where each connection opens: leadpilot.safe_http)."""
    url = url.strip()
    problem = url_problem(url, get_destinations())
    if problem:
        raise ValidationFailed.field(field, problem)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or DEFAULT_PORTS[scheme]
    if scheme != "https" and not _allowed_plain_http(normal_host(parts.hostname or ""), port):
        raise ValidationFailed.field(field, "must be an https:// URL")
    return url


def _check_headers(headers: dict[str, str]) -> dict[str, str]:
    for name in headers:
        if name.lower() in RESERVED_HEADERS:
            raise ValidationFailed.field(f"headers/{name}", "is set by LeadPilot and cannot be overridden")
    return headers


def _get(workspace_id: str, endpoint_id: str, field: str = "endpoint_id") -> EndpointItem:
    try:
        return EndpointItem.get(endpoints_pk(workspace_id), f"ENDPOINT#{endpoint_id}", consistent_read=True)
    except DoesNotExist as exc:
        raise NotFound("webhook endpoint not found", {"field": field}) from exc


def get_item(workspace_id: str, endpoint_id: str) -> EndpointItem:
    """The endpoint's item (404 naming endpoint_id when the workspace has none with that id)."""
    return _get(workspace_id, endpoint_id)


def workspace_endpoints(workspace_id: str) -> list[EndpointItem]:
    """Every endpoint of a workspace (one partition, at most MAX_ENDPOINTS)."""
    return list(EndpointItem.query(endpoints_pk(workspace_id), EndpointItem.SK.startswith("ENDPOINT#"),
                                   consistent_read=True))


def signing_secrets(item: EndpointItem, now: int | None = None) -> list[str]:
    """The secrets that sign now: the current one and a rotated-out one for its last 24 hours."""
    now = now_epoch() if now is None else now
    return [str(s["secret"]) for s in item.signing or []
            if s.get("expires_at") is None or int(s["expires_at"]) > now]


def create_endpoint(identity: Identity, body: dict[str, Any], source: str = "api") -> dict[str, Any]:
    """Add an endpoint; the answer carries its signing secret, shown this once."""
    url = check_url(body["url"])
    catalogue.check_types(body["event_types"])
    headers = _check_headers(dict(body.get("headers") or {}))
    if len(workspace_endpoints(identity.workspace_id)) >= MAX_ENDPOINTS:
        raise Conflict(f"a workspace has at most {MAX_ENDPOINTS} webhook endpoints", {"limit": MAX_ENDPOINTS})
    endpoint_id, now, secret = new_id(), now_iso(), new_secret()
    item = EndpointItem(endpoints_pk(identity.workspace_id), f"ENDPOINT#{endpoint_id}", endpoint_id=endpoint_id,
                        workspace_id=identity.workspace_id, url=url, description=body.get("description") or "",
                        event_types=list(body["event_types"]), enabled=body.get("enabled", True),
                        headers=headers, rate_limit_per_minute=body.get("rate_limit_per_minute"), source=source,
                        signing=[{"secret": secret, "expires_at": None}], created_at=now, updated_at=now)
    item.save(condition=EndpointItem.PK.does_not_exist())
    record(identity.workspace_id, "webhook.endpoint_created", _target(item),
           {"event_types": {"before": None, "after": list(body["event_types"])}})
    metrics.add_metric(name="WebhookEndpointCreated", unit="Count", value=1)
    return {**to_dict(item), "secret": secret}


def list_endpoints(identity: Identity, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """The workspace's endpoints, oldest first."""
    items, next_cursor = query_page(EndpointItem, endpoints_pk(identity.workspace_id), "ENDPOINT#", limit,
                                    decode_cursor(cursor), consistent_read=True)
    return [to_dict(i) for i in items], next_cursor


def get_endpoint(identity: Identity, endpoint_id: str) -> dict[str, Any]:
    return to_dict(_get(identity.workspace_id, endpoint_id))


def _save(item: EndpointItem) -> None:
    """Write a changed endpoint unless another request changed it first (409)."""
    item.updated_at, item.version = now_iso(), int(item.version) + 1
    try:
        item.save(condition=EndpointItem.version == item.version - 1)
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise Conflict("the endpoint was changed by another request; retry",
                           {"reason": "concurrent_modification"}) from exc
        raise


def update_endpoint(identity: Identity, endpoint_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Change an endpoint's fields; enabling it again clears why it was disabled and its failure streak."""
    item = _get(identity.workspace_id, endpoint_id)
    if "url" in body:
        item.url = check_url(body["url"])
    if "event_types" in body:
        catalogue.check_types(body["event_types"])
        item.event_types = list(body["event_types"])  # type: ignore[assignment]
    if "headers" in body:
        item.headers = _check_headers(dict(body["headers"]))  # type: ignore[assignment]
    if "description" in body:
        item.description = body["description"]
    if "rate_limit_per_minute" in body:
        item.rate_limit_per_minute = body["rate_limit_per_minute"]
    if "enabled" in body:
        if body["enabled"] and not item.enabled:
            item.disabled_reason, item.failing_since = None, None
        item.enabled = bool(body["enabled"])
    _save(item)
    return to_dict(item)


def delete_endpoint(identity: Identity, endpoint_id: str, source: str | None = None) -> None:
    """Remove an endpoint (its delivery log expires on its own); with `source`, only one of that kind."""
    field = "hook_id" if source == "rest_hook" else "endpoint_id"
    item = _get(identity.workspace_id, endpoint_id, field)
    if source is not None and item.source != source:
        raise NotFound("REST hook not found", {"field": field})
    item.delete()
    record(identity.workspace_id, "webhook.endpoint_deleted", _target(item))


def _target(item: EndpointItem) -> dict[str, str]:
    """An endpoint as the log names it: its id, kind and host (a hook URL's path and query may hold a token)."""
    return {"type": "webhook_endpoint", "id": item.endpoint_id, "source": item.source,
            "host": urlsplit(item.url).hostname or ""}


def rotate_secret(identity: Identity, endpoint_id: str) -> dict[str, Any]:
    """A new signing secret (shown this once); the previous one keeps signing beside it for 24 hours."""
    item = _get(identity.workspace_id, endpoint_id)
    now, secret = now_epoch(), new_secret()
    kept = [{"secret": s, "expires_at": now + PREVIOUS_SECRET_S} for s in signing_secrets(item, now)[:1]]
    item.signing = [{"secret": secret, "expires_at": None}, *kept]  # type: ignore[assignment]
    _save(item)
    record(identity.workspace_id, "webhook.secret_rotated", _target(item))
    return {**to_dict(item), "secret": secret}


def disable(workspace_id: str, endpoint_id: str, reason: str) -> bool:
    """Disable an endpoint for `reason` (the platform's decision); False when it already was."""
    item = EndpointItem(endpoints_pk(workspace_id), f"ENDPOINT#{endpoint_id}")
    try:
        item.update(actions=[EndpointItem.enabled.set(False), EndpointItem.disabled_reason.set(reason),
                             EndpointItem.updated_at.set(now_iso()), EndpointItem.version.add(1)],
                    condition=EndpointItem.PK.exists() & (EndpointItem.enabled == True))  # noqa: E712
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def record_outcome(workspace_id: str, endpoint_id: str, ok: bool, now: int) -> int | None:
    """Track the endpoint's failure streak: a success ends it, a failure starts it unless one is running.
    Returns when the streak started (None after a success)."""
    item = EndpointItem(endpoints_pk(workspace_id), f"ENDPOINT#{endpoint_id}")
    try:
        if ok:
            item.update(actions=[EndpointItem.failing_since.remove()],
                        condition=EndpointItem.PK.exists() & EndpointItem.failing_since.exists())
            return None
        item.update(actions=[EndpointItem.failing_since.set(now)],
                    condition=EndpointItem.PK.exists() & EndpointItem.failing_since.does_not_exist())
        return now
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
    if ok:
        return None
    try:
        since = EndpointItem.get(item.PK, item.SK, attributes_to_get=["failing_since"]).failing_since
    except DoesNotExist:
        return None
    return int(since) if since is not None else None


def subscribe(identity: Identity, body: dict[str, Any]) -> dict[str, Any]:
    """A REST hook (Zapier, Make, n8n): an endpoint for one event type at the target URL."""
    check_url(body["target_url"], "target_url")
    catalogue.sample(body["event"], "event")
    created = create_endpoint(identity, {"url": body["target_url"], "event_types": [body["event"]],
                                         "description": f"REST hook: {body['event']}"}, source="rest_hook")
    return {"id": created["id"], "target_url": created["url"], "event": body["event"]}
