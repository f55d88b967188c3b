"""Answering parked callback tokens from the triggers queue: human handoffs (task.completed) and Wait for Event.

Called for every envelope the trigger consumer receives, after `triggers.on_envelope` (which starts flows and
answers replies); see ADR 0012 for where the hook sits.
"""
from __future__ import annotations

from typing import Any

from leadpilot.automation.steps import handoff, waits
from leadpilot.automation.triggers.triggers import STATUS_CHANGE
from leadpilot.settings import Settings


def on_envelope(settings: Settings, envelope: dict[str, Any]) -> int:
    """Resume the runs one domain event answers; returns how many resumed."""
    if envelope.get("detail-type") == STATUS_CHANGE or not isinstance(envelope.get("detail"), dict):
        return 0
    event = envelope["detail"]
    return handoff.answer(settings, event) + waits.answer_event(settings, event)
