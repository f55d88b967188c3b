"""Flow use cases: drafts (create, list, get, update) and the published flows triggers start.

Publishing a version to Step Functions and deleting a flow are in `leadpilot.automation.publishing`.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from pynamodb.exceptions import UpdateError

from leadpilot.api.cursors import decode_cursor, query_page
from leadpilot.automation.flows.validate import validate_flow
from leadpilot.automation.runs.models import FlowItem
from leadpilot.clock import now_iso
from leadpilot.errors import Conflict, NotFound
from leadpilot.identity.entities import Identity
from leadpilot.ids import new_id
from leadpilot.observability import metrics


@dataclass(frozen=True)
class FlowView:
    """A flow as the API shows it."""

    id: str
    name: str
    status: str
    published_version: int | None
    document: dict[str, Any]
    created_at: str
    updated_at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def flows_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#FLOWS"


def flow_pk(workspace_id: str, flow_id: str) -> str:
    return f"WS#{workspace_id}#FLOW#{flow_id}"


def trigger_pk(workspace_id: str, event_type: str) -> str:
    return f"WS#{workspace_id}#FLOW_TRIGGER#{event_type}"


def _view(item: FlowItem) -> FlowView:
    return FlowView(id=item.flow_id, name=item.name, status=item.status,
                    published_version=int(item.published_version) or None, document=json.loads(item.draft),
                    created_at=item.created_at, updated_at=item.updated_at)


def flow_item(workspace_id: str, flow_id: str) -> FlowItem:
    """The flow's item in the caller's workspace, or NotFound."""
    try:
        return FlowItem.get(flows_pk(workspace_id), f"FLOW#{flow_id}")
    except FlowItem.DoesNotExist as exc:
        raise NotFound("flow not found", {"field": "flow_id"}) from exc


def create_flow(identity: Identity, document: dict[str, Any]) -> FlowView:
    """Save a new draft; the document must be a valid flow (errors name the node and field)."""
    flow = validate_flow(document)
    now, flow_id = now_iso(), new_id()
    item = FlowItem(flows_pk(identity.workspace_id), f"FLOW#{flow_id}", flow_id=flow_id,
                    workspace_id=identity.workspace_id, name=flow.name, draft=json.dumps(document), created_at=now,
                    updated_at=now)
    item.save(condition=FlowItem.PK.does_not_exist())
    metrics.add_metric(name="FlowCreated", unit="Count", value=1)
    return _view(item)


def list_flows(identity: Identity, limit: int, cursor: str | None) -> tuple[list[FlowView], str | None]:
    """A page of the workspace's flows, oldest first."""
    items, next_cursor = query_page(FlowItem, flows_pk(identity.workspace_id), "FLOW#", limit, decode_cursor(cursor))
    return [_view(i) for i in items], next_cursor


def get_flow(identity: Identity, flow_id: str) -> FlowView:
    return _view(flow_item(identity.workspace_id, flow_id))


def update_flow(identity: Identity, flow_id: str, changes: dict[str, Any]) -> FlowView:
    """Replace top-level parts of the draft; the published version (and runs in flight) are untouched."""
    item = flow_item(identity.workspace_id, flow_id)
    document = {**json.loads(item.draft), **changes}
    flow = validate_flow(document)
    revision = int(item.revision)
    try:
        item.update(actions=[FlowItem.draft.set(json.dumps(document)), FlowItem.name.set(flow.name),
                             FlowItem.updated_at.set(now_iso()), FlowItem.revision.set(revision + 1)],
                    condition=FlowItem.revision == revision)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise Conflict("the flow was changed meanwhile; reload it and retry", {"field": "flow_id"}) from exc
        raise
    return _view(item)


@dataclass(frozen=True)
class PublishedFlow:
    """What the trigger consumer needs of a published flow."""

    flow_id: str
    version: int
    state_machine_arn: str
    trigger: dict[str, Any]


def published_for(workspace_id: str, event_type: str) -> list[PublishedFlow]:
    """The workspace's published flows triggered by an event type (GSI1, no scan)."""
    items = FlowItem.gsi1.query(trigger_pk(workspace_id, event_type), FlowItem.GSI1SK.startswith("FLOW#"))
    return [PublishedFlow(i.flow_id, int(i.published_version), str(i.state_machine_arn),
                          json.loads(i.published_trigger or "{}"))
            for i in items if isinstance(i, FlowItem) and i.state_machine_arn]
