"""The automation runtime's way to text a contact: the same send path as the API, keyed by the action."""
from __future__ import annotations

import hashlib
from typing import Any

from leadpilot.settings import Settings
from leadpilot.sms.config import messaging_config
from leadpilot.sms.send import SendRefused, SendRequest, queue_sms
from leadpilot.usage import LimitReached


def send_for_flow(settings: Settings, workspace_id: str, contact_id: str, body: str, action_key: str,
                  actor: dict[str, str]) -> dict[str, Any]:
    """Queue a flow's (already rendered) text once per action; a refusal is an outcome, not an error.

    Do-not-contact and usage limits give {"sent": False, "reason": <code>}; bad input (too long, empty) raises
    ValidationFailed, which the action worker turns into the action's failure.
    """
    key = "flow-" + hashlib.sha256(action_key.encode()).hexdigest()[:40]
    request = SendRequest(contact_id=contact_id, body=body, actor=actor, idempotency_key=key, source="automation",
                          rendered=True)
    try:
        message, _ = queue_sms(settings, messaging_config(), workspace_id, request)
    except SendRefused as exc:
        return {"sent": False, "reason": exc.code}
    except LimitReached as exc:
        return {"sent": False, "reason": exc.code, "counter": exc.details.get("counter")}
    return {"sent": True, "channel": "sms", "message_id": message["id"], "status": message["status"]}
