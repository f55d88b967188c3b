"""Slot claims: a host's time in 5-minute blocks, each block an item written only if absent (or a lapsed hold).

An appointment claims every block it covers in the transaction that creates it, so two bookings of the same
host's time cannot both commit, whatever their starts: one succeeds and the other is `409 slot_taken`.
A hold claims the same blocks for a few minutes while the booker fills in the form.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import TransactWriteError

from leadpilot.calendar.availability import iso
from leadpilot.calendar.models import SlotClaimItem
from leadpilot.clock import now_epoch
from leadpilot.db.base import transaction
from leadpilot.errors import Conflict
from leadpilot.settings import Settings

BLOCK = timedelta(minutes=5)
HOLD_S = 5 * 60


class SlotTaken(Conflict):
    code = "slot_taken"

    def __init__(self) -> None:
        super().__init__("this time was just booked by someone else; pick another slot", {"field": "start"})


def keys(workspace_id: str, hosts: list[str], start: datetime, end: datetime) -> list[str]:
    """The claim PKs of the hosts' blocks covering [start, end) (from the block holding `start`: a time moved in
    an external calendar need not be on the grid)."""
    found: list[str] = []
    first = start - timedelta(minutes=start.minute % 5, seconds=start.second, microseconds=start.microsecond)
    for host in hosts:
        block = first
        while block < end:
            found.append(f"WS#{workspace_id}#CAL#CLAIM#{host}#{iso(block)}")
            block += BLOCK
    return found


def free_condition(hold_id: str | None) -> Any:
    """A block may be claimed when nobody has it, its hold lapsed, or the caller holds it."""
    condition = SlotClaimItem.PK.does_not_exist() | (SlotClaimItem.held_until < now_epoch())
    return condition | (SlotClaimItem.hold_id == hold_id) if hold_id else condition


def is_conflict(exc: TransactWriteError) -> bool:
    return any(r is not None and r.code == "ConditionalCheckFailed" for r in exc.cancellation_reasons or [])


def hold(settings: Settings, workspace_id: str, hosts: list[str], start: datetime, end: datetime) -> dict[str, Any]:
    """Hold the hosts' time for a few minutes; SlotTaken when any block is booked or held by someone else."""
    hold_id = secrets.token_urlsafe(16)
    until = now_epoch() + HOLD_S
    try:
        with transaction(settings) as txn:
            for pk in keys(workspace_id, hosts, start, end):
                txn.save(SlotClaimItem(pk, "CLAIM", hold_id=hold_id, held_until=until, expires_at=until + 3600),
                         condition=free_condition(None))
    except TransactWriteError as exc:
        if is_conflict(exc):
            raise SlotTaken() from exc
        raise
    return {"hold_id": hold_id, "expires_in_seconds": HOLD_S}
