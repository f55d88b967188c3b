"""A workspace's sending numbers, and the "provider number -> workspace" lookup inbound webhooks route by."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import TransactWriteError

from leadpilot.api.cursors import decode_cursor, query_page
from leadpilot.clock import now_iso
from leadpilot.contact_points import normalize_phone
from leadpilot.db.base import transaction
from leadpilot.errors import Conflict, NotFound
from leadpilot.identity.entities import Identity
from leadpilot.ids import new_id
from leadpilot.settings import Settings
from leadpilot.sms.models import NumberClaimItem, PhoneNumberItem

MAX_NUMBERS = 20


@dataclass(frozen=True)
class PhoneNumber:
    id: str
    workspace_id: str
    number: str
    label: str | None
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "number": self.number, "label": self.label, "created_at": self.created_at}


def numbers_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#SMS_NUMBERS"


def _to_number(item: PhoneNumberItem) -> PhoneNumber:
    return PhoneNumber(item.number_id, item.workspace_id, item.number, item.label, item.created_at)


def number_page(workspace_id: str, limit: int, cursor: str | None) -> tuple[list[PhoneNumber], str | None]:
    """A page of the workspace's numbers, oldest first."""
    items, next_cursor = query_page(PhoneNumberItem, numbers_pk(workspace_id), "NUMBER#", limit, decode_cursor(cursor))
    return [_to_number(i) for i in items], next_cursor


def list_numbers(workspace_id: str) -> list[PhoneNumber]:
    return [_to_number(i) for i in PhoneNumberItem.query(numbers_pk(workspace_id),
                                                         PhoneNumberItem.SK.startswith("NUMBER#"))]


def add_number(settings: Settings, identity: Identity, body: dict[str, Any]) -> PhoneNumber:
    """Register a provider number for the workspace; a number belongs to one workspace only (409)."""
    number = normalize_phone(body["number"], identity.workspace.default_region, "number")
    if len(list_numbers(identity.workspace_id)) >= MAX_NUMBERS:
        raise Conflict(f"a workspace has at most {MAX_NUMBERS} numbers", {"field": "number"})
    number_id = new_id()
    item = PhoneNumberItem(numbers_pk(identity.workspace_id), f"NUMBER#{number_id}", number_id=number_id,
                           workspace_id=identity.workspace_id, number=number, label=body.get("label"),
                           created_at=now_iso(), GSI1PK=f"SMS_NUMBER#{number}", GSI1SK=f"WS#{identity.workspace_id}")
    claim = NumberClaimItem(f"SMS_NUMBER#{number}", "CLAIM", workspace_id=identity.workspace_id, number_id=number_id)
    try:
        with transaction(settings) as txn:
            txn.save(claim, condition=NumberClaimItem.PK.does_not_exist())
            txn.save(item)
    except TransactWriteError as exc:
        raise Conflict("this number is already registered", {"field": "number"}) from exc
    return _to_number(item)


def delete_number(settings: Settings, identity: Identity, number_id: str) -> None:
    try:
        item = PhoneNumberItem.get(numbers_pk(identity.workspace_id), f"NUMBER#{number_id}")
    except PhoneNumberItem.DoesNotExist as exc:
        raise NotFound("phone number not found", {"field": "number_id"}) from exc
    with transaction(settings) as txn:
        txn.delete(item)
        txn.delete(NumberClaimItem(f"SMS_NUMBER#{item.number}", "CLAIM"),
                   condition=NumberClaimItem.workspace_id == identity.workspace_id)


def get_number(workspace_id: str, number_id: str) -> PhoneNumber:
    try:
        return _to_number(PhoneNumberItem.get(numbers_pk(workspace_id), f"NUMBER#{number_id}"))
    except PhoneNumberItem.DoesNotExist as exc:
        raise NotFound("phone number not found", {"field": "from_number_id"}) from exc


def workspace_for(number: str) -> tuple[str, str] | None:
    """(workspace_id, number_id) owning a provider number, through GSI1; None when nobody has it."""
    # Queried through PhoneNumberItem: the base model's query filters on every registered item kind, and
    # DynamoDB refuses an IN of more than 100 operands once enough capabilities are loaded in one process.
    for item in PhoneNumberItem.gsi1.query(f"SMS_NUMBER#{number}"):
        return item.workspace_id, item.number_id
    return None
