"""The sandbox's side of a test call from the dashboard: an inbound call to one of the workspace's numbers and
its hang-up, built as Twilio would post them, signed with the sandbox token and handed to the same verification
and handlers. The browser then speaks ConversationRelay on the returned relay URL, as Twilio would."""
from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from html import unescape
from typing import Any

from leadpilot.settings import Settings
from leadpilot.sms import numbers as sms_numbers
from leadpilot.sms import webhooks as sms_webhooks
from leadpilot.sms.config import SANDBOX_ACCOUNT, MessagingConfig
from leadpilot.sms.simulator import require_sandbox
from leadpilot.voice import answer, calls, status
from leadpilot.voice.answer import Urls

TEST_CALLER = "+15005550006"  # Twilio's magic test number


def _signed(config: MessagingConfig, url: str, form: dict[str, str]) -> dict[str, str]:
    form = {"AccountSid": SANDBOX_ACCOUNT, "ApiVersion": "2010-04-01", **form}
    sms_webhooks.verify(config, url, form, sms_webhooks.sign(config, url, form))
    return form


def start_call(settings: Settings, config: MessagingConfig, urls: Urls, workspace_id: str,
               body: dict[str, Any]) -> dict[str, Any]:
    """Ring one of the workspace's numbers: the call, LeadPilot's TwiML answer and the relay URL to speak on."""
    require_sandbox(config)
    number = sms_numbers.get_number(workspace_id, body["number_id"])
    sid = "CA" + secrets.token_hex(16)
    form = _signed(config, f"{urls.base}/webhooks/twilio/voice",
                   {"CallSid": sid, "From": body.get("from") or TEST_CALLER, "To": number.number,
                    "CallStatus": "ringing", "Direction": "inbound"})
    document = answer.answer(settings, urls, form, None, None, None)
    found = re.search(r'<ConversationRelay url="([^"]+)"', document)
    call = calls.by_sid(sid)
    return {"call": calls.to_dict(call) if call else None, "twiml": document,
            "relay_url": unescape(found.group(1)) if found else None, "call_sid": sid}


def hang_up(settings: Settings, config: MessagingConfig, urls: Urls, workspace_id: str, call_id: str) -> dict[str, Any]:
    """The caller hangs up: Twilio's `completed` status callback, with the call's duration so far."""
    require_sandbox(config)
    call = calls.get_item(workspace_id, call_id)
    began = datetime.fromisoformat((call.started_at or call.created_at).replace("Z", "+00:00"))
    duration = max(1, int((datetime.now(UTC) - began).total_seconds()))
    form = _signed(config, urls.hook("status", workspace_id, call_id),
                   {"CallSid": call.provider_sid or "", "CallStatus": "completed", "CallDuration": str(duration)})
    status.on_status(settings, form, None, workspace_id, call_id)
    return calls.get_call(workspace_id, call_id)
