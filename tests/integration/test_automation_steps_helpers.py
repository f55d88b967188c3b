"""Helpers of the tests of the runtime's newer steps (no tests here): publish, enroll by tag, run to the end."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tests.integration.conftest import drain_queue
from tests.integration.test_automation_runtime_helpers import automations, deliver, trigger_envelopes
from tests.support.apps import Api


def tagged_flow(tag: str, nodes: list[dict[str, Any]], edges: list[dict[str, Any]],
                name: str = "Steps") -> dict[str, Any]:
    """A flow started by adding `tag`; `start` (the trigger) leads to the first of `nodes`."""
    return {"name": name, "trigger": {"event": "contact.tag_added",
                                      "filters": [{"var": "trigger.data.tag", "op": "eq", "value": tag}]},
            "nodes": [{"id": "start", "type": "trigger"}, *nodes],
            "edges": [{"from": "start", "to": nodes[0]["id"]}, *edges]}


def enroll(cloud: Any, api: Api, token: str, flow: dict[str, Any],
           contact: dict[str, Any] | None = None) -> tuple[str, str, str]:
    """Publish the flow, create a contact and add the flow's trigger tag: (flow id, contact id, run id)."""
    created = api.post("/flows", flow, token=token)
    assert created.status == 201, created
    flow_id = created.body["id"]
    assert api.post(f"/flows/{flow_id}/publish", token=token).status == 201
    person = api.post("/contacts", contact or {"first_name": "Ada", "phone": "+14155550101",
                                               "email": "ada@example.com"}, token=token).body
    trigger_envelopes(cloud)
    tag = flow["trigger"]["filters"][0]["value"]
    assert api.post(f"/contacts/{person['id']}/tags", {"add": [tag]}, token=token).status == 200
    deliver(trigger_envelopes(cloud))
    runs = api.get(f"/flows/{flow_id}/runs", token=token).body["items"]
    assert len(runs) == 1, runs
    return flow_id, person["id"], runs[0]["id"]


def run_to_end(cloud: Any, api: Api, token: str, run_id: str, limit_s: float = 30,
               between: Callable[[], None] | None = None) -> dict[str, Any]:
    """Play the action worker (and `between`, each round) until the run ends; the run as the API shows it."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        drain_queue(cloud, "AutomationActionsQueue", automations().on_action)
        if between is not None:
            between()
        run = api.get(f"/runs/{run_id}", token=token).body
        if run["status"] != "running":
            return dict(run)
        time.sleep(0.1)
    raise TimeoutError(f"run {run_id} still running after {limit_s}s")


def contact_tags(api: Api, token: str, contact_id: str) -> list[str]:
    return list(api.get(f"/contacts/{contact_id}", token=token).body["tags"])
