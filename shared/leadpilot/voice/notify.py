"""In-app notifications about calls: a missed inbound call, a call handed to a person."""
from __future__ import annotations

from leadpilot.identity import store as identity_store
from leadpilot.notifications.service import notify
from leadpilot.observability import logger
from leadpilot.settings import Settings
from leadpilot.voice.models import CallItem


def notify_owner(settings: Settings, call: CallItem, kind: str, title: str) -> None:
    """Tell the contact's owner, else the workspace's owners; a failure here never fails the call's webhook."""
    try:
        members = identity_store.members_of(call.workspace_id)
        targets = [m.user_id for m in members if m.role == "owner"]
        link = f"/calls/{call.call_id}"
        for user_id in targets:
            notify(settings, call.workspace_id, user_id, kind, title, None, link)
    except Exception:
        logger.exception("call notification not sent", extra={"call_id": call.call_id, "kind": kind})
