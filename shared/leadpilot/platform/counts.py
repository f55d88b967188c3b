"""The platform view's counts of one workspace: contacts from the contacts' own counter, the rest counted on
their own listings (a COUNT Query of one workspace's partition, never a table scan) and kept for FRESH_S, so a
page of workspaces costs one BatchGet when they are fresh."""
from __future__ import annotations

from contextlib import suppress
from typing import Any

from pynamodb.exceptions import DeleteError, PutError

from leadpilot.automation.runs.models import FlowItem, RunIndexItem
from leadpilot.automation.runs.runs import workspace_runs_pk
from leadpilot.clock import now_epoch
from leadpilot.contacts.stats import read_stats
from leadpilot.db.identity_models import MembershipItem
from leadpilot.identity.store import ws_pk
from leadpilot.platform.models import WorkspaceCountsItem
from leadpilot.sms.models import PhoneNumberItem

FRESH_S = 300
COUNTS_SK = "COUNTS"
NAMES = ("users", "flows", "active_runs", "phone_numbers")


def platform_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#PLATFORM"


def _recount(workspace_id: str) -> WorkspaceCountsItem:
    """Count each listing now and keep the result."""
    active = sum(RunIndexItem.gsi1.count(workspace_runs_pk(workspace_id, status)) for status in ("running", "paused"))
    item = WorkspaceCountsItem(
        platform_pk(workspace_id), COUNTS_SK, counted_at=now_epoch(),
        users=MembershipItem.count(ws_pk(workspace_id), MembershipItem.SK.startswith("MEMBER#")),
        flows=FlowItem.count(f"WS#{workspace_id}#FLOWS", FlowItem.SK.startswith("FLOW#")),
        active_runs=active,
        phone_numbers=PhoneNumberItem.count(f"WS#{workspace_id}#SMS_NUMBERS", PhoneNumberItem.SK.startswith("NUMBER#")))
    with suppress(PutError):  # a count not kept is counted again next time
        item.save()
    return item


def counts_of(workspace_ids: list[str], fresh_s: int = FRESH_S) -> dict[str, dict[str, Any]]:
    """Each workspace's counts: kept ones younger than `fresh_s`, the others counted now."""
    kept = {i.PK.split("#")[1]: i for i in WorkspaceCountsItem.batch_get(
        [(platform_pk(ws), COUNTS_SK) for ws in dict.fromkeys(workspace_ids)])}
    out: dict[str, dict[str, Any]] = {}
    for ws in workspace_ids:
        item = kept.get(ws)
        if item is None or now_epoch() - int(item.counted_at) >= fresh_s:
            item = _recount(ws)
        out[ws] = {"contacts": read_stats(ws)["total"], **{name: int(getattr(item, name)) for name in NAMES}}
    return out


def forget(workspace_id: str) -> None:
    """Count again on the next read (after a change the platform made, e.g. runs paused)."""
    with suppress(DeleteError):
        WorkspaceCountsItem(platform_pk(workspace_id), COUNTS_SK).delete()
