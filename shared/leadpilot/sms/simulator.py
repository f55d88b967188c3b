"""The sandbox's other side: an inbound text or a delivery receipt, built as Twilio would post it, signed
with the sandbox token and handed to the same verification and handlers as a real webhook."""
from __future__ import annotations

import secrets
from typing import Any

from leadpilot.errors import NotFound, ValidationFailed
from leadpilot.messages.segments import segment_info
from leadpilot.settings import Settings
from leadpilot.sms import inbound as sms_inbound
from leadpilot.sms import numbers
from leadpilot.sms import status as sms_status
from leadpilot.sms import store as sms_store
from leadpilot.sms import webhooks as sms_webhooks
from leadpilot.sms.config import SANDBOX_ACCOUNT, MessagingConfig


def require_sandbox(config: MessagingConfig) -> None:
    if not config.sandbox:
        raise NotFound("the SMS simulator exists only in the sandbox (no Twilio credentials configured)")


def inbound_form(sender: str, to: str, body: str, sid: str | None = None) -> dict[str, str]:
    """The form Twilio posts for an inbound text."""
    return {"ToCountry": "US", "SmsMessageSid": sid or "", "NumMedia": "0", "SmsSid": sid or "",
            "SmsStatus": "received", "Body": body, "To": to, "NumSegments": str(max(1, segment_info(body).segments)),
            "MessageSid": sid or "", "AccountSid": SANDBOX_ACCOUNT, "From": sender, "ApiVersion": "2010-04-01"}


def new_sid() -> str:
    return "SM" + secrets.token_hex(16)


def simulate_inbound(settings: Settings, config: MessagingConfig, workspace_id: str, url: str,
                     body: dict[str, Any]) -> dict[str, Any]:
    """Post an inbound text to the workspace's number (the first one unless `to` names another)."""
    require_sandbox(config)
    owned = [n.number for n in numbers.list_numbers(workspace_id)]
    to = body.get("to") or (owned[0] if owned else None)
    if to is None:
        raise ValidationFailed.field("to", "the workspace has no phone number: add one (POST /phone-numbers)")
    if to not in owned:
        raise NotFound("the workspace has no such number", {"field": "to"})
    form = inbound_form(body["from"], to, body["body"], body.get("message_sid") or new_sid())
    sms_webhooks.verify(config, url, form, sms_webhooks.sign(config, url, form))
    sms_inbound.receive(settings, config, form)
    return {"message_sid": form["MessageSid"], "form": form}


def simulate_status(settings: Settings, config: MessagingConfig, workspace_id: str, url: str,
                    body: dict[str, Any]) -> dict[str, Any]:
    """Post a delivery receipt for one of the workspace's outbound texts."""
    require_sandbox(config)
    item = sms_store.get_item(workspace_id, body["message_id"])
    if item is None or item.direction != "outbound":
        raise NotFound("message not found", {"field": "message_id"})
    if not item.provider_sid:
        raise ValidationFailed.field("message_id", f"has not been handed to the provider yet (it is {item.status})")
    form = {"MessageSid": item.provider_sid, "SmsSid": item.provider_sid, "MessageStatus": body["status"],
            "SmsStatus": body["status"], "AccountSid": SANDBOX_ACCOUNT, "From": item.from_, "To": item.to,
            "ApiVersion": "2010-04-01"}
    if body.get("error_code"):
        form["ErrorCode"] = str(body["error_code"])
    sms_webhooks.verify(config, url, form, sms_webhooks.sign(config, url, form))
    result = sms_status.on_status(settings, form)
    return {"result": result, "message": sms_store.get_message(workspace_id, item.message_id)}
