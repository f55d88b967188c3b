"""A published version's state machines, made from the version's document when Step Functions does not have
them: the machine for new runs again (the local cloud keeps no machines across a restart; on AWS this never
happens), and the entry machine the first time a run of the version is restarted, resumed or recovered."""
from __future__ import annotations

import json

from leadpilot.automation.flows.compiler import compile_flow
from leadpilot.automation.flows.validate import validate_flow
from leadpilot.automation.runs import machines
from leadpilot.automation.runs.config import runtime_config
from leadpilot.automation.runs.models import FlowVersionItem
from leadpilot.errors import Conflict
from leadpilot.observability import logger


def restore_machine(region: str, workspace_id: str, flow_id: str, version: int, *, entry: bool = False) -> bool:
    """Create the version's machine (with `entry`: its entry machine) under its own name, unless it exists; True
    when it was created."""
    try:
        item = FlowVersionItem.get(f"WS#{workspace_id}#FLOW#{flow_id}", f"VERSION#{int(version):06d}")
    except FlowVersionItem.DoesNotExist as exc:
        raise Conflict("the flow version no longer exists", {"field": "flow_id"}) from exc
    arn = machines.entry_machine(str(item.state_machine_arn)) if entry else str(item.state_machine_arn)
    if machines.machine_exists(region, arn):
        return False
    config = runtime_config()
    flow = validate_flow(json.loads(item.document), check_destinations=False)
    asl = compile_flow(flow, action_queue_url=config.need("actions_queue_url"),
                       time_scale=config.time_scale, flow_id=flow_id, version=int(version), entry=entry)
    created = machines.put_machine(region, config, arn.rsplit(":", 1)[-1], asl)
    if created != arn:
        logger.warning("re-created machine has another ARN", extra={"expected": arn, "created": created})
    logger.info("state machine created", extra={"flow_id": flow_id, "version": version, "entry": entry})
    return True
