"""Derived lookup items of a contact (prefix search, sort orders, tag membership) and the diff that keeps
them in the same transaction as the contact. Key shapes: models.ContactIndexItem."""
from __future__ import annotations

import re
import unicodedata

from leadpilot.contacts.entities import Contact
from leadpilot.contacts.models import ContactIndexItem
from leadpilot.contacts.store import Ops, claim_key, to_item
from leadpilot.db.crm_models import ActivityItem, ContactClaimItem, ContactItem
from leadpilot.events.record import event_item

PREFIX_FIELDS: tuple[str, ...] = ("name", "email", "phone", "company")
SORTS: tuple[str, ...] = ("created_at", "updated_at", "last_activity_at", "score", "name")
INDEXED_SORTS: tuple[str, ...] = ("updated_at", "last_activity_at", "score", "name")  # created_at: the ULID order
CLAIMED: tuple[str, ...] = ("email", "phone")
_SCORE_OFFSET = 10**9
_MAX_VALUE = 200


def fold(text: str) -> str:
    """Case-, accent- and whitespace-insensitive form used by prefix search ("Zoë  O'Neil" -> "zoe o'neil")."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())[:_MAX_VALUE]


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def index_pk(workspace_id: str, kind: str, name: str) -> str:
    return f"WS#{workspace_id}#{kind}#{name}"


def tag_pk(workspace_id: str, tag: str) -> str:
    return f"WS#{workspace_id}#TAG#{tag}"


def prefix_values(contact: Contact) -> set[tuple[str, str]]:
    """(field, folded value) pairs a prefix query can start with: each name, the full name, the email,
    the phone in E.164 digits and national digits, the company."""
    out: set[tuple[str, str]] = set()
    names = [fold(n) for n in (contact.first_name, contact.last_name) if n]
    out.update(("name", n) for n in names if n)
    if len(names) == 2:
        out.add(("name", f"{names[0]} {names[1]}"))
    if contact.email:
        out.add(("email", contact.email))
    if contact.phone:
        out.add(("phone", digits(contact.phone)))
        national = _national_digits(contact.phone)
        if national:
            out.add(("phone", national))
    if contact.company and fold(contact.company):
        out.add(("company", fold(contact.company)))
    return out


def _national_digits(e164: str) -> str | None:
    try:
        import phonenumbers

        return str(phonenumbers.parse(e164).national_number)
    except phonenumbers.NumberParseException:
        return None


def sort_value(contact: Contact, sort: str) -> str:
    """The string whose order is the sort order (ties broken by the contact id)."""
    if sort == "created_at":
        return ""
    if sort == "score":
        return f"{int(contact.score) + _SCORE_OFFSET:010d}"
    if sort == "name":
        return fold(contact.display_name)
    return str(getattr(contact, sort) or "")


def sort_key(contact: Contact, sort: str) -> str:
    return f"{sort_value(contact, sort)}#{contact.id}"


def index_keys(contact: Contact | None) -> set[tuple[str, str]]:
    """Every derived (PK, SK) of a contact."""
    if contact is None:
        return set()
    ws, cid = contact.workspace_id, contact.id
    keys = {(index_pk(ws, "IDX", f), f"{v}#{cid}") for f, v in prefix_values(contact)}
    keys |= {(index_pk(ws, "SORT", s), sort_key(contact, s)) for s in INDEXED_SORTS}
    keys |= {(tag_pk(ws, t), f"CONTACT#{cid}") for t in contact.tags}
    return keys


def contact_ops(before: Contact | None, after: Contact | None) -> Ops:
    """The contact item, its claims and its derived items for a change from `before` to `after`
    (None = does not exist). Events are added by the caller."""
    ref = after or before
    assert ref is not None
    ops = Ops(workspace_id=ref.workspace_id)
    if after is not None:
        condition = ContactItem.PK.does_not_exist() if before is None else ContactItem.version == before.version
        ops.saves.append((to_item(after), condition))
    elif before is not None:
        ops.deletes.append((to_item(before), ContactItem.version == before.version))
    for name in CLAIMED:
        old, new = getattr(before, name, None), getattr(after, name, None)
        if old == new:
            continue
        if old and before is not None:
            claim = ContactClaimItem(claim_key(ref.workspace_id, name, old), "CLAIM", contact_id=before.id)
            ops.deletes.append((claim, ContactClaimItem.contact_id == before.id))
        if new and after is not None:
            ops.claims.append((name, ContactClaimItem(claim_key(ref.workspace_id, name, new), "CLAIM",
                                                      contact_id=after.id)))
    old_keys, new_keys = index_keys(before), index_keys(after)
    ops.deletes += [(ContactIndexItem(pk, sk), None) for pk, sk in sorted(old_keys - new_keys)]
    ops.saves += [(ContactIndexItem(pk, sk, contact_id=ref.id), None) for pk, sk in sorted(new_keys - old_keys)]
    for tag in set(before.tags if before else []) - set(after.tags if after else []):
        ops.tag_deltas[tag] -= 1
    for tag in set(after.tags if after else []) - set(before.tags if before else []):
        ops.tag_deltas[tag] += 1
    return ops


def tag_events(before: Contact, after: Contact, actor: dict[str, str]) -> list[ActivityItem]:
    """One contact.tag_added / contact.tag_removed event per tag that changed (automation triggers)."""
    added = [t for t in after.tags if t not in before.tags]
    removed = [t for t in before.tags if t not in after.tags]
    return ([event_item(after.workspace_id, actor, "contact.tag_added", {"contact_id": after.id, "tag": t},
                        contact_id=after.id) for t in added]
            + [event_item(after.workspace_id, actor, "contact.tag_removed", {"contact_id": after.id, "tag": t},
                          contact_id=after.id) for t in removed])

