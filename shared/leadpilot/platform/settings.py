"""Platform settings: the platform's own provider credentials (sealed like a workspace's own, never shown again)
and overrides of the default plans' allowances.

The providers ask `platform_credential` when a workspace has no credential of its own, before the deployment's
environment: it is kept per process for CACHE_S (an unset one too), so a send costs no read of it."""
from __future__ import annotations

import copy
import json
import threading
import time
from typing import Any

from pynamodb.exceptions import DoesNotExist

from leadpilot.clock import now_iso
from leadpilot.db.base import bind_tables
from leadpilot.errors import ValidationFailed
from leadpilot.identity.entities import Identity
from leadpilot.integrations.config import vault_config
from leadpilot.integrations.crypto import cipher_for
from leadpilot.platform.models import PlatformSettingItem
from leadpilot.settings import Settings
from leadpilot.usage.meter import KINDS
from leadpilot.usage.plans import PLANS

PK = "PLATFORM#SETTINGS"
PLANS_SK = "PLANS"
CACHE_S = 30.0
_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()
# Each kind of credential and the field whose last 4 characters are shown.
CREDENTIALS = {"twilio": "auth_token", "openai": "api_key", "email": "from_email"}


def forget_cached() -> None:
    """Read the settings afresh next time, as a new process would (tests: each starts from an empty platform)."""
    with _lock:
        _cache.clear()


def _context(kind: str) -> str:
    return f"platform/credential/{kind}"


def _item(sk: str) -> PlatformSettingItem | None:
    try:
        return PlatformSettingItem.get(PK, sk, consistent_read=True)
    except DoesNotExist:
        return None


def plan_overrides() -> dict[str, Any]:
    """The stored overrides of the default plans: {plan: {kind: {"day"|"month": n | None}}}."""
    item = _item(PLANS_SK)
    plans: Any = item.plans if item is not None else {}
    return dict(plans.as_dict() if hasattr(plans, "as_dict") else plans or {})


def plan_defaults() -> dict[str, Any]:
    """The overrides of the default plans as the usage limits apply them, read at most once per CACHE_S."""
    now = time.monotonic()
    with _lock:
        cached = _cache.get(PLANS_SK)
    if cached is None or now - cached[0] >= CACHE_S:
        cached = (now, plan_overrides())
        with _lock:
            _cache[PLANS_SK] = cached
    return cached[1]


def effective_plans() -> dict[str, Any]:
    """The default plans with the platform's overrides applied."""
    return merged_plans(plan_overrides())


def merged_plans(overrides: dict[str, Any]) -> dict[str, Any]:
    """The default plans with these overrides applied ({plan: {kind: {"day"|"month": n | None}}})."""
    plans: dict[str, Any] = copy.deepcopy(PLANS)
    for plan, kinds in overrides.items():
        for kind, periods in (kinds or {}).items():
            plans.setdefault(plan, {}).setdefault(kind, {"day": None, "month": None}).update(periods)
    return plans


def describe(settings: Settings) -> dict[str, Any]:
    """What GET /platform/settings shows: which credentials are set (a hint, never the secret) and the plans."""
    bind_tables(settings)
    credentials = {}
    for kind in CREDENTIALS:
        item = _item(f"CRED#{kind}")
        credentials[kind] = {"set": item is not None, "last4": item.last4 if item else None,
                             "updated_at": item.updated_at if item else None}
    return {"credentials": credentials, "plans": effective_plans(), "plan_overrides": plan_overrides()}


def _check_plans(plans: dict[str, Any]) -> None:
    for plan, kinds in plans.items():
        if plan not in PLANS:
            raise ValidationFailed.field(f"plans/{plan}", f"is not a plan ({', '.join(PLANS)})")
        for kind in kinds or {}:
            if kind not in KINDS:
                raise ValidationFailed.field(f"plans/{plan}/{kind}", f"is not a metered kind ({', '.join(KINDS)})")


def update(settings: Settings, identity: Identity, body: dict[str, Any]) -> dict[str, list[str]]:
    """Save credentials (an object seals and replaces, null removes) and plan overrides (replaced whole; null
    clears them); returns what changed, by name only (no secret ever reaches a log)."""
    bind_tables(settings)
    changed: dict[str, list[str]] = {"credentials": [], "plans": []}
    if "plans" in body:
        plans = body["plans"] or {}
        _check_plans(plans)
        PlatformSettingItem(PK, PLANS_SK, plans=plans, updated_at=now_iso(), updated_by=identity.principal_id).save()
        with _lock:  # this process applies the change at once; others within CACHE_S
            _cache.pop(PLANS_SK, None)
        changed["plans"] = sorted(plans)
    sealing = any((body.get("credentials") or {}).values())
    cipher = cipher_for(vault_config().vault_key, settings.region) if sealing else None
    for kind, fields in (body.get("credentials") or {}).items():
        if fields is None:
            PlatformSettingItem(PK, f"CRED#{kind}").delete()
        else:
            assert cipher is not None
            PlatformSettingItem(PK, f"CRED#{kind}", sealed=cipher.seal(json.dumps(fields), _context(kind)),
                                last4=str(fields[CREDENTIALS[kind]])[-4:], updated_at=now_iso(),
                                updated_by=identity.principal_id).save()
        changed["credentials"].append(kind)
        with _lock:  # as for the plans: this process at once, others within CACHE_S
            _cache.pop(f"CRED#{kind}", None)
    return changed


def platform_secret(settings: Settings, kind: str) -> dict[str, str] | None:
    """The platform's own credential of this kind, opened (None when not set here: the deployment's is used)."""
    bind_tables(settings)
    item = _item(f"CRED#{kind}")
    if item is None or not item.sealed:
        return None
    opened = cipher_for(vault_config().vault_key, settings.region).open(item.sealed, _context(kind))
    return dict(json.loads(opened))


def platform_credential(settings: Settings, kind: str) -> dict[str, str] | None:
    """`platform_secret`, read at most once per CACHE_S per process (what the send paths ask)."""
    key, now = f"CRED#{kind}", time.monotonic()
    with _lock:
        cached = _cache.get(key)
    if cached is None or now - cached[0] >= CACHE_S:
        cached = (now, {"secret": platform_secret(settings, kind)})
        with _lock:
            _cache[key] = cached
    secret: dict[str, str] | None = cached[1]["secret"]
    return None if secret is None else dict(secret)
