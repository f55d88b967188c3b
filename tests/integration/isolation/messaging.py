"""Messaging (SMS) and usage resources for the tenant-isolation suite. Twilio's webhooks are public: their
signature is the credential (tests/integration/test_messaging_webhooks.py covers forged ones)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

PUBLIC = {("POST", "/webhooks/twilio/sms"), ("POST", "/webhooks/twilio/status")}
_ANY_ID = "01M80A45J90JMESM0AR82N1PFF"
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/phone-numbers"): {"number": "+14155550177"},
    ("POST", "/sms"): {"contact_id": _ANY_ID, "body": "Stolen?"},
    ("POST", "/sms/bulk"): {"contact_ids": [_ANY_ID], "body": "Stolen?"},
    ("POST", "/sms/preview"): {"body": "Hi {{first_name|there}}"},
    ("PUT", "/messaging/settings"): {"business_name": "Beta"},
    ("POST", "/dev/sms/inbound"): {"from": "+14155550178", "body": "hello"},
    ("POST", "/dev/sms/status"): {"message_id": _ANY_ID, "status": "delivered"},
    ("PUT", "/usage/limits"): {"plan": "growth"},
    ("POST", "/sms-templates"): {"name": "B's", "body": "Hi {{first_name|there}}"},
    ("PATCH", "/sms-templates/{template_id}"): {"body": "Stolen {{first_name}}"},
}


def _in_300_days() -> str:
    return (datetime.now(UTC) + timedelta(days=300)).isoformat(timespec="seconds")


def seed(api: Any, token: str) -> dict[str, str]:
    number = api.post("/phone-numbers", {"number": "+14155550170", "label": "Main"}, token=token).body
    contact = api.post("/contacts", {"first_name": "Texted", "phone": "+14155550171"}, token=token).body
    message = api.post("/sms", {"contact_id": contact["id"], "body": "Secret text",
                                "send_at": _in_300_days()}, token=token).body
    template = api.post("/sms-templates", {"name": "Secret template", "body": "Secret {{first_name|there}}"},
                        token=token).body
    return {"number_id": number["id"], "message_id": message["id"], "template_id": template["id"]}


def snapshot(api: Any, token: str, ids: dict[str, str]) -> dict[str, Any]:
    return {"message": api.get(f"/sms/{ids['message_id']}", token=token).body,
            "numbers": api.get("/phone-numbers", token=token).body,
            "template": api.get(f"/sms-templates/{ids['template_id']}", token=token).body,
            "conversations": api.get("/conversations", token=token).body,
            "usage": api.get("/usage", token=token).body["counters"]["sms_segments"]}
