"""Publishing a flow version to Step Functions (its machine, trigger index, schedule and hook URL), and deleting
a flow (it triggers nothing more). Above the triggers, which publishing arms and deleting disarms."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError

from leadpilot.api.cursors import decode_cursor, query_page
from leadpilot.automation.flows.compiler import compile_flow
from leadpilot.automation.flows.validate import validate_flow
from leadpilot.automation.runs import machines
from leadpilot.automation.runs.config import RuntimeConfig
from leadpilot.automation.runs.drafts import flow_item, flow_pk, trigger_pk
from leadpilot.automation.runs.models import FlowItem, FlowVersionItem
from leadpilot.automation.triggers import schedules
from leadpilot.automation.triggers.inbound_hooks import ensure_hook
from leadpilot.clock import now_iso
from leadpilot.db.base import transaction
from leadpilot.errors import Conflict
from leadpilot.identity.entities import Identity
from leadpilot.observability import metrics
from leadpilot.settings import Settings

_VERSION = re.compile(r"[0-9]{6}")


def delete_flow(identity: Identity, flow_id: str) -> None:
    """Delete the flow: it triggers nothing more. Published versions stay, so runs in flight finish."""
    flow_item(identity.workspace_id, flow_id).delete()
    schedules.disarm(identity.workspace_id, flow_id)
    metrics.add_metric(name="FlowDeleted", unit="Count", value=1)


def publish_flow(settings: Settings, config: RuntimeConfig, identity: Identity, flow_id: str) -> dict[str, Any]:
    """Validate and compile the draft, create its version's state machine, then record the version.

    Nothing is published when the draft is invalid. Each version has its own machine, so executions
    already running keep theirs. The machine is created before the records: a crash in between leaves
    an unused machine that the retried publish (same name) updates, never a version without a machine.
    """
    ws = identity.workspace_id
    item = flow_item(ws, flow_id)
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
        ensure_hook(settings, ws, flow_id)
    metrics.add_metric(name="FlowPublished", unit="Count", value=1)
    return {"flow_id": flow_id, "version": version, "state_machine_arn": arn, "trigger": flow.trigger,
            "published_at": now}


def list_versions(identity: Identity, flow_id: str, limit: int, cursor: str | None
                  ) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the flow's published versions, newest first (each keeps the document it was published with)."""
    ws = identity.workspace_id
    flow_item(ws, flow_id)  # another workspace's flow: 404, not an empty page
    after = decode_cursor(cursor, _VERSION.fullmatch)
    items, next_cursor = query_page(FlowVersionItem, flow_pk(ws, flow_id), "VERSION#", limit, after, newest_first=True)
    return [{"flow_id": flow_id, "version": int(i.version), "published_at": i.published_at,
             "published_by": i.published_by, "document": json.loads(i.document)} for i in items], next_cursor
