"""Lead score: workspace rules (field, custom-field and tag conditions worth points) plus engagement
signals (reply, open, click and call counters, the pipeline stage) that other capabilities record.

The score is stored on the contact (so search can filter and sort by it) and recomputed on every write
of the contact. Changing the rules does not rescore every contact at once: each contact's stored score
follows on its next write; GET /contacts/{id}/score always answers with the current rules.
"""
from __future__ import annotations

from contextlib import suppress
from typing import Any

from pynamodb.exceptions import DoesNotExist

from leadpilot.clock import now_iso
from leadpilot.contacts import store
from leadpilot.contacts.entities import ENGAGEMENT_COUNTERS, Contact
from leadpilot.contacts.filters import rule_matches
from leadpilot.contacts.indexes import contact_ops
from leadpilot.contacts.models import ScoringRulesItem
from leadpilot.db.base import transaction
from leadpilot.errors import Conflict, NotFound, ValidationFailed
from leadpilot.events.outbox import as_plain
from leadpilot.identity.entities import Identity
from leadpilot.settings import Settings

DEFAULT_SIGNALS: dict[str, Any] = {"replies": {"points": 5, "max": 50}, "opens": {"points": 1, "max": 10},
                                   "clicks": {"points": 2, "max": 20}, "calls": {"points": 10, "max": 50},
                                   "pipeline_stage": {}}
SIGNAL_NAMES = {"reply": "replies", "open": "opens", "click": "clicks", "call": "calls"}
_SCORE_LIMIT = 1_000_000
_RETRIES = 3


def _key(workspace_id: str) -> tuple[str, str]:
    return f"WS#{workspace_id}#SETTINGS", "CONTACT_SCORING"


def get_config(workspace_id: str) -> dict[str, Any]:
    """The workspace's rules and signal weights: this process's copy, checked current (contacts/config.py)."""
    from leadpilot.contacts import config  # it builds on this module

    return config.current(workspace_id).scoring


def load_config(workspace_id: str) -> dict[str, Any]:
    """The workspace's rules and signal weights read now (defaults when never configured)."""
    try:
        item = ScoringRulesItem.get(*_key(workspace_id), consistent_read=True)
    except DoesNotExist:
        return {"rules": [], "signals": DEFAULT_SIGNALS, "updated_at": None}
    rules = [as_plain(r) if not isinstance(r, dict) else r for r in item.rules or []]
    return {"rules": rules, "signals": {**DEFAULT_SIGNALS, **as_plain(item.signals)}, "updated_at": item.updated_at}


def put_config(settings: Settings, identity: Identity, body: dict[str, Any]) -> dict[str, Any]:
    """Replace the scoring rules (and optionally the signal weights)."""
    for i, rule in enumerate(body["rules"]):
        when = rule["when"]
        if "field" in when and when["op"] not in ("exists", "not_exists") and "value" not in when:
            raise ValidationFailed.field(f"rules/{i}/when/value", f"op {when['op']} needs a value")
    signals = {**DEFAULT_SIGNALS, **body.get("signals", {})}
    now = now_iso()
    from leadpilot.contacts import config

    version, bump = config.bump(identity.workspace_id)
    with transaction(settings) as txn:  # the change and its count together (contacts/config.py)
        txn.save(ScoringRulesItem(*_key(identity.workspace_id), rules=body["rules"], signals=signals, updated_at=now))
        txn.update(version, actions=bump)
    return {"rules": body["rules"], "signals": signals, "updated_at": now}


def explain(config: dict[str, Any], contact: Contact) -> dict[str, Any]:
    """The score under `config` and what contributed how many points."""
    parts: list[dict[str, Any]] = []
    for rule in config["rules"]:
        if rule_matches(contact, rule["when"]):
            parts.append({"kind": "rule", "name": rule["name"], "points": int(rule["points"])})
    for counter in ENGAGEMENT_COUNTERS:
        count = int(contact.engagement.get(counter, 0))
        weight = config["signals"].get(counter) or {}
        points = min(count * int(weight.get("points", 0)), int(weight.get("max", _SCORE_LIMIT)))
        if count and points:
            parts.append({"kind": "signal", "name": counter, "count": count, "points": points})
    stage = contact.engagement.get("pipeline_stage")
    stage_points = int((config["signals"].get("pipeline_stage") or {}).get(stage or "", 0))
    if stage and stage_points:
        parts.append({"kind": "signal", "name": "pipeline_stage", "stage": stage, "points": stage_points})
    total = max(-_SCORE_LIMIT, min(_SCORE_LIMIT, sum(p["points"] for p in parts)))
    return {"score": total, "contributions": parts}


def rescored(contact: Contact, config: dict[str, Any] | None = None) -> Contact:
    """The contact with its score recomputed (the workspace's config read when not given)."""
    config = config if config is not None else get_config(contact.workspace_id)
    return contact.with_changes(score=explain(config, contact)["score"])


def contact_score(identity: Identity, contact: Contact) -> dict[str, Any]:
    """GET /contacts/{id}/score: the current score, its explanation and what is stored for sorting."""
    result = explain(get_config(identity.workspace_id), contact)
    return {"contact_id": contact.id, **result, "stored_score": contact.score,
            "engagement": contact.engagement, "last_activity_at": contact.last_activity_at}


def record_engagement(settings: Settings, workspace_id: str, contact_id: str, signal: str,
                      stage: str | None = None, occurred_at: str | None = None) -> Contact:
    """Count one engagement signal on a contact ("reply", "open", "click", "call", or "pipeline_stage" with
    `stage`), move its last_activity_at, and rescore it. For other capabilities' event consumers: not
    idempotent by itself, so call it once per event id (dedupe as contacts/stats.py does)."""
    name = SIGNAL_NAMES.get(signal, signal)
    if name not in (*ENGAGEMENT_COUNTERS, "pipeline_stage") or (name == "pipeline_stage" and not stage):
        raise ValidationFailed.field("signal", "must be reply, open, click, call or pipeline_stage (with a stage)")
    for attempt in range(_RETRIES):
        item = store.get_item(workspace_id, contact_id)
        if item is None:
            raise NotFound("contact not found", {"field": "contact_id"})
        before = store.to_contact(item)
        engagement = dict(before.engagement)
        if name == "pipeline_stage":
            engagement["pipeline_stage"] = stage
        else:
            engagement[name] = int(engagement.get(name, 0)) + 1
        when = occurred_at or now_iso()
        after = rescored(before.with_changes(engagement=engagement, version=before.version + 1,
                                             last_activity_at=max(when, before.last_activity_at or "")))
        try:
            store.commit(settings, contact_ops(before, after))
            return after
        except Conflict:
            if attempt == _RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def on_stage_changed(settings: Settings, event: dict[str, Any]) -> None:
    """A deal moved: its contact's pipeline stage signal becomes the new stage's name (what scoring rules
    give points to). Setting a value is idempotent, so a redelivered event changes nothing more; a deleted
    contact or pipeline is skipped."""
    from leadpilot.pipelines import store as pipelines

    data = event["data"]
    pipeline = pipelines.find_pipeline(event["workspace_id"], data["pipeline_id"])
    stage = pipeline.stage(data["to_stage_id"]) if pipeline is not None else None
    if not data.get("contact_id") or stage is None:
        return
    with suppress(NotFound):
        record_engagement(settings, event["workspace_id"], data["contact_id"], "pipeline_stage",
                          stage=stage.name, occurred_at=event["occurred_at"])
