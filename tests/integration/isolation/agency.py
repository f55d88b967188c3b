"""Agency resources for the tenant-isolation suite: workspace A becomes an agency with a sub-account, a markup
and a template. Another workspace (an agency or not) gets 404 for every one of their ids."""
from __future__ import annotations

from typing import Any

ELSEWHERE = "01M80A45J90JMESM0AR82N1PFF"  # a well-formed id that is no sub-account of the caller
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/agency/sub-accounts"): {"name": "Beta's client", "timezone": "Europe/Paris"},
    ("PUT", "/agency/sub-accounts/{sub_account_id}/rebilling"): {"markups": {"sms_segments": 99}},
    ("POST", "/agency/templates"): {"source_workspace_id": ELSEWHERE, "name": "Stolen setup"},
    ("POST", "/agency/templates/{agency_template_id}/apply"): {"target_workspace_id": ELSEWHERE},
}


def seed(api: Any, token: str) -> dict[str, str]:
    agency = api.post("/agency", token=token)
    assert agency.status == 201, agency
    sub = api.post("/agency/sub-accounts", {"name": "Secret client", "timezone": "America/Chicago"}, token=token).body
    api.call("PUT", f"/agency/sub-accounts/{sub['id']}/rebilling", {"markups": {"emails": 25}}, token=token)
    template = api.post("/agency/templates", {"source_workspace_id": agency.body["id"], "name": "Secret setup"},
                        token=token).body
    return {"sub_account_id": sub["id"], "agency_template_id": template["id"]}


def secrets(ids: dict[str, str]) -> set[str]:
    return {"Secret client", "Secret setup"}


def snapshot(api: Any, token: str, ids: dict[str, str]) -> dict[str, Any]:
    sub = ids["sub_account_id"]
    return {"sub_account": api.get(f"/agency/sub-accounts/{sub}", token=token).body,
            "rebilling": api.get(f"/agency/sub-accounts/{sub}/rebilling", token=token).body,
            "template": api.get(f"/agency/templates/{ids['agency_template_id']}", token=token).body}
