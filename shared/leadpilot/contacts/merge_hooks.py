"""What other capabilities do when two contacts are merged: move their records (deals, tasks, notes,
conversations, ...) from the duplicate to the survivor.

A capability registers once, at import time of its module:
    merge_hooks.register("deals", reassign_contact)
where reassign_contact(settings, workspace_id, from_contact_id, to_contact_id) -> int returns how many
records it moved. Hooks run before the duplicate is deleted and must be idempotent: a merge that fails
afterwards is retried by the caller and runs them again.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable

from leadpilot.settings import Settings

Hook = Callable[[Settings, str, str, str], int]
_hooks: dict[str, Hook] = {}
# The capabilities that hold records about contacts, imported on first merge (not at cold start).
BUILT_IN = {"deals": "leadpilot.pipelines.merge", "tasks": "leadpilot.tasks.merge",
            "notes": "leadpilot.notes.service"}


def _load_built_ins() -> None:
    for name, module in BUILT_IN.items():
        _hooks.setdefault(name, importlib.import_module(module).reassign_contact)


def register(name: str, fn: Hook) -> None:
    """Register (or replace) the hook called `name`."""
    _hooks[name] = fn


def unregister(name: str) -> None:
    _hooks.pop(name, None)


def run_all(settings: Settings, workspace_id: str, from_contact_id: str, to_contact_id: str) -> dict[str, int]:
    """Call every hook, in registration order; returns the count each one reported."""
    _load_built_ins()
    return {name: int(fn(settings, workspace_id, from_contact_id, to_contact_id)) for name, fn in _hooks.items()}
