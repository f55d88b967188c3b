"""Usage reports for the tenant-isolation suite: the workspace's report is its own ledger only (the workspace id
comes from the caller), and the platform's reports answer platform administrators only (403 to tenants, who are
checked on the collection routes like every other). No route takes an id."""
from __future__ import annotations

from typing import Any

BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/platform/usage/monthly-reports"): {"month": "2026-10"},
}


def seed(api: Any, token: str) -> dict[str, str]:
    return {}


def snapshot(api: Any, token: str, ids: dict[str, str]) -> dict[str, Any]:
    return {"report": api.get("/usage/reports?granularity=month", token=token).body}
