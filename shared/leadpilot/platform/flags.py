"""Feature flags per workspace, set by platform administrators; `enabled` is what other capabilities ask:

    from leadpilot.platform.flags import enabled
    if enabled(workspace_id, "ai_voice"): ...

A flag not set is off. Answers are kept per process for CACHE_S, so asking on every request costs nothing.
"""
from __future__ import annotations

import re
import threading
import time
from typing import Any

from pynamodb.exceptions import DoesNotExist

from leadpilot.clock import now_iso
from leadpilot.errors import ValidationFailed
from leadpilot.platform.models import WorkspaceFlagsItem

CACHE_S = 30.0
FLAGS_SK = "FLAGS"
MAX_FLAGS = 100
NAME = re.compile(r"[a-z][a-z0-9_.-]{0,63}")
_cache: dict[str, tuple[float, dict[str, bool]]] = {}
_lock = threading.Lock()


def _pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#PLATFORM"


def get_flags(workspace_id: str) -> dict[str, bool]:
    """The workspace's flags as stored (consistent read)."""
    try:
        item = WorkspaceFlagsItem.get(_pk(workspace_id), FLAGS_SK, consistent_read=True)
    except DoesNotExist:
        return {}
    raw = item.flags.as_dict() if hasattr(item.flags, "as_dict") else dict(item.flags or {})
    return {str(name): bool(value) for name, value in raw.items()}


def applied(current: dict[str, bool], changes: dict[str, Any]) -> dict[str, bool]:
    """The flags after the changes (true/false sets, null clears); a bad name is a 422 naming it."""
    after = dict(current)
    for name, value in changes.items():
        if not NAME.fullmatch(name):
            raise ValidationFailed.field(f"flags/{name}", "a flag name is lower case letters, digits, _ . or -")
        if value is None:
            after.pop(name, None)
        else:
            after[name] = bool(value)
    if len(after) > MAX_FLAGS:
        raise ValidationFailed.field("flags", f"a workspace has at most {MAX_FLAGS} flags")
    return after


def set_flags(workspace_id: str, changes: dict[str, Any], actor_id: str) -> dict[str, bool]:
    """Set (true/false) or clear (null) flags by name; returns every flag after the change."""
    current = applied(get_flags(workspace_id), changes)
    WorkspaceFlagsItem(_pk(workspace_id), FLAGS_SK, flags=current, updated_at=now_iso(), updated_by=actor_id).save()
    with _lock:
        _cache[workspace_id] = (time.monotonic(), dict(current))
    return current


def enabled(workspace_id: str, flag: str) -> bool:
    """Whether the flag is on for the workspace (off when never set); read at most once per CACHE_S."""
    now = time.monotonic()
    with _lock:
        cached = _cache.get(workspace_id)
    if cached is None or now - cached[0] >= CACHE_S:
        cached = (now, get_flags(workspace_id))
        with _lock:
            _cache[workspace_id] = cached
    return bool(cached[1].get(flag, False))
