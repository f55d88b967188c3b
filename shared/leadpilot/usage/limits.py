"""A workspace's plan, limit overrides and add-ons; what GET /usage shows."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from leadpilot.audit.log import changed, record
from leadpilot.clock import now_iso
from leadpilot.errors import ValidationFailed
from leadpilot.identity.entities import Identity
from leadpilot.usage.models import UsageLimitsItem
from leadpilot.usage.plans import DEFAULT_PLAN, PLANS, plan_limits

LIMITS_SK = "LIMITS"


def _item(workspace_id: str) -> UsageLimitsItem | None:
    try:
        return UsageLimitsItem.get(f"WS#{workspace_id}#USAGE", LIMITS_SK, consistent_read=True)
    except UsageLimitsItem.DoesNotExist:
        return None


def _plain(value: Any) -> dict[str, Any]:
    return value.as_dict() if hasattr(value, "as_dict") else dict(value or {})


def _config(workspace_id: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The plan, its limits as the platform set them overlaid with the workspace's own overrides, and add-ons."""
    from leadpilot.platform.settings import plan_defaults  # the platform's changes to the default plans (cached)

    item = _item(workspace_id)
    plan, overrides, addons = (DEFAULT_PLAN, {}, {}) if item is None else (
        item.plan, _plain(item.limits), _plain(item.addons))
    platform = plan_defaults().get(plan) or {}
    return plan, {kind: {**(platform.get(kind) or {}), **(overrides.get(kind) or {})}
                  for kind in {*platform, *overrides}}, addons


def effective_limits(workspace_id: str, kind: str) -> dict[str, int | None]:
    """The day/month limits that apply to one kind now (plan, overrides, add-ons)."""
    plan, overrides, addons = _config(workspace_id)
    return plan_limits(plan, overrides, addons, kind)


def describe_usage(identity: Identity, now: datetime | None = None) -> dict[str, Any]:
    """Every kind's counters for the current UTC day and month, next to its limits."""
    from leadpilot.usage.meter import KINDS, periods, used

    at = now or datetime.now(UTC)
    plan, overrides, addons = _config(identity.workspace_id)
    counters: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        limits = plan_limits(plan, overrides, addons, kind)
        counts = used(identity.workspace_id, kind, at)
        counters[kind] = {period: {"used": counts[period], "limit": limits[period],
                                   "remaining": None if limits[period] is None
                                   else max(0, int(limits[period] or 0) - counts[period])}
                          for period in ("day", "month")}
        counters[kind]["addon"] = int(addons.get(kind) or 0)
    return {"plan": plan, "periods": periods(at), "counters": counters}


def set_limits(identity: Identity, body: dict[str, Any]) -> dict[str, Any]:
    """Change the plan, per-kind limit overrides (null: unlimited) and monthly add-ons; returns the usage."""
    from leadpilot.usage.meter import KINDS

    plan, overrides, addons = _config(identity.workspace_id)
    if "plan" in body:
        if body["plan"] not in PLANS:
            raise ValidationFailed.field("plan", f"must be one of {', '.join(PLANS)}")
        plan = body["plan"]
    for kind, periods_ in (body.get("limits") or {}).items():
        if kind not in KINDS:
            raise ValidationFailed.field(f"limits/{kind}", f"is not a metered kind ({', '.join(KINDS)})")
        overrides[kind] = {**(overrides.get(kind) or {}), **periods_}
    for kind, extra in (body.get("addons") or {}).items():
        if kind not in KINDS:
            raise ValidationFailed.field(f"addons/{kind}", f"is not a metered kind ({', '.join(KINDS)})")
        addons[kind] = extra
    before = _config(identity.workspace_id)
    UsageLimitsItem(f"WS#{identity.workspace_id}#USAGE", LIMITS_SK, plan=plan, limits=overrides, addons=addons,
                    updated_at=now_iso(), updated_by=identity.principal_id).save()
    record(identity.workspace_id, "usage.limits_changed", {"type": "workspace", "id": identity.workspace_id},
           changed(dict(zip(("plan", "limits", "addons"), before, strict=True)),
                   {"plan": plan, "limits": overrides, "addons": addons}))
    return describe_usage(identity)
