"""The workspace's suppression list: addresses that unsubscribed, bounced hard or complained."""
from __future__ import annotations

from pynamodb.exceptions import PutError

from leadpilot.clock import now_iso
from leadpilot.email.models import SuppressionItem


def suppression_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#EMAIL_SUPPRESSION"


def is_suppressed(workspace_id: str, address: str) -> str | None:
    """The reason the address is suppressed, or None."""
    try:
        return str(SuppressionItem.get(suppression_pk(workspace_id), f"ADDR#{address.lower()}").reason)
    except SuppressionItem.DoesNotExist:
        return None


def reasons_among(workspace_id: str, addresses: set[str]) -> dict[str, str]:
    """Which of the addresses are suppressed, with the reason (one BatchGetItem per 100)."""
    keys = [(suppression_pk(workspace_id), f"ADDR#{address.lower()}") for address in addresses]
    found = {str(item.address): str(item.reason) for item in SuppressionItem.batch_get(keys)}
    return {address: found[address.lower()] for address in addresses if address.lower() in found}


def suppress(workspace_id: str, address: str, reason: str, message_id: str | None) -> bool:
    """Add the address (the first reason is kept); True when it was not suppressed before."""
    item = SuppressionItem(suppression_pk(workspace_id), f"ADDR#{address.lower()}", address=address.lower(),
                           reason=reason, message_id=message_id, created_at=now_iso())
    try:
        item.save(condition=SuppressionItem.PK.does_not_exist())
        return True
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return False
