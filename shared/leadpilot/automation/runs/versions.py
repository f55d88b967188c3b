"""A published version's state machine, re-created from the version's document when Step Functions no longer
has it (the local cloud keeps no machines across a restart; on AWS this never happens)."""
from __future__ import annotations

import json

from leadpilot.automation.flows.compiler import compile_flow
from leadpilot.automation.flows.validate import validate_flow
from leadpilot.automation.runs import machines
from leadpilot.automation.runs.config import runtime_config
from leadpilot.automation.runs.models import FlowVersionItem
from leadpilot.errors import Conflict
from leadpilot.observability import logger


def restore_machine(region: str, workspace_id: str, flow_id: str, version: int) -> bool:
    """Create the version's machine again under its own name, unless it exists; True when it was re-created."""
    try:
        item = FlowVersionItem.get(f"WS#{workspace_id}#FLOW#{flow_id}", f"VERSION#{int(version):06d}")
    except FlowVersionItem.DoesNotExist as exc:
        raise Conflict("the flow version no longer exists", {"field": "flow_id"}) from exc
    if machines.machine_exists(region, str(item.state_machine_arn)):
        return False
    config = runtime_config()
    flow = validate_flow(json.loads(item.document), check_destinations=False)
    asl = compile_flow(flow, action_queue_url=config.need("actions_queue_url"),
                       time_scale=config.time_scale, flow_id=flow_id, version=int(version))
    name = str(item.state_machine_arn).rsplit(":", 1)[-1]
    created = machines.put_machine(region, config, name, asl)
    if created != item.state_machine_arn:
        logger.warning("re-created machine has another ARN", extra={"expected": item.state_machine_arn,
                                                                     "created": created})
    logger.info("state machine re-created", extra={"flow_id": flow_id, "version": version})
    return True
