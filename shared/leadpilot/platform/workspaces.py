"""The platform's view of workspaces: a page of them, or one, with plan, status, owners, counts and usage."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from leadpilot.api.cursors import decode_cursor, gsi_page
from leadpilot.db.base import IdentityModel
from leadpilot.db.identity_models import MembershipItem, WorkspaceItem
from leadpilot.identity import store
from leadpilot.identity.entities import Identity
from leadpilot.ids import is_valid_id
from leadpilot.platform import counts, flags
from leadpilot.platform.access import acting_in
from leadpilot.usage.limits import LIMITS_SK, describe_usage
from leadpilot.usage.meter import KINDS, counter_sk, periods, usage_pk
from leadpilot.usage.models import UsageCounterItem, UsageLimitsItem
from leadpilot.usage.plans import DEFAULT_PLAN


def _owners(workspace_id: str) -> list[dict[str, str]]:
    return [{"user_id": m.user_id, "email": m.email, "name": m.name}
            for m in MembershipItem.query(store.ws_pk(workspace_id), MembershipItem.SK.startswith("MEMBER#"),
                                          filter_condition=MembershipItem.role == "owner")]


def _plans(workspace_ids: list[str]) -> dict[str, str]:
    found = UsageLimitsItem.batch_get([(usage_pk(ws), LIMITS_SK) for ws in workspace_ids])
    return {i.PK.split("#")[1]: i.plan for i in found}


def _month_usage(workspace_ids: list[str], at: datetime) -> dict[str, dict[str, int]]:
    """This month's count of every metered kind, for each workspace, in one BatchGet."""
    month = periods(at)["month"]
    keys = [(usage_pk(ws), counter_sk(kind, "month", month)) for ws in workspace_ids for kind in KINDS]
    out: dict[str, dict[str, int]] = {ws: dict.fromkeys(KINDS, 0) for ws in workspace_ids}
    for item in UsageCounterItem.batch_get(keys):
        out[item.PK.split("#")[1]][item.SK.split("#")[0]] = int(item.used or 0)
    return out


def _summary(item: WorkspaceItem, plan: str, counted: dict[str, Any], usage: dict[str, int]) -> dict[str, Any]:
    return {**store.to_workspace(item).to_dict(), "plan": plan, "suspended_reason": item.suspended_reason,
            "suspended_at": item.suspended_at, "owners": _owners(item.workspace_id), "counts": counted,
            "usage": {"month": periods(datetime.now(UTC))["month"], "used": usage}}


def list_workspaces(limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """A page of every workspace on the platform, newest first, each with its plan, owners, counts and usage."""
    # The cursor is a listing key, <created_at>#<workspace id>.
    after = decode_cursor(cursor, lambda value: len(value) <= 100 and is_valid_id(value.rpartition("#")[2]))
    items, next_cursor = gsi_page(IdentityModel.gsi1, "WORKSPACES", limit, after,
                                  lambda key: (store.ws_pk(key.rpartition("#")[2]), "WORKSPACE"),
                                  keep=lambda i: isinstance(i, WorkspaceItem), newest_first=True)
    shown = [i for i in items if isinstance(i, WorkspaceItem)]
    ids = [i.workspace_id for i in shown]
    plans, counted, usage = _plans(ids), counts.counts_of(ids), _month_usage(ids, datetime.now(UTC))
    return [_summary(i, plans.get(i.workspace_id, DEFAULT_PLAN), counted[i.workspace_id], usage[i.workspace_id])
            for i in shown], next_cursor


def workspace_detail(identity: Identity, item: WorkspaceItem) -> dict[str, Any]:
    """One workspace: the summary, its full usage against its limits (day and month) and its feature flags."""
    ws = item.workspace_id
    usage = describe_usage(acting_in(identity, item))
    month = {kind: int(c["month"]["used"]) for kind, c in usage["counters"].items()}
    return {**_summary(item, usage["plan"], counts.counts_of([ws])[ws], month), "limits": usage,
            "flags": flags.get_flags(ws)}
