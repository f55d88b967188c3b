"""Every platform-administrator action, recorded: who did what to which workspace, and what changed.

Written as one structured log line (`platform_action`) until the audit log takes these entries; callers use
only `record`, so pointing it at the audit log changes no caller.
"""
from __future__ import annotations

from typing import Any

from leadpilot.identity.entities import Identity
from leadpilot.observability import logger


def record(identity: Identity, action: str, target: str, changes: dict[str, Any] | None = None) -> None:
    """Record one platform action (`workspace.suspended`, `settings.updated`, ...) on `target`."""
    logger.info("platform_action", extra={"platform_action": {
        "action": action, "target": target, "changes": changes or {},
        "actor": {**identity.actor(), "workspace_id": identity.workspace_id}}})
