"""Pipeline, stage and deal resources for the tenant-isolation suite."""
from __future__ import annotations

from typing import Any

_ANY_ID = "01M80A45J90JMESM0AR82N1PFF"  # well-formed; B's lookup of A's path id must refuse first

BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/pipelines"): {"name": "B's pipeline"},
    ("PATCH", "/pipelines/{pipeline_id}"): {"name": "Stolen"},
    ("POST", "/pipelines/{pipeline_id}/stages"): {"name": "Stolen stage", "kind": "open", "probability": 5},
    ("PATCH", "/pipelines/{pipeline_id}/stages/{stage_id}"): {"name": "Stolen"},
    ("PUT", "/pipelines/{pipeline_id}/stage-order"): {"stage_ids": [_ANY_ID]},
    ("POST", "/deals"): {"name": "B's deal", "pipeline_id": _ANY_ID, "contact_id": _ANY_ID},
    ("PATCH", "/deals/{deal_id}"): {"version": 1, "name": "Stolen"},
    ("POST", "/deals/{deal_id}/move"): {"version": 1, "stage_id": _ANY_ID},
}


def seed(api: Any, token: str) -> dict[str, str]:
    pipeline = api.post("/pipelines", {"name": "Secret sales"}, token=token).body
    contact = api.post("/contacts", {"first_name": "Deal", "email": "deal-contact@alpha.test"}, token=token).body
    deal = api.post("/deals", {"name": "Secret deal", "pipeline_id": pipeline["id"], "contact_id": contact["id"],
                               "value": "12345.67"}, token=token).body
    return {"pipeline_id": pipeline["id"], "stage_id": pipeline["stages"][1]["id"], "deal_id": deal["id"]}


def secrets(ids: dict[str, str]) -> set[str]:
    return {"Secret sales", "Secret deal", "12345.67"}


def snapshot(api: Any, token: str, ids: dict[str, str]) -> dict[str, Any]:
    deal = api.get(f"/deals/{ids['deal_id']}", token=token).body
    history = api.get(f"/deals/{ids['deal_id']}/history", token=token).body
    board = api.get(f"/pipelines/{ids['pipeline_id']}/board", token=token).body
    for item in [deal, *history["items"], *(d for s in board["stages"] for d in s["deals"])]:
        item.pop("seconds_in_stage", None)  # time passes between snapshots; everything else must not change
    return {"pipeline": api.get(f"/pipelines/{ids['pipeline_id']}", token=token).body, "deal": deal,
            "history": history | {"seconds_per_stage": None}, "board": board,
            "forecast": api.get(f"/pipelines/{ids['pipeline_id']}/forecast", token=token).body}
