"""Tags: on one contact (add/remove, with contact.tag_added / contact.tag_removed events) and across the
workspace (list with counts, rename, delete).

Workspace-wide rename/delete never scans: the tag's index partition (WS#<ws>#TAG#<tag>) lists exactly the
contacts that carry it. A call rewrites at most MAX_CONTACTS_PER_CALL of them, in transactions of
CONTACTS_PER_TRANSACTION (each contact + its index items + a contact.updated event), and answers
`done: false` while some remain: calling again continues where it stopped (the rewritten contacts have
left the old tag's partition), so the operation is resumable and never one unbounded request.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from leadpilot.api.cursors import query_page
from leadpilot.clock import now_iso
from leadpilot.contacts import fields, scoring, service, store
from leadpilot.contacts.entities import Contact
from leadpilot.contacts.indexes import contact_ops, tag_pk
from leadpilot.contacts.models import ContactIndexItem, TagItem
from leadpilot.contacts.normalize import normalize_tag, normalize_tags
from leadpilot.errors import Conflict, NotFound, ValidationFailed
from leadpilot.identity.entities import Identity
from leadpilot.observability import metrics
from leadpilot.settings import Settings

MAX_TAGS_PER_CONTACT = 50
MAX_TAG_LENGTH = 50
MAX_CONTACTS_PER_CALL = 500
CONTACTS_PER_TRANSACTION = 20


def path_tag(raw: str) -> str:
    """A tag from the URL path, percent-decoded once (the API Gateway decodes path parameters, the Chalice
    test client does not; a literal '%xx' in a tag name is therefore not addressable by path)."""
    tag = normalize_tag(unquote(raw))
    if not tag or len(tag) > MAX_TAG_LENGTH or not tag.isprintable():
        raise ValidationFailed.field("tag", f"must be 1 to {MAX_TAG_LENGTH} printable characters")
    return tag


def list_tags(identity: Identity, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the tags in use with how many contacts carry each, alphabetically."""
    after = store.decode_cursor(cursor, lambda value: 0 < len(value) <= MAX_TAG_LENGTH)
    items, next_cursor = query_page(TagItem, store.tags_pk(identity.workspace_id), "TAG#", limit, after,
                                    keep=lambda item: int(item.total or 0) > 0)
    return [{"tag": i.tag, "count": int(i.total)} for i in items], next_cursor


def change_contact_tags(settings: Settings, identity: Identity, contact_id: str, body: dict[str, Any]) -> Contact:
    """Add and remove tags on one contact; one event per tag that actually changed."""
    add, remove = normalize_tags(body.get("add") or []), normalize_tags(body.get("remove") or [])
    both = set(add) & set(remove)
    if both:
        raise ValidationFailed.field("remove", f"{sorted(both)[0]!r} is also in add")
    _, before = service.load(identity, contact_id)
    tags = [t for t in before.tags if t not in remove] + [t for t in add if t not in before.tags]
    if len(tags) > MAX_TAGS_PER_CONTACT:
        raise ValidationFailed.field("add", f"a contact can carry at most {MAX_TAGS_PER_CONTACT} tags")
    return service.update_contact(settings, identity, contact_id, {"tags": tags})


def _member_ids(workspace_id: str, tag: str, limit: int) -> list[str]:
    items = ContactIndexItem.query(tag_pk(workspace_id, tag), ContactIndexItem.SK.startswith("CONTACT#"),
                                   limit=limit, page_size=min(limit, 1000))
    return [i.contact_id for i in items]


def _require_tag(identity: Identity, tag: str) -> None:
    if not _member_ids(identity.workspace_id, tag, 1):
        raise NotFound("no contact carries this tag", {"field": "tag"})


def _rewrite_one(identity: Identity, before: Contact, tags: list[str], shown: set[str]) -> Any:
    after = scoring.rescored(before.with_changes(tags=tags, updated_at=now_iso(), version=before.version + 1))
    ops = contact_ops(before, after)
    changes = {"tags": {"from": before.tags, "to": tags}}
    ops.events.append(service.contact_event(identity, after, "contact.updated", after.to_dict(shown), changes))
    return ops


def _rewrite(settings: Settings, identity: Identity, tag: str, new_tags: Any) -> tuple[int, bool]:
    """Rewrite the tags of (at most a call's worth of) contacts carrying `tag`; returns (count, done)."""
    ws = identity.workspace_id
    ids = _member_ids(ws, tag, MAX_CONTACTS_PER_CALL + 1)
    done = len(ids) <= MAX_CONTACTS_PER_CALL
    contacts = store.batch_get(ws, ids[:MAX_CONTACTS_PER_CALL])
    shown = set(fields.active_definitions(ws))
    for stale in set(ids[:MAX_CONTACTS_PER_CALL]) - set(contacts):  # defensive: index without its contact
        ContactIndexItem(tag_pk(ws, tag), f"CONTACT#{stale}").delete()
    ordered = [contacts[i] for i in ids if i in contacts]
    changed = 0
    for start in range(0, len(ordered), CONTACTS_PER_TRANSACTION):
        chunk = ordered[start:start + CONTACTS_PER_TRANSACTION]
        changed += _commit_chunk(settings, identity, chunk, new_tags, shown)
    return changed, done


def _commit_chunk(settings: Settings, identity: Identity, chunk: list[Contact], new_tags: Any, shown: set[str]) -> int:
    all_ops = [_rewrite_one(identity, c, new_tags(c.tags), shown) for c in chunk]
    combined = all_ops[0]
    for ops in all_ops[1:]:
        combined = combined.extend(ops)
    try:
        store.commit(settings, combined)
        return len(chunk)
    except Conflict:  # someone changed one of them meanwhile: one by one, the losers wait for the next call
        done = 0
        for contact in chunk:
            item = store.get_item(identity.workspace_id, contact.id)
            if item is not None:
                fresh = store.to_contact(item)
                try:
                    store.commit(settings, _rewrite_one(identity, fresh, new_tags(fresh.tags), shown))
                    done += 1
                except Conflict:
                    continue
        return done


def rename_tag(settings: Settings, identity: Identity, raw_tag: str, body: dict[str, Any]) -> dict[str, Any]:
    """Rename a tag on every contact carrying it (merging into `name` where a contact has both)."""
    old, new = path_tag(raw_tag), normalize_tag(body["name"])
    if not new:
        raise ValidationFailed.field("name", "must not be blank")
    _require_tag(identity, old)
    if old == new:
        return {"from": old, "tag": new, "contacts_updated": 0, "done": True}
    count, done = _rewrite(settings, identity, old, lambda tags: list(dict.fromkeys(new if t == old else t
                                                                                    for t in tags)))
    if done:
        _finish(identity, old)
    metrics.add_metric(name="TagRenamed", unit="Count", value=1)
    return {"from": old, "tag": new, "contacts_updated": count, "done": done}


def delete_tag(settings: Settings, identity: Identity, raw_tag: str) -> dict[str, Any]:
    """Remove a tag from every contact carrying it."""
    tag = path_tag(raw_tag)
    _require_tag(identity, tag)
    count, done = _rewrite(settings, identity, tag, lambda tags: [t for t in tags if t != tag])
    if done:
        _finish(identity, tag)
    metrics.add_metric(name="TagDeleted", unit="Count", value=1)
    return {"tag": tag, "contacts_updated": count, "done": done}


def _finish(identity: Identity, tag: str) -> None:
    """The tag's partition is empty: drop its counter (which a crash might have left off by some)."""
    if not _member_ids(identity.workspace_id, tag, 1):
        TagItem(store.tags_pk(identity.workspace_id), f"TAG#{tag}").delete()
