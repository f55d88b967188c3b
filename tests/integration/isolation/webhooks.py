"""Outgoing webhook resources for the tenant-isolation suite."""
from __future__ import annotations

from typing import Any

BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/webhooks/endpoints"): {"url": "https://b.example.com/in", "event_types": ["deal.won"]},
    ("PATCH", "/webhooks/endpoints/{endpoint_id}"): {"url": "https://b.example.com/stolen"},
    ("POST", "/webhooks/endpoints/{endpoint_id}/test"): {"event_type": "deal.won"},
    ("POST", "/webhooks/endpoints/{endpoint_id}/replay"): {"since": "2026-01-01T00:00:00Z"},
    ("POST", "/webhooks/hooks"): {"target_url": "https://b.example.com/zap", "event": "contact.created"},
}


def seed(api: Any, token: str) -> dict[str, str]:
    endpoint = api.post("/webhooks/endpoints", {"url": "https://alpha.example.com/secret-hook",
                                                "event_types": ["deal.won"]}, token=token).body
    delivery = api.post(f"/webhooks/endpoints/{endpoint['id']}/test", {"event_type": "deal.won"}, token=token).body
    hook = api.post("/webhooks/hooks", {"target_url": "https://alpha.example.com/zap", "event": "contact.created"},
                    token=token).body
    return {"endpoint_id": endpoint["id"], "delivery_id": delivery["id"], "hook_id": hook["id"]}


def secrets(ids: dict[str, str]) -> set[str]:
    return {"alpha.example.com"}


def snapshot(api: Any, token: str, ids: dict[str, str]) -> dict[str, Any]:
    return {"endpoints": api.get("/webhooks/endpoints", token=token).body,
            "log": api.get(f"/webhooks/endpoints/{ids['endpoint_id']}/deliveries", token=token).body}
