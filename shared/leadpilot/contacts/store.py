"""Data access for contacts: transactions that keep contact, claims and activity in step."""
from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from leadpilot.contacts.entities import Contact
from leadpilot.db.base import transaction
from leadpilot.db.crm_models import ActivityItem, ContactClaimItem, ContactItem
from leadpilot.errors import Conflict, ValidationFailed
from leadpilot.ids import is_valid_id
from leadpilot.settings import Settings


def contacts_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#CONTACTS"


def claim_key(workspace_id: str, field: str, value: str) -> str:
    return f"WS#{workspace_id}#{field.upper()}#{value}"


def to_contact(item: ContactItem) -> Contact:
    return Contact(id=item.contact_id, workspace_id=item.workspace_id, first_name=item.first_name,
                   last_name=item.last_name, email=item.email, phone=item.phone, company=item.company,
                   source=item.source, tags=[str(t) for t in item.tags or []], created_at=item.created_at,
                   updated_at=item.updated_at, version=int(item.version))


def get_item(workspace_id: str, contact_id: str) -> ContactItem | None:
    try:
        return ContactItem.get(contacts_pk(workspace_id), f"CONTACT#{contact_id}", consistent_read=True)
    except DoesNotExist:
        return None


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    """The id a page continues after. Only an id is carried, so a cursor cannot reach another partition."""
    if cursor is None:
        return None
    try:
        value = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValidationFailed.field("cursor", "is not a cursor returned by this API") from exc
    if not is_valid_id(value):
        raise ValidationFailed.field("cursor", "is not a cursor returned by this API")
    return value


def page(model: Any, pk: str, sk_prefix: str, limit: int, after: str | None,
         newest_first: bool = False) -> tuple[list[Any], str | None]:
    """One page of a partition in sort-key order, and the cursor of the next page (None at the end)."""
    kwargs: dict[str, Any] = {"limit": limit + 1, "scan_index_forward": not newest_first}
    if after is not None:
        kwargs["last_evaluated_key"] = {"PK": {"S": pk}, "SK": {"S": f"{sk_prefix}{after}"}}
    items = list(model.query(pk, model.SK.startswith(sk_prefix), **kwargs))
    if len(items) <= limit:
        return items, None
    items = items[:limit]
    return items, encode_cursor(items[-1].SK[len(sk_prefix):])


def write(settings: Settings, *, activity: ActivityItem, save: ContactItem | None = None,
          update: tuple[ContactItem, list[Any], Any] | None = None, delete: ContactItem | None = None,
          claims_add: Sequence[tuple[str, ContactClaimItem]] = (),
          claims_remove: Sequence[ContactClaimItem] = ()) -> None:
    """One transaction: the contact change, its email/phone claims and its activity (outbox) entry.

    A claim that already exists means another contact holds that email or phone: 409 naming the
    field and the existing contact.
    """
    try:
        with transaction(settings) as txn:
            for _field, claim in claims_add:
                txn.save(claim, condition=ContactClaimItem.PK.does_not_exist())
            for claim in claims_remove:
                txn.delete(claim, condition=ContactClaimItem.contact_id == claim.contact_id)
            if save is not None:
                txn.save(save, condition=ContactItem.PK.does_not_exist())
            if update is not None:
                item, actions, condition = update
                txn.update(item, actions=actions, condition=condition)
            if delete is not None:
                txn.delete(delete, condition=ContactItem.version == delete.version)
            txn.save(activity, condition=ActivityItem.PK.does_not_exist())
    except TransactWriteError as exc:
        # pynamodb sends deletes first, then puts, then updates: claim puts follow every delete.
        deletes = len(claims_remove) + (1 if delete is not None else 0)
        reasons = exc.cancellation_reasons or []
        for (field, claim), reason in zip(claims_add, reasons[deletes:], strict=False):
            if reason is not None and reason.code == "ConditionalCheckFailed":
                existing = _claim_owner(claim)
                raise Conflict(f"another contact in this workspace already has this {field}",
                               {"field": field, "existing_contact_id": existing}) from exc
        if any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons):
            raise Conflict("the contact was changed or deleted by another request; retry",
                           {"reason": "concurrent_modification"}) from exc
        raise


def _claim_owner(claim: ContactClaimItem) -> str | None:
    try:
        return ContactClaimItem.get(claim.PK, "CLAIM", consistent_read=True).contact_id
    except DoesNotExist:
        return None
