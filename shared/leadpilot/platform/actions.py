"""Every platform-administrator action, recorded: who did what to which workspace, and what changed.

Each action goes to the platform's audit log and, when it concerns one workspace, to that workspace's log too
(its owners see that the platform suspended or changed it), besides one structured log line.
"""
from __future__ import annotations

from typing import Any

from leadpilot.audit.log import record as record_workspace
from leadpilot.audit.log import record_platform
from leadpilot.identity.entities import Identity
from leadpilot.observability import logger

PLATFORM_TARGET = "platform"


def record(identity: Identity, action: str, target: str, changes: dict[str, Any] | None = None, *,
           workspace_log: bool = True) -> None:
    """Record one platform action (`workspace.suspended`, `settings.updated`, ...) on `target` (a workspace id,
    or "platform" for the platform's own settings); `workspace_log=False` keeps it out of the workspace's own log
    (a workspace being erased)."""
    actor = {**identity.actor(), "workspace_id": identity.workspace_id}
    logger.info("platform_action", extra={"platform_action": {
        "action": action, "target": target, "changes": changes or {}, "actor": actor}})
    about = {"type": "platform"} if target == PLATFORM_TARGET else {"type": "workspace", "id": target}
    record_platform(f"platform.{action}", about, changes)
    if workspace_log and target != PLATFORM_TARGET:
        record_workspace(target, f"platform.{action}", about, changes)
