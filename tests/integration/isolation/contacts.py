"""Contact resources for the tenant-isolation suite: contacts, custom fields, tags, segments, scoring."""
from __future__ import annotations

from typing import Any

OTHER_ID = "01M80A45J90JMESM0AR82N1PFF"

BODIES: dict[tuple[str, str], Any] = {
    ("PATCH", "/contacts/{contact_id}"): {"company": "Stolen Inc"},
    ("POST", "/contacts"): {"first_name": "B's contact"},
    ("POST", "/contacts/{contact_id}/tags"): {"add": ["stolen"], "remove": ["alpha-secret-tag"]},
    ("POST", "/contacts/{contact_id}/merge"): {"duplicate_id": OTHER_ID},
    ("POST", "/contact-fields"): {"key": "b_field", "label": "B field", "type": "text"},
    ("PATCH", "/contact-fields/{field_key}"): {"label": "Stolen"},
    ("PATCH", "/tags/{tag}"): {"name": "stolen"},
    ("POST", "/segments"): {"name": "B segment", "filter": {"tags": {"any": ["vip"]}}},
    ("PATCH", "/segments/{segment_id}"): {"name": "Stolen"},
    ("PUT", "/contact-scoring"): {"rules": [{"name": "B rule", "points": 5, "when": {"tag": "vip"}}]},
}


def seed(api: Any, token: str) -> dict[str, str]:
    field = api.post("/contact-fields", {"key": "alpha_secret_field", "label": "Secret", "type": "text"},
                     token=token).body
    contact = api.post("/contacts", {"first_name": "Secret", "email": "secret@alpha.test", "tags": ["alpha-secret-tag"],
                                     "custom_fields": {field["key"]: "classified"}}, token=token).body
    segment = api.post("/segments", {"name": "Alpha secrets", "filter": {"tags": {"all": ["alpha-secret-tag"]}}},
                       token=token).body
    rules = [{"name": "Secret rule", "points": 7, "when": {"tag": "alpha-secret-tag"}}]
    api.call("PUT", "/contact-scoring", {"rules": rules}, token=token)
    return {"contact_id": contact["id"], "field_key": field["key"], "tag": "alpha-secret-tag",
            "segment_id": segment["id"]}


def secrets(ids: dict[str, str]) -> set[str]:
    return {"secret@alpha.test", "classified", "Alpha secrets", "Secret rule"}


def snapshot(api: Any, token: str, ids: dict[str, str]) -> dict[str, Any]:
    cid, sid = ids["contact_id"], ids["segment_id"]
    return {"contact": api.get(f"/contacts/{cid}", token=token).body,
            "activity": api.get(f"/contacts/{cid}/activity", token=token).body,
            "timeline": api.get(f"/contacts/{cid}/timeline", token=token).body,
            "score": api.get(f"/contacts/{cid}/score", token=token).body,
            "fields": api.get("/contact-fields", token=token).body,
            "tags": api.get("/tags", token=token).body,
            "segment": api.get(f"/segments/{sid}", token=token).body,
            "segment_contacts": api.get(f"/segments/{sid}/contacts", token=token).body,
            "scoring": api.get("/contact-scoring", token=token).body}
