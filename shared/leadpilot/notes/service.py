"""Note use cases: create, get, list by contact, update, delete; mentioned members are notified."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from leadpilot.api.cursors import decode_cursor, encode_cursor
from leadpilot.clock import now_iso
from leadpilot.contacts import store as contacts
from leadpilot.db.base import CrmModel, bind_tables, transaction
from leadpilot.db.crm_models import ActivityItem
from leadpilot.errors import Conflict, Forbidden, NotFound, ValidationFailed
from leadpilot.events.outbox import as_plain, publish_now
from leadpilot.events.record import event_item
from leadpilot.identity.entities import Identity
from leadpilot.ids import new_id, parse_id
from leadpilot.notes.mentions import check_members, mentioned, plain
from leadpilot.notes.models import NoteItem
from leadpilot.notifications.service import add_to
from leadpilot.observability import metrics
from leadpilot.settings import Settings


def notes_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#NOTES"


def by_contact_pk(workspace_id: str, contact_id: str) -> str:
    return f"WS#{workspace_id}#CONTACT#{contact_id}#NOTES"


def to_dict(item: NoteItem) -> dict[str, Any]:
    """A note as the API and its events show it."""
    return {"id": item.note_id, "contact_id": item.contact_id, "body": item.body, "mentions": list(item.mentions),
            "author": as_plain(item.author), "created_at": item.created_at, "updated_at": item.updated_at,
            "version": int(item.version)}


def _get(identity: Identity, note_id: str) -> NoteItem:
    try:
        return NoteItem.get(notes_pk(identity.workspace_id), f"NOTE#{note_id}", consistent_read=True)
    except DoesNotExist as exc:
        raise NotFound("note not found", {"field": "note_id"}) from exc


def _may_edit(identity: Identity, item: NoteItem) -> None:
    if as_plain(item.author) != identity.actor() and identity.role not in ("owner", "admin"):
        raise Forbidden("only the note's author or an admin can change it", {"required_roles": ["owner", "admin"]})


def _commit(settings: Settings, identity: Identity, item: NoteItem, event_type: str, notify: list[str],
            changes: dict[str, Any] | None = None, write: str = "save") -> None:
    """One transaction: the note change, its timeline event and a notification per newly mentioned member."""
    event = event_item(identity.workspace_id, identity.actor(), event_type, to_dict(item), changes,
                       contact_id=item.contact_id)
    text = plain(item.body)
    try:
        with transaction(settings) as txn:
            if write == "create":
                txn.save(item, condition=NoteItem.PK.does_not_exist())
            elif write == "delete":
                txn.delete(item, condition=NoteItem.version == item.version)
            else:
                txn.save(item, condition=NoteItem.version == item.version - 1)
            txn.save(event, condition=ActivityItem.PK.does_not_exist())
            for user_id in notify:
                add_to(txn, identity.workspace_id, user_id, "mention", "You were mentioned in a note",
                       text[:280], f"/contacts/{item.contact_id}?note={item.note_id}")
    except TransactWriteError as exc:
        if any(r is not None and r.code == "ConditionalCheckFailed" for r in exc.cancellation_reasons or []):
            raise Conflict("the note was changed or deleted by another request; retry",
                           {"reason": "concurrent_modification"}) from exc
        raise
    metrics.add_metric(name={"note.created": "NoteCreated", "note.updated": "NoteUpdated"}.get(
        event_type, "NoteDeleted"), unit="Count", value=1)
    publish_now(settings, [event])


def _to_notify(identity: Identity, users: list[str], already: Sequence[str] = ()) -> list[str]:
    return [u for u in users if u not in already and u != identity.principal_id]


def create_note(settings: Settings, identity: Identity, body: dict[str, Any]) -> dict[str, Any]:
    """Add a note to a contact; each mentioned member (but the author) gets a `mention` notification."""
    text, contact_id = body["body"].strip(), body["contact_id"]
    if not text:
        raise ValidationFailed.field("body", "must not be blank")
    if contacts.get_item(identity.workspace_id, contact_id) is None:
        raise ValidationFailed.field("contact_id", "no such contact in this workspace")
    users = mentioned(text)
    check_members(identity.workspace_id, users)
    note_id, now = new_id(), now_iso()
    item = NoteItem(notes_pk(identity.workspace_id), f"NOTE#{note_id}", note_id=note_id,
                    workspace_id=identity.workspace_id, contact_id=contact_id, body=text, mentions=users,
                    author=identity.actor(), created_at=now, updated_at=now, version=1,
                    GSI1PK=by_contact_pk(identity.workspace_id, contact_id), GSI1SK=f"NOTE#{note_id}")
    _commit(settings, identity, item, "note.created", _to_notify(identity, users), write="create")
    return to_dict(item)


def get_note(identity: Identity, note_id: str) -> dict[str, Any]:
    return to_dict(_get(identity, note_id))


def update_note(settings: Settings, identity: Identity, note_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Edit a note's body (author or admin); only members newly mentioned are notified."""
    item = _get(identity, note_id)
    _may_edit(identity, item)
    text = body["body"].strip()
    if not text:
        raise ValidationFailed.field("body", "must not be blank")
    if text == item.body:
        return to_dict(item)
    users = mentioned(text)
    check_members(identity.workspace_id, users)
    before, previously = item.body, [str(u) for u in item.mentions or []]
    item.body, item.updated_at, item.version = text, now_iso(), int(item.version) + 1
    item.mentions = users  # type: ignore[assignment]
    _commit(settings, identity, item, "note.updated", _to_notify(identity, users, previously),
            {"body": {"from": before, "to": text}})
    return to_dict(item)


def delete_note(settings: Settings, identity: Identity, note_id: str) -> None:
    """Delete a note (author or admin); the timeline keeps the note.deleted event."""
    item = _get(identity, note_id)
    _may_edit(identity, item)
    _commit(settings, identity, item, "note.deleted", [], write="delete")


def list_notes(identity: Identity, contact_id: str | None, limit: int, cursor: str | None
               ) -> tuple[list[dict[str, Any]], str | None]:
    """A contact's notes, newest first."""
    if contact_id is None:
        raise ValidationFailed.field("contact_id", "is required: GET /notes?contact_id=<id>")
    contact_id = parse_id(contact_id, "contact_id")
    after = decode_cursor(cursor)
    pk = by_contact_pk(identity.workspace_id, contact_id)
    kwargs: dict[str, Any] = {"limit": limit + 1, "scan_index_forward": False}
    if after is not None:
        kwargs["last_evaluated_key"] = {"GSI1PK": {"S": pk}, "GSI1SK": {"S": f"NOTE#{after}"},
                                        "PK": {"S": notes_pk(identity.workspace_id)}, "SK": {"S": f"NOTE#{after}"}}
    items = [i for i in CrmModel.gsi1.query(pk, **kwargs) if isinstance(i, NoteItem)]
    if not items and after is None and contacts.get_item(identity.workspace_id, contact_id) is None:
        raise NotFound("contact not found", {"field": "contact_id"})
    more = len(items) > limit
    items = items[:limit]
    return [to_dict(i) for i in items], encode_cursor(items[-1].note_id) if more and items else None


def reassign_contact(settings: Settings, workspace_id: str, from_contact_id: str, to_contact_id: str) -> int:
    """Move every note of `from` to `to` (for contact merges); returns how many moved. Idempotent."""
    bind_tables(settings)
    if from_contact_id == to_contact_id:
        return 0
    moved = 0
    for item in CrmModel.gsi1.query(by_contact_pk(workspace_id, from_contact_id)):
        if not isinstance(item, NoteItem):
            continue
        try:
            item.update(actions=[NoteItem.contact_id.set(to_contact_id),
                                 NoteItem.GSI1PK.set(by_contact_pk(workspace_id, to_contact_id)),
                                 NoteItem.version.add(1)],
                        condition=NoteItem.contact_id == from_contact_id)
        except UpdateError as exc:
            if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
                continue
            raise
        moved += 1
    return moved
