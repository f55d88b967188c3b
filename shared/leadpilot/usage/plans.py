"""Plans: the default day and month allowance of every metered kind (None: unlimited)."""
from __future__ import annotations

from typing import Any

PLANS: dict[str, dict[str, dict[str, int | None]]] = {
    "starter": {"sms_segments": {"day": 500, "month": 2_000}, "emails": {"day": 2_000, "month": 20_000},
                "voice_minutes": {"day": 60, "month": 500}, "ai_tokens": {"day": 200_000, "month": 2_000_000}},
    "growth": {"sms_segments": {"day": 2_000, "month": 10_000}, "emails": {"day": 10_000, "month": 100_000},
               "voice_minutes": {"day": 300, "month": 2_500}, "ai_tokens": {"day": 1_000_000, "month": 10_000_000}},
    "scale": {"sms_segments": {"day": None, "month": 100_000}, "emails": {"day": None, "month": 1_000_000},
              "voice_minutes": {"day": None, "month": 20_000}, "ai_tokens": {"day": None, "month": 100_000_000}},
}
DEFAULT_PLAN = "starter"


def plan_limits(plan: str, overrides: dict[str, Any], addons: dict[str, Any], kind: str) -> dict[str, int | None]:
    """The effective day/month limits of one kind: the plan's, overridden, plus the monthly add-on."""
    base = dict(PLANS.get(plan, PLANS[DEFAULT_PLAN]).get(kind) or {"day": None, "month": None})
    for period, value in (overrides.get(kind) or {}).items():
        base[period] = None if value is None else int(value)
    extra = int(addons.get(kind) or 0)
    if extra and base.get("month") is not None:
        base["month"] = int(base["month"] or 0) + extra
    return {"day": base.get("day"), "month": base.get("month")}
