"""A suspended workspace: its credentials answer 403 `workspace_suspended`, and its sends are refused.

The API check is free: authenticating already reads the workspace item, which carries the status and the
reason. Send paths that run without a request (queue workers) ask `refuse_if_suspended`, which reads the
workspace item at most once per `CACHE_S` per process, so a burst of sends costs one read.
"""
from __future__ import annotations

import threading
import time

from leadpilot.db.identity_models import WorkspaceItem
from leadpilot.errors import Forbidden
from leadpilot.identity import store

SUSPENDED = "suspended"
CACHE_S = 15.0
_cache: dict[str, tuple[float, str | None]] = {}
_lock = threading.Lock()


class WorkspaceSuspended(Forbidden):
    """The workspace is suspended by the platform: nothing may act for it until it is reactivated."""

    code = "workspace_suspended"


def refusal(reason: str | None) -> WorkspaceSuspended:
    return WorkspaceSuspended(f"this workspace is suspended: {reason or 'no reason given'}",
                              {"reason": reason or ""})


def check_item(item: WorkspaceItem) -> None:
    """403 `workspace_suspended` naming the reason when this (already read) workspace is suspended."""
    if item.status == SUSPENDED:
        raise refusal(item.suspended_reason)


def suspended_reason(workspace_id: str) -> str | None:
    """The reason the workspace is suspended (None: it is not), read at most once per CACHE_S."""
    now = time.monotonic()
    with _lock:
        cached = _cache.get(workspace_id)
    if cached is not None and now - cached[0] < CACHE_S:
        return cached[1]
    item = store.get_workspace_item(workspace_id)
    reason = (item.suspended_reason or "suspended") if item is not None and item.status == SUSPENDED else None
    with _lock:
        _cache[workspace_id] = (now, reason)
    return reason


def refuse_if_suspended(workspace_id: str) -> None:
    """Raise WorkspaceSuspended (403) when the workspace is suspended: for outbound sends."""
    reason = suspended_reason(workspace_id)
    if reason is not None:
        raise refusal(reason)


def forget(workspace_id: str) -> None:
    """Drop the cached answer (this process changed the status: it sees the change at once)."""
    with _lock:
        _cache.pop(workspace_id, None)
