"""The automation runtime's send_email action, on the email send path (queued, once per action, suppression)."""
from __future__ import annotations

from typing import Any

from leadpilot.email import sending
from leadpilot.email.config import email_config
from leadpilot.email.provider import provider
from leadpilot.settings import Settings


def send_email_action(settings: Settings, workspace_id: str, contact_id: str, config: dict[str, Any],
                      context: dict[str, Any], *, flow_id: str, node: str, run_id: str, action_key: str
                      ) -> dict[str, Any]:
    """Queue the node's email for the run's contact; idempotency key = run id + the action's key."""
    queued = sending.send_for_flow(settings, email_config(), provider(settings.region), workspace_id, contact_id,
                                   config, context, flow_id=flow_id, node=node, run_id=run_id,
                                   idempotency_key=f"{run_id}#{action_key}")
    if queued.status == "skipped":
        return {"sent": False, "channel": "email", "message_id": queued.message_id, "reason": queued.reason}
    return {"sent": True, "channel": "email", "message_id": queued.message_id, "status": queued.status}
