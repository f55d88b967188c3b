"""Twilio's asynchronous answering-machine verdict on an outbound call, seconds after the agent started talking:
a machine's call is redirected to the voicemail message (said after the beep, then hang up), a fax's hung up, a
person's left with the agent."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pynamodb.exceptions import UpdateError

from leadpilot.clock import now_iso
from leadpilot.errors import ValidationFailed
from leadpilot.observability import logger
from leadpilot.settings import Settings
from leadpilot.sms.config import MessagingConfig
from leadpilot.sms.provider import workspace_config
from leadpilot.voice import numbers as voice_numbers
from leadpilot.voice import provider, twiml
from leadpilot.voice.answer import field, voicemail_twiml
from leadpilot.voice.models import CallItem

LIVE = ("queued", "ringing", "in_progress")


def on_amd(settings: Settings, messaging: MessagingConfig, call: CallItem, form: Mapping[str, str]) -> str:
    """Apply one verdict; returns "voicemail", "hung_up", "person" or "ended" (the call was no longer live, or
    Twilio repeated the callback)."""
    answered_by = field(form, "AnsweredBy")[:40]
    sid = field(form, "CallSid")
    if call.provider_sid and call.provider_sid != sid:
        raise ValidationFailed.field("CallSid", "is not this call's")
    voicemail = answered_by.startswith("machine_end")  # DetectMessageEnd: after the beep, silence or other
    machine = voicemail or answered_by in ("fax", "machine_start")
    actions: list[Any] = [CallItem.answered_by.set(answered_by), CallItem.updated_at.set(now_iso()),
               *([CallItem.status.set("voicemail")] if voicemail else [])]
    try:  # once per call: a repeated machine verdict finds the call no longer live
        call.update(actions=actions, condition=CallItem.status.is_in(*LIVE))
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return "ended"
    if not machine:
        return "person"
    if voicemail:
        config = voice_numbers.load(call.workspace_id, call.number_id or "", call.from_)
        document = voicemail_twiml(call, config.config)
    else:
        document = twiml.goodbye(None)
    try:  # the agent's session ends with the redirect; the message is said to the machine after its beep
        provider.calls_for(workspace_config(settings, messaging, call.workspace_id)).redirect(sid, document)
    except Exception as exc:  # the provider's boundary: the call goes on and ends as Twilio reports it
        logger.warning("redirecting a machine-answered call failed",
                       extra={"call_id": call.call_id, "error": type(exc).__name__})
    return "voicemail" if voicemail else "hung_up"

