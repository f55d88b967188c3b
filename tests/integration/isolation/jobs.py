"""Job resources for the tenant-isolation suite."""
from __future__ import annotations

from typing import Any

BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/imports"): {"csv": "First Name,Email\nB,b@b.test\n"},
    ("POST", "/exports"): {},
    ("POST", "/bulk-actions"): {"action": "tag", "contact_ids": ["01M80A45J90JMESM0AR82N1PFF"], "tags": ["x"]},
}


def seed(api: Any, token: str) -> dict[str, str]:
    job = api.post("/exports", {}, token=token).body
    return {"job_id": job["id"]}


def snapshot(api: Any, token: str, ids: dict[str, str]) -> dict[str, Any]:
    return {"job": api.get(f"/jobs/{ids['job_id']}", token=token).body}
