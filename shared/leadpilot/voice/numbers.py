"""A phone number's voice configuration: defaults, validation beyond the schema, and storage."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pynamodb.exceptions import PutError

from leadpilot.clock import now_iso
from leadpilot.contact_points import normalize_phone
from leadpilot.errors import Conflict, ValidationFailed
from leadpilot.identity.entities import Identity
from leadpilot.sms import numbers as sms_numbers
from leadpilot.voice.models import VoiceSettingsItem

ALL_TOOLS = ["lookup_caller", "check_availability", "book_appointment", "reschedule_appointment",
             "cancel_appointment", "create_task", "create_note", "send_sms", "transfer_to_human", "end_call"]
OUTCOMES = ["interested", "booked", "not_interested", "wrong_number", "call_back_later", "voicemail_left",
            "transferred", "message_taken"]
DEFAULTS: dict[str, Any] = {
    "ai_enabled": True,
    "greeting": "Hello, thanks for calling. How can I help you today?",
    "instructions": "You are a friendly, concise receptionist. Keep answers to one or two sentences.",
    "knowledge": "",
    "tools": list(ALL_TOOLS),
    "event_type_id": None,
    "fallback_number": None,
    "ai_hours": None,  # None: the agent answers at all hours
    "recording": False,
    "recording_announcement": "This call may be recorded.",
    "language": "en-US",
    "voice": "en-US-Journey-O",
    "voicemail_message": "Hello, this is a message from us. Please call us back at your convenience. Thank you.",
    "outcome_labels": list(OUTCOMES),
    "calling_hours": {"start": "08:00", "end": "21:00"},
}
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class VoiceSettings:
    number_id: str
    number: str
    config: dict[str, Any]
    updated_at: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"number_id": self.number_id, "number": self.number, **self.config, "updated_at": self.updated_at}

    def ai_on_duty(self, at: datetime) -> bool:
        """Whether the AI answers now: on, and inside its hours (if it has any)."""
        hours = self.config.get("ai_hours")
        if not self.config["ai_enabled"]:
            return False
        if not hours:
            return True
        local = at.astimezone(ZoneInfo(hours["timezone"]))
        if hours.get("weekdays") and _WEEKDAYS[local.weekday()] not in hours["weekdays"]:
            return False
        return _clock(hours["start"]) <= local.time() < _clock(hours["end"])


def _clock(text: str) -> time:
    return time.max if text == "24:00" else time.fromisoformat(text)


def _pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#VOICE"


def load(workspace_id: str, number_id: str, number: str | None = None) -> VoiceSettings:
    """A number's voice configuration (defaults until saved); 404 naming number_id for another tenant's id."""
    if number is None:
        number = sms_numbers.get_number(workspace_id, number_id).number
    try:
        item = VoiceSettingsItem.get(_pk(workspace_id), f"NUMBER#{number_id}", consistent_read=True)
    except VoiceSettingsItem.DoesNotExist:
        return VoiceSettings(number_id, number, dict(DEFAULTS), None)
    return VoiceSettings(number_id, number, {**DEFAULTS, **json.loads(item.config)}, item.updated_at)


def _check(config: dict[str, Any], region: str) -> None:
    hours = config.get("ai_hours")
    if hours:
        try:
            ZoneInfo(hours["timezone"])
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationFailed.field("ai_hours/timezone", "is not an IANA time zone") from exc
        if _clock(hours["start"]) >= _clock(hours["end"]):
            raise ValidationFailed.field("ai_hours/end", "must be after start")
    calling = config["calling_hours"]
    if _clock(calling["start"]) >= _clock(calling["end"]):
        raise ValidationFailed.field("calling_hours/end", "must be after start")
    if config.get("fallback_number"):
        config["fallback_number"] = normalize_phone(config["fallback_number"], region, "fallback_number")
    if "transfer_to_human" in config["tools"] and not config.get("fallback_number"):
        config["tools"] = [t for t in config["tools"] if t != "transfer_to_human"]


def update(identity: Identity, number_id: str, changes: dict[str, Any]) -> VoiceSettings:
    """Save changes over the current configuration (optimistic: a concurrent save is a 409)."""
    current = load(identity.workspace_id, number_id)
    config = {**current.config, **changes}
    _check(config, identity.workspace.default_region)
    item = VoiceSettingsItem(_pk(identity.workspace_id), f"NUMBER#{number_id}", number_id=number_id,
                             config=json.dumps(config), updated_at=now_iso())
    condition = VoiceSettingsItem.updated_at.does_not_exist() if current.updated_at is None \
        else VoiceSettingsItem.updated_at == current.updated_at
    try:
        item.save(condition=condition)
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise Conflict("the voice configuration changed meanwhile; retry", {"field": "number_id"}) from exc
        raise
    return VoiceSettings(number_id, current.number, config, item.updated_at)
