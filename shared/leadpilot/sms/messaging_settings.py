"""A workspace's messaging settings: business name, first-message footer, HELP contact and quiet hours."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import time
from typing import Any

from leadpilot.audit.log import changed, record
from leadpilot.clock import now_iso
from leadpilot.errors import ValidationFailed
from leadpilot.identity import store as identity_store
from leadpilot.identity.entities import Identity
from leadpilot.sms.models import MessagingSettingsItem

SK = "SETTINGS"


@dataclass(frozen=True)
class SmsSettings:
    business_name: str
    first_message_footer: bool = False
    help_contact: str | None = None
    quiet_hours_enabled: bool = False
    window_start: str = "08:00"
    window_end: str = "21:00"
    weekdays: list[int] = field(default_factory=lambda: [0, 1, 2, 3, 4, 5, 6])
    timezone: str | None = None  # the workspace's (the fallback when a contact's zone is unknown)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        quiet = {"enabled": data.pop("quiet_hours_enabled"), "start": data.pop("window_start"),
                 "end": data.pop("window_end"), "weekdays": data.pop("weekdays")}
        data.pop("timezone")
        return {**data, "quiet_hours": quiet}

    @property
    def window(self) -> tuple[time, time]:
        return time.fromisoformat(self.window_start), time.fromisoformat(self.window_end)


def pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#MESSAGING"


def load(workspace_id: str) -> SmsSettings:
    """The stored settings, or defaults named after the workspace."""
    workspace = identity_store.get_workspace_item(workspace_id)
    name = workspace.name if workspace is not None else "Our team"
    tz = workspace.timezone if workspace is not None else None
    try:
        item = MessagingSettingsItem.get(pk(workspace_id), SK)
    except MessagingSettingsItem.DoesNotExist:
        return SmsSettings(business_name=name, timezone=tz)
    return SmsSettings(business_name=item.business_name or name, first_message_footer=bool(item.first_message_footer),
                       help_contact=item.help_contact, quiet_hours_enabled=bool(item.quiet_hours_enabled),
                       window_start=item.window_start, window_end=item.window_end,
                       weekdays=_days(item.weekdays), timezone=tz)


def _days(value: Any) -> list[int]:
    return [int(d) for d in (value or [])]


def _hhmm(value: str, name: str) -> str:
    try:
        parsed = time.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed.field(name, "must be a time of day HH:MM") from exc
    return parsed.strftime("%H:%M")


def update(identity: Identity, body: dict[str, Any]) -> SmsSettings:
    """Change the settings sent (a partial update)."""
    current = load(identity.workspace_id)
    quiet = body.get("quiet_hours") or {}
    name = body.get("business_name", current.business_name).strip()
    if not name:
        raise ValidationFailed.field("business_name", "is empty")
    start = _hhmm(quiet.get("start", current.window_start), "quiet_hours/start")
    end = _hhmm(quiet.get("end", current.window_end), "quiet_hours/end")
    if start == end:
        raise ValidationFailed.field("quiet_hours/end", "must differ from start")
    days = sorted(set(quiet.get("weekdays", current.weekdays)))
    updated = SmsSettings(business_name=name,
                          first_message_footer=body.get("first_message_footer", current.first_message_footer),
                          help_contact=body.get("help_contact", current.help_contact),
                          quiet_hours_enabled=quiet.get("enabled", current.quiet_hours_enabled),
                          window_start=start, window_end=end, weekdays=days, timezone=current.timezone)
    MessagingSettingsItem(pk(identity.workspace_id), SK, business_name=updated.business_name,
                          first_message_footer=updated.first_message_footer, help_contact=updated.help_contact,
                          quiet_hours_enabled=updated.quiet_hours_enabled, window_start=start, window_end=end,
                          weekdays=days, updated_at=now_iso()).save()
    record(identity.workspace_id, "messaging.settings_changed", {"type": "workspace", "id": identity.workspace_id},
           changed(current.to_dict(), updated.to_dict()))
    return updated
