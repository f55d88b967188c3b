"""Recording and reading audit entries.

`record(workspace_id, action, ...)` is the one call every capability makes after a security-relevant change
(`record_in(txn, ...)` where the change is one transaction: the entry is then part of it);
who did it (actor, and the impersonated subject) and from where (source IP) come from the request being served
(`leadpilot.request_context`) unless given. What changed is {field: {"before", "after"}}; a field whose name
says it holds a secret never reaches the log, whatever a caller passes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.transactions import TransactWrite

from leadpilot import request_context
from leadpilot.api.cursors import decode_cursor, take_page
from leadpilot.audit.models import AuditEntryItem, AuditSettingsItem, log_pk
from leadpilot.clock import now_epoch, now_iso
from leadpilot.errors import ValidationFailed
from leadpilot.ids import id_floor, new_id, parse_id

DEFAULT_RETENTION_DAYS = 400
SYSTEM = {"type": "system", "id": "leadpilot"}
_SECRET = re.compile(r"password|secret|token|hash|credential|private|api_key|^key$", re.IGNORECASE)
_DAY_S = 86_400


@dataclass(frozen=True)
class AuditEntry:
    id: str
    workspace_id: str | None
    action: str
    actor: dict[str, Any]
    subject: dict[str, Any] | None
    target: dict[str, Any] | None
    source_ip: str | None
    changes: dict[str, Any]
    occurred_at: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "workspace_id": self.workspace_id, "action": self.action, "actor": self.actor,
                "subject": self.subject, "target": self.target, "source_ip": self.source_ip,
                "changes": self.changes, "occurred_at": self.occurred_at}


@dataclass(frozen=True)
class Filters:
    """What a reader narrows the log to: an action, an actor's id, a time range (ISO 8601, `until` exclusive)."""

    action: str | None = None
    actor: str | None = None
    since: str | None = None
    until: str | None = None


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """{field: {before, after}} for each field of `after` whose value differs from `before`'s."""
    return {k: {"before": before.get(k), "after": v} for k, v in after.items() if before.get(k) != v}


def without_secrets(value: Any) -> Any:
    """`value` with every mapping key that names a secret (password, token, secret, ...) left out, at any depth."""
    if isinstance(value, dict):
        return {k: without_secrets(v) for k, v in value.items() if not _SECRET.search(str(k))}
    if isinstance(value, list | tuple):
        return [without_secrets(v) for v in value]
    return value


def record(workspace_id: str, action: str, target: dict[str, Any] | None = None,
           changes: dict[str, Any] | None = None, *, actor: dict[str, Any] | None = None,
           subject: dict[str, Any] | None = None) -> AuditEntry:
    """Append an entry to a workspace's log, kept for the workspace's retention."""
    expires = now_epoch() + retention_days(workspace_id) * _DAY_S
    return _append(workspace_id, action, target, changes, actor, subject, expires)


def record_platform(action: str, target: dict[str, Any] | None = None, changes: dict[str, Any] | None = None, *,
                    actor: dict[str, Any] | None = None, subject: dict[str, Any] | None = None) -> AuditEntry:
    """Append an entry to the platform's log (platform-admin actions), kept DEFAULT_RETENTION_DAYS."""
    expires = now_epoch() + DEFAULT_RETENTION_DAYS * _DAY_S
    return _append(None, action, target, changes, actor, subject, expires)


def record_in(txn: TransactWrite, workspace_id: str, action: str, target: dict[str, Any] | None = None,
              changes: dict[str, Any] | None = None) -> AuditEntry:
    """`record`, as part of the change's own transaction: the entry is written if and only if the change is."""
    item = _entry_item(workspace_id, action, target, changes, None, None,
                       now_epoch() + retention_days(workspace_id) * _DAY_S)
    txn.save(item, condition=AuditEntryItem.PK.does_not_exist())
    return _to_entry(item)


def _entry_item(workspace_id: str | None, action: str, target: dict[str, Any] | None,
                changes: dict[str, Any] | None, actor: dict[str, Any] | None, subject: dict[str, Any] | None,
                expires_at: int) -> AuditEntryItem:
    caller = request_context.current()
    who = actor or caller.actor or SYSTEM
    entry_id = new_id()
    return AuditEntryItem(log_pk(workspace_id), f"ENTRY#{entry_id}", entry_id=entry_id, workspace_id=workspace_id,
                          action=action, actor=dict(who), actor_id=str(who.get("id", "")),
                          subject=subject or caller.subject, target=without_secrets(target),
                          source_ip=caller.source_ip, changes=without_secrets(changes or {}),
                          occurred_at=now_iso(), expires_at=expires_at)


def _append(workspace_id: str | None, action: str, target: dict[str, Any] | None, changes: dict[str, Any] | None,
            actor: dict[str, Any] | None, subject: dict[str, Any] | None, expires_at: int) -> AuditEntry:
    item = _entry_item(workspace_id, action, target, changes, actor, subject, expires_at)
    item.save(condition=AuditEntryItem.PK.does_not_exist())  # append-only: an entry is never overwritten
    return _to_entry(item)


def _plain(value: Any) -> Any:
    """A stored map (a MapAttribute as loaded, or the dict as built) as plain JSON values."""
    if hasattr(value, "as_dict"):
        value = value.as_dict()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _to_entry(item: AuditEntryItem) -> AuditEntry:
    return AuditEntry(id=item.entry_id, workspace_id=item.workspace_id, action=item.action,
                      actor=_plain(item.actor), subject=_plain(item.subject) if item.subject else None,
                      target=_plain(item.target) if item.target else None, source_ip=item.source_ip,
                      changes=_plain(item.changes) or {}, occurred_at=item.occurred_at)


def list_entries(workspace_id: str | None, limit: int, cursor: str | None, filters: Filters
                 ) -> tuple[list[AuditEntry], str | None]:
    """A page of a workspace's (or, None, the platform's) log, newest first: one Query, the time range as a key
    range and the action and actor as a filter on it."""
    pk, after = log_pk(workspace_id), decode_cursor(cursor)
    start = {"PK": {"S": pk}, "SK": {"S": f"ENTRY#{after}"}} if after is not None else None
    filter_condition = None
    if filters.action is not None:
        filter_condition = AuditEntryItem.action == filters.action
    if filters.actor is not None:
        by_actor = AuditEntryItem.actor_id == filters.actor
        filter_condition = by_actor if filter_condition is None else filter_condition & by_actor
    items = AuditEntryItem.query(pk, _key_range(filters), filter_condition=filter_condition,
                                 scan_index_forward=False, page_size=limit + 1, last_evaluated_key=start,
                                 consistent_read=True)
    page, next_cursor = take_page(items, limit, lambda item: str(item.entry_id))
    return [_to_entry(item) for item in page], next_cursor


def _key_range(filters: Filters) -> Any:
    low = f"ENTRY#{id_floor(_epoch_ms(filters.since, 'since'))}" if filters.since else "ENTRY#"
    high = f"ENTRY#{id_floor(_epoch_ms(filters.until, 'until'))}" if filters.until else "ENTRY#~"
    if low > high:
        raise ValidationFailed.field("until", "must be after since")
    return AuditEntryItem.SK.between(low, high)


def _epoch_ms(value: str, field: str) -> int:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationFailed.field(field, "must be an ISO 8601 date-time, e.g. 2026-12-01T00:00:00Z") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0, int(moment.timestamp() * 1000))


def filters_from(action: str | None, actor: str | None, since: str | None, until: str | None) -> Filters:
    """Filters read from a query string, each checked (a 422 names the parameter)."""
    # platform actions have three parts (platform.workspace.suspended), the others two (auth.login)
    if action is not None and not re.fullmatch(r"[a-z_]{1,40}(\.[a-z_]{1,40}){1,2}", action):
        raise ValidationFailed.field("action", "must be an action name such as auth.login")
    for value, field in ((since, "since"), (until, "until")):
        if value is not None:
            _epoch_ms(value, field)
    return Filters(action=action, actor=parse_id(actor, "actor") if actor is not None else None,
                   since=since, until=until)


def retention_days(workspace_id: str) -> int:
    """How many days the workspace keeps its entries (DEFAULT_RETENTION_DAYS until an owner sets it)."""
    try:
        return int(AuditSettingsItem.get(log_pk(workspace_id), "SETTINGS").retention_days)
    except DoesNotExist:
        return DEFAULT_RETENTION_DAYS


def set_retention(workspace_id: str, days: int) -> dict[str, Any]:
    """Keep the workspace's entries `days` days from now on (entries already written keep their expiry)."""
    before = retention_days(workspace_id)
    AuditSettingsItem(log_pk(workspace_id), "SETTINGS", retention_days=days, updated_at=now_iso()).save()
    record(workspace_id, "audit.settings_changed", {"type": "workspace", "id": workspace_id},
           changed({"retention_days": before}, {"retention_days": days}))
    return {"retention_days": days}
