"""Data access for contacts: items <-> Contact, cursors, and the one transaction every contact change uses."""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from leadpilot.api.cursors import decode_cursor as decode_cursor  # re-exported for callers
from leadpilot.api.cursors import encode_cursor as encode_cursor  # re-exported for callers
from leadpilot.api.cursors import query_page, take_page
from leadpilot.contacts.entities import Contact
from leadpilot.contacts.models import TagItem
from leadpilot.db.base import sk_begins_with, transaction
from leadpilot.db.crm_models import ActivityItem, ContactClaimItem, ContactItem
from leadpilot.errors import Conflict, ValidationFailed
from leadpilot.events.outbox import as_plain, publish_now
from leadpilot.settings import Settings

MAX_TRANSACTION_ITEMS = 100  # DynamoDB's TransactWriteItems limit


def contacts_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#CONTACTS"


def claim_key(workspace_id: str, field: str, value: str) -> str:
    return f"WS#{workspace_id}#{field.upper()}#{value}"


def tags_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#TAGS"


def to_contact(item: ContactItem) -> Contact:
    return Contact(id=item.contact_id, workspace_id=item.workspace_id, first_name=item.first_name,
                   last_name=item.last_name, email=item.email, phone=item.phone, company=item.company,
                   source=item.source, tags=[str(t) for t in item.tags or []],
                   custom_fields=as_plain(item.custom_fields or {}), do_not_contact=bool(item.do_not_contact),
                   owner_id=item.owner_id, last_activity_at=item.last_activity_at, score=int(item.score or 0),
                   engagement=as_plain(item.engagement or {}), created_at=item.created_at,
                   updated_at=item.updated_at, created_by=item.created_by or "", version=int(item.version))


def _plain(value: dict[str, Any]) -> Any:
    """One attribute of a raw DynamoDB item as the plain value pynamodb would give (numbers as int or float)."""
    ((kind, raw),) = value.items()
    if kind == "S" or kind == "BOOL":
        return raw
    if kind == "N":
        return json.loads(raw)
    if kind == "M":
        return {k: _plain(v) for k, v in raw.items()}
    if kind == "L":
        return [_plain(v) for v in raw]
    if kind == "NULL":
        return None
    return raw


def from_raw(raw: dict[str, Any]) -> Contact:
    """A Contact from a raw contact item (DynamoDB JSON), as to_contact(ContactItem.from_raw_data(raw)) gives it.
    Pages and searches turn many items at a time, and pynamodb's per-attribute deserialisation costs ~0.5 ms an
    item on this machine class against ~0.03 ms here."""
    v: Any = {k: _plain(a) for k, a in raw.items()}  # as the model, an attribute missing from the item is None
    return Contact(id=v.get("contact_id"), workspace_id=v.get("workspace_id"), first_name=v.get("first_name"),
                   last_name=v.get("last_name"), email=v.get("email"), phone=v.get("phone"), company=v.get("company"),
                   source=v.get("source"), tags=[str(t) for t in v.get("tags") or []],
                   custom_fields=v.get("custom_fields") or {}, do_not_contact=bool(v.get("do_not_contact")),
                   owner_id=v.get("owner_id"), last_activity_at=v.get("last_activity_at"),
                   score=int(v.get("score") or 0), engagement=v.get("engagement") or {},
                   created_at=v.get("created_at"), updated_at=v.get("updated_at"), created_by=v.get("created_by") or "",
                   version=int(v.get("version", 1)))


def raw_query(pk: str, sk_prefix: str | None, *, after_sk: str | None = None, descending: bool = False,
              page_size: int = 100) -> Iterator[dict[str, Any]]:
    """The raw items of a CRM partition (those whose sort key begins with `sk_prefix`), in order, after
    `after_sk`, read a page at a time as the caller goes on."""
    connection = ContactItem._get_connection()
    start = {"PK": {"S": pk}, "SK": {"S": after_sk}} if after_sk is not None else None
    condition = sk_begins_with(ContactItem.SK, sk_prefix) if sk_prefix else None
    while True:
        reply = connection.query(pk, condition, exclusive_start_key=start, limit=page_size,
                                 scan_index_forward=not descending)
        yield from (i for i in reply.get("Items", []) if not sk_prefix or i["SK"]["S"].startswith(sk_prefix))
        start = reply.get("LastEvaluatedKey")
        if start is None:
            return


def page_contacts(workspace_id: str, limit: int, after: str | None) -> tuple[list[Contact], str | None]:
    """A page of contacts oldest first (continuing after contact id `after`) and the next page's cursor."""
    items = raw_query(contacts_pk(workspace_id), "CONTACT#", page_size=limit + 1,
                      after_sk=f"CONTACT#{after}" if after is not None else None)
    return take_page(map(from_raw, items), limit, lambda contact: contact.id)


def to_item(contact: Contact) -> ContactItem:
    """The item of a contact, every attribute set (saves replace the whole item under a version check)."""
    data = {k: v for k, v in contact.__dict__.items() if k not in ("id", "workspace_id")}
    return ContactItem(contacts_pk(contact.workspace_id), f"CONTACT#{contact.id}", contact_id=contact.id,
                       workspace_id=contact.workspace_id, **data)


def get_item(workspace_id: str, contact_id: str) -> ContactItem | None:
    try:
        return ContactItem.get(contacts_pk(workspace_id), f"CONTACT#{contact_id}", consistent_read=True)
    except DoesNotExist:
        return None


_READERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="contact-reads")  # threads start on first use


def batch_get(workspace_id: str, contact_ids: Iterable[str]) -> dict[str, Contact]:
    """Contacts by id (missing ones are simply absent); BatchGetItem, 100 keys per call, the calls of a larger
    set side by side (a search's few hundred candidates)."""
    keys = [{"PK": contacts_pk(workspace_id), "SK": f"CONTACT#{cid}"} for cid in dict.fromkeys(contact_ids)]
    chunks = [keys[start:start + 100] for start in range(0, len(keys), 100)]
    found: dict[str, Contact] = {}
    for part in (map(_batch_get_page, chunks) if len(chunks) < 2 else _READERS.map(_batch_get_page, chunks)):
        found.update(part)
    return found


def _batch_get_page(keys: list[dict[str, str]]) -> dict[str, Contact]:
    connection = ContactItem._get_connection()
    found: dict[str, Contact] = {}
    pending = keys
    while pending:
        reply = connection.batch_get_item(pending)  # type: ignore[arg-type]  # key maps, despite the hint
        for raw in reply["Responses"].get(connection.table_name, []):
            contact = from_raw(raw)
            found[contact.id] = contact
        unprocessed = reply.get("UnprocessedKeys", {}).get(connection.table_name, {}).get("Keys", [])
        pending = [{"PK": k["PK"]["S"], "SK": k["SK"]["S"]} for k in unprocessed]
    return found


def page(model: Any, pk: str, sk_prefix: str, limit: int, after: str | None,
         newest_first: bool = False) -> tuple[list[Any], str | None]:
    """One page of a partition in sort-key order, and the cursor of the next page (None at the end)."""
    return query_page(model, pk, sk_prefix, limit, after, newest_first)


@dataclass
class Ops:
    """The items of one contact change: written in one transaction, then tag counters and events go out."""

    workspace_id: str
    saves: list[tuple[Any, Any]] = field(default_factory=list)
    updates: list[tuple[Any, list[Any], Any]] = field(default_factory=list)
    deletes: list[tuple[Any, Any]] = field(default_factory=list)
    claims: list[tuple[str, ContactClaimItem]] = field(default_factory=list)
    events: list[ActivityItem] = field(default_factory=list)
    tag_deltas: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def size(self) -> int:
        return len(self.saves) + len(self.updates) + len(self.deletes) + len(self.claims) + len(self.events)

    def extend(self, other: Ops) -> Ops:
        """Both changes in one; a claim released by one and taken by the other moves (one update, not two ops)."""
        released = {(c.PK, c.SK): (c, cond) for c, cond in other.deletes + self.deletes
                    if isinstance(c, ContactClaimItem)}
        claims = []
        for name, claim in self.claims + other.claims:
            old = released.pop((claim.PK, claim.SK), None)
            if old is None:
                claims.append((name, claim))
            else:
                self.updates.append((claim, [ContactClaimItem.contact_id.set(claim.contact_id)],
                                     ContactClaimItem.contact_id == old[0].contact_id))
        moved = {(c.PK, c.SK) for c, _actions, _cond in self.updates if isinstance(c, ContactClaimItem)}
        self.deletes = [(i, c) for i, c in self.deletes + other.deletes if (i.PK, i.SK) not in moved]
        self.claims = claims
        self.saves += other.saves
        self.updates += other.updates
        self.events += other.events
        for tag, delta in other.tag_deltas.items():
            self.tag_deltas[tag] += delta
        return self


def commit(settings: Settings, ops: Ops, too_big: tuple[str, str] = ("tags", "too many changes in one request")
           ) -> None:
    """Write `ops` in one transaction; 409 naming the field when an email/phone belongs to another contact."""
    if ops.size() > MAX_TRANSACTION_ITEMS:
        raise ValidationFailed.field(*too_big)
    try:
        with transaction(settings) as txn:
            for _name, claim in ops.claims:
                txn.save(claim, condition=ContactClaimItem.PK.does_not_exist())
            for item, condition in ops.saves:
                txn.save(item, condition=condition)
            for item, actions, condition in ops.updates:
                txn.update(item, actions=actions, condition=condition)
            for item, condition in ops.deletes:
                txn.delete(item, condition=condition)
            for event in ops.events:
                txn.save(event, condition=ActivityItem.PK.does_not_exist())
    except TransactWriteError as exc:
        _raise_conflict(ops, exc)
    _count_tags(ops.workspace_id, ops.tag_deltas)
    if ops.events:
        publish_now(settings, ops.events)


def _raise_conflict(ops: Ops, exc: TransactWriteError) -> None:
    reasons = exc.cancellation_reasons or []
    if not any(r is not None and r.code in ("ConditionalCheckFailed", "TransactionConflict") for r in reasons):
        raise exc
    for name, claim in ops.claims:
        existing = _claim_owner(claim)
        if existing is not None and existing != claim.contact_id:
            raise Conflict(f"another contact in this workspace already has this {name}",
                           {"field": name, "existing_contact_id": existing}) from exc
    raise Conflict("the contact was changed or deleted by another request; retry",
                   {"reason": "concurrent_modification"}) from exc


def _count_tags(workspace_id: str, deltas: dict[str, int]) -> None:
    """Tag counts are kept outside the transaction: a popular tag's counter would make concurrent
    transactions (imports, bulk tagging) conflict. A crash here leaves a count off; rename/delete recount."""
    for tag, delta in deltas.items():
        if delta:
            TagItem(tags_pk(workspace_id), f"TAG#{tag}").update(actions=[
                TagItem.total.add(delta), TagItem.tag.set(tag), TagItem.kind.set(TagItem)])


def _claim_owner(claim: ContactClaimItem) -> str | None:
    try:
        return ContactClaimItem.get(claim.PK, "CLAIM", consistent_read=True).contact_id
    except DoesNotExist:
        return None
