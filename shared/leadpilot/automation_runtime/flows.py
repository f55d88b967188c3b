"""Flow use cases: drafts (create, list, get, update, delete) and publishing a version to Step Functions."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError, UpdateError

from leadpilot.api.cursors import decode_cursor, query_page
from leadpilot.automation_runtime import machines, schedules
from leadpilot.automation_runtime.config import RuntimeConfig
from leadpilot.automation_runtime.models import FlowItem, FlowVersionItem
from leadpilot.automations.compiler import compile_flow
from leadpilot.automations.validate import validate_flow
from leadpilot.clock import now_iso
from leadpilot.db.base import transaction
from leadpilot.errors import Conflict, NotFound
from leadpilot.identity.entities import Identity
from leadpilot.ids import new_id
from leadpilot.observability import metrics
from leadpilot.settings import Settings


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


def _item(workspace_id: str, flow_id: str) -> FlowItem:
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
    return _view(_item(identity.workspace_id, flow_id))


def update_flow(identity: Identity, flow_id: str, changes: dict[str, Any]) -> FlowView:
    """Replace top-level parts of the draft; the published version (and runs in flight) are untouched."""
    item = _item(identity.workspace_id, flow_id)
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


def delete_flow(identity: Identity, flow_id: str) -> None:
    """Delete the flow: it triggers nothing more. Published versions stay, so runs in flight finish."""
    _item(identity.workspace_id, flow_id).delete()
    schedules.disarm(identity.workspace_id, flow_id)
    metrics.add_metric(name="FlowDeleted", unit="Count", value=1)


def publish_flow(settings: Settings, config: RuntimeConfig, identity: Identity, flow_id: str) -> dict[str, Any]:
    """Validate and compile the draft, create its version's state machine, then record the version.

    Nothing is published when the draft is invalid. Each version has its own machine, so executions
    already running keep theirs. The machine is created before the records: a crash in between leaves
    an unused machine that the retried publish (same name) updates, never a version without a machine.
    """
    ws = identity.workspace_id
    item = _item(ws, flow_id)
    flow = validate_flow(json.loads(item.draft))
    version = int(item.published_version) + 1
    asl = compile_flow(flow, action_queue_url=config.need("actions_queue_url"), time_scale=config.time_scale,
                       flow_id=flow_id, version=version)
    arn = machines.put_machine(settings.region, config, machines.machine_name(config, ws, flow_id, version), asl)
    now = now_iso()
    trigger_event = str(flow.trigger["event"])
    version_item = FlowVersionItem(flow_pk(ws, flow_id), f"VERSION#{version:06d}", flow_id=flow_id, version=version,
                                   document=item.draft, state_machine_arn=arn, published_at=now,
                                   published_by=identity.principal_id)
    try:
        with transaction(settings) as txn:
            txn.save(version_item, condition=FlowVersionItem.PK.does_not_exist())
            txn.update(item, actions=[
                FlowItem.status.set("published"), FlowItem.published_version.set(version),
                FlowItem.published_trigger.set(json.dumps(flow.trigger)), FlowItem.state_machine_arn.set(arn),
                FlowItem.GSI1PK.set(trigger_pk(ws, trigger_event)), FlowItem.GSI1SK.set(f"FLOW#{flow_id}"),
                FlowItem.updated_at.set(now), FlowItem.revision.set(int(item.revision) + 1)],
                condition=FlowItem.revision == int(item.revision))
    except TransactWriteError as exc:
        raise Conflict("the flow was changed or published meanwhile; retry", {"field": "flow_id"}) from exc
    schedules.arm(ws, identity.workspace.timezone, flow_id, version, flow.trigger, datetime.now(UTC))
    if trigger_event == "webhook.received":
        from leadpilot.automation_runtime.inbound_hooks import ensure_hook

        ensure_hook(settings, ws, flow_id)
    metrics.add_metric(name="FlowPublished", unit="Count", value=1)
    return {"flow_id": flow_id, "version": version, "state_machine_arn": arn, "trigger": flow.trigger,
            "published_at": now}


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
