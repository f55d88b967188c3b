"""A workspace's contact configuration (custom-field definitions and scoring rules), cached per process.

Every contacts route needs the definitions (to validate values and hide deleted fields) and writes need the
scoring rules. Reading them costs a Query and a GetItem per request; they change rarely. Each change bumps a
version counter in the same transaction (the workspace's ConfigVersionsItem, `contacts`), and a process keeps
the last copy it read per workspace with the version it read it at.

Consistency: every use checks the version with a strongly consistent read. A request's caller is verified by
a BatchGetItem that reads the version too (`Identity.contact_config_version`, `for_identity`), so an HTTP route
checks its copy at no extra call; other callers (queue workers, jobs) read it with one GetItem. A change made
through any Lambda instance is thus seen by the next request everywhere — never a stale copy for a TTL. The
version is read before the configuration: a change in between leaves a newer copy under an older version,
which the next check replaces.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock
from typing import Any

from pynamodb.exceptions import DoesNotExist

from leadpilot.contacts import fields, scoring
from leadpilot.db.identity_models import ConfigVersionsItem
from leadpilot.identity.entities import Identity
from leadpilot.identity.store import config_versions_key

MAX_WORKSPACES = 1000  # copies kept per process (least recently used dropped): a few KB each


@dataclass(frozen=True)
class ContactConfig:
    version: int
    definitions: dict[str, fields.FieldDefinition]
    scoring: dict[str, Any]


_cache: OrderedDict[str, ContactConfig] = OrderedDict()
_lock = Lock()  # the local host serves requests on threads


def bump(workspace_id: str) -> tuple[ConfigVersionsItem, list[Any]]:
    """The version item and the update actions that count one change (for the change's own transaction)."""
    item = ConfigVersionsItem(*config_versions_key(workspace_id))
    return item, [ConfigVersionsItem.contacts.add(1), ConfigVersionsItem.kind.set(ConfigVersionsItem)]


def read_version(workspace_id: str) -> int:
    """The current version (0 before the first change): one strongly consistent GetItem."""
    try:
        return int(ConfigVersionsItem.get(*config_versions_key(workspace_id), consistent_read=True).contacts)
    except DoesNotExist:
        return 0


def for_identity(identity: Identity) -> ContactConfig:
    """The configuration of the caller's workspace, checked against the version read with the caller."""
    return current(identity.workspace_id, identity.contact_config_version)


def current(workspace_id: str, version: int | None = None) -> ContactConfig:
    """The workspace's configuration at `version` (read now when not given): the cached copy when it is that
    version, else read again (a Query of the definitions and a GetItem of the scoring rules)."""
    if version is None:
        version = read_version(workspace_id)
    with _lock:
        cached = _cache.get(workspace_id)
        if cached is not None and cached.version == version:
            _cache.move_to_end(workspace_id)
            return cached
    fresh = ContactConfig(version, fields.load_definitions(workspace_id), scoring.load_config(workspace_id))
    with _lock:
        _cache[workspace_id] = fresh
        _cache.move_to_end(workspace_id)
        while len(_cache) > MAX_WORKSPACES:
            _cache.popitem(last=False)
    return fresh
