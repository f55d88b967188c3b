"""Twilio's status callbacks: each (MessageSid, status) applied once, a status never moved backwards, and a
callback that arrives before the send worker has recorded the sid held until it has.

Twilio may call back while the worker is between the provider call and the transaction that records the
sid (a `queued` or `sent` callback can take less than that). Such a callback is held on the sid
(`EarlyStatusItem`) and the worker applies what is held right after it records the sid; the callback itself
looks once more after holding, so whichever of the two comes second applies it (StatusSeen makes a second
application a no-op).
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DeleteError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import size

from leadpilot.db.base import transaction
from leadpilot.errors import ValidationFailed
from leadpilot.events.outbox import publish_now
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings
from leadpilot.sms import store as sms_store
from leadpilot.sms.inbound import form_field
from leadpilot.sms.models import EarlyStatusItem, ProviderSidItem, SmsMessageItem, StatusSeenItem
from leadpilot.sms.send import _iso
from leadpilot.sms.webhooks import require_owner

PROVIDER_ACTOR = {"type": "system", "id": "sms-provider"}
_STATUS_SEEN_TTL_S = 30 * 86400
_EARLY_TTL_S = 2 * 86400
_EARLY_MAX = 20  # callbacks held per sid (a message has at most a handful of statuses)
_KEPT_FIELDS = ("MessageSid", "MessageStatus", "ErrorCode", "ErrorMessage")
_SIGNED_BY = "_signed_by"  # in a held form: the workspace whose own account signed it (absent: the platform's)

_RANK = {"accepted": 1, "scheduled": 1, "queued": 1, "sending": 2, "sent": 3, "delivered": 4, "undelivered": 4,
         "failed": 4, "read": 5}
_OURS = {"delivered": "delivered", "undelivered": "undelivered", "failed": "failed", "read": "delivered"}


def on_status(settings: Settings, form: Mapping[str, str], now: datetime | None = None,
              signed_by: str | None = None) -> str:
    """Apply a delivery receipt once; an older status arriving late changes nothing. Returns what happened.
    `signed_by`: the workspace whose own Twilio account signed the callback; only its texts may change (403)."""
    now = now or datetime.now(UTC)
    sid, status = form_field(form, "MessageSid"), form_field(form, "MessageStatus").lower()
    if status not in _RANK:
        raise ValidationFailed.field("MessageStatus", f"is not a known message status: {status[:40]}")
    ref = _sid_ref(sid)
    if ref is None:
        _hold(sid, form, now, signed_by)
        ref = _sid_ref(sid)  # the worker may have recorded the sid meanwhile, and looked before we held
        if ref is None:
            logger.info("status callback held until its text is recorded", extra={"sid": sid[:64], "status": status})
            return "held"
        results = _apply_held(settings, ref, sid, now)  # a foreign one held is dropped there, unapplied
        require_owner(signed_by, ref.workspace_id, "MessageSid")
        return results.get(status, "duplicate")
    require_owner(signed_by, ref.workspace_id, "MessageSid")
    return _apply(settings, ref, status, form, now)


def apply_early(settings: Settings, sids: list[str], now: datetime | None = None) -> int:
    """Apply the callbacks held for these just-recorded sids (one BatchGetItem per 100); returns how many.

    Called by the send worker after it records texts as sent. A failure here is logged, never raised: the
    texts are sent and recorded, and a later callback of the same text still applies.
    """
    now = now or datetime.now(UTC)
    applied = 0
    try:
        for start in range(0, len(sids), 100):
            keys = [(f"SMS_SID#{sid}", "EARLY") for sid in sids[start:start + 100]]
            for held in EarlyStatusItem.batch_get(keys, consistent_read=True):  # a callback held just now
                sid = held.PK.split("#", 1)[1]
                ref = _sid_ref(sid)
                if ref is not None:
                    applied += len(_apply_held(settings, ref, sid, now, held))
    except Exception:  # the send is recorded; this must not make the worker send again
        logger.exception("held status callbacks not applied", extra={"sids": len(sids)})
    return applied


def _sid_ref(sid: str) -> ProviderSidItem | None:
    try:
        return ProviderSidItem.get(f"SMS_SID#{sid}", "SID", consistent_read=True)
    except ProviderSidItem.DoesNotExist:
        return None


def _hold(sid: str, form: Mapping[str, str], now: datetime, signed_by: str | None) -> None:
    kept = {key: str(form[key])[:500] for key in _KEPT_FIELDS if form.get(key)}
    if signed_by is not None:
        kept[_SIGNED_BY] = signed_by
    serialized = json.dumps(kept)
    held = EarlyStatusItem(f"SMS_SID#{sid}", "EARLY")
    try:
        held.update(actions=[EarlyStatusItem.forms.set((EarlyStatusItem.forms | []).append([serialized])),
                             EarlyStatusItem.expires_at.set(int(now.timestamp()) + _EARLY_TTL_S)],
                    condition=EarlyStatusItem.forms.does_not_exist() | (size(EarlyStatusItem.forms) < _EARLY_MAX))
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        logger.warning("too many held status callbacks for one sid", extra={"sid": sid[:64]})


def _apply_held(settings: Settings, ref: ProviderSidItem, sid: str, now: datetime,
                held: EarlyStatusItem | None = None) -> dict[str, str]:
    """Apply a sid's held callbacks in status order, then drop them; what happened per status."""
    if held is None:
        try:
            held = EarlyStatusItem.get(f"SMS_SID#{sid}", "EARLY", consistent_read=True)
        except EarlyStatusItem.DoesNotExist:
            return {}
    forms = [json.loads(str(f)) for f in held.forms or []]
    # One signed by a workspace's own account about another workspace's text: checked now that the text is known.
    forms = [f for f in forms if f.get(_SIGNED_BY, ref.workspace_id) == ref.workspace_id]
    results: dict[str, str] = {}
    for form in sorted(forms, key=lambda f: _RANK.get(str(f.get("MessageStatus", "")).lower(), 0)):
        status = str(form.get("MessageStatus", "")).lower()
        if status in _RANK and status not in results:
            results[status] = _apply(settings, ref, status, form, now)
    with suppress(DeleteError):  # one held meanwhile: that callback looks again after holding and applies it
        held.delete(condition=EarlyStatusItem.forms == held.forms)
    metrics.add_metric(name="SmsStatusHeldApplied", unit="Count", value=len(results))
    return results


def _apply(settings: Settings, ref: ProviderSidItem, status: str, form: Mapping[str, str], now: datetime) -> str:
    for _ in range(3):
        item = sms_store.get_item(ref.workspace_id, ref.message_id)
        if item is None or item.direction != "outbound":
            return "unknown"
        result = _apply_status(settings, item, status, form, now)
        if result != "raced":
            return result
    return "raced"


def _apply_status(settings: Settings, item: SmsMessageItem, status: str, form: Mapping[str, str],
                  now: datetime) -> str:
    seen = StatusSeenItem(item.PK, f"STATUS#{status}", received_at=_iso(now),
                          expires_at=int(now.timestamp()) + _STATUS_SEEN_TTL_S)
    current = item.provider_status or ""
    forward = _RANK[status] > _RANK.get(current, 0) and item.status not in ("delivered", "undelivered", "failed")
    events = []
    try:
        with transaction(settings) as txn:
            txn.save(seen, condition=StatusSeenItem.PK.does_not_exist())
            if forward:
                ours = _OURS.get(status, item.status)
                actions: list[Any] = [SmsMessageItem.provider_status.set(status), SmsMessageItem.status.set(ours),
                                      SmsMessageItem.updated_at.set(_iso(now))]
                code = (form.get("ErrorCode") or "").strip()[:20]
                if code:
                    actions.append(SmsMessageItem.error_code.set(code))
                    if form.get("ErrorMessage"):
                        actions.append(SmsMessageItem.error_message.set(str(form["ErrorMessage"])[:500]))
                if ours == "delivered":
                    actions.append(SmsMessageItem.delivered_at.set(_iso(now)))
                condition = (SmsMessageItem.provider_status == current) if current else \
                    SmsMessageItem.provider_status.does_not_exist()
                txn.update(item, actions=actions, condition=condition)
                item.status, item.provider_status = ours, status
                if ours == "delivered":
                    events.append(sms_store.sms_event(item, "sms.delivered", PROVIDER_ACTOR))
                elif ours in ("failed", "undelivered"):
                    events.append(sms_store.sms_event(item, "sms.failed", PROVIDER_ACTOR, status=ours,
                                                      error_code=code or None,
                                                      error_message=(form.get("ErrorMessage") or None)))
                for event in events:
                    txn.save(event)
    except TransactWriteError as exc:
        reasons = list(exc.cancellation_reasons or [])
        if reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
            return "duplicate"
        if len(reasons) > 1 and reasons[1] is not None and reasons[1].code == "ConditionalCheckFailed":
            return "raced"  # another callback moved the message meanwhile: look again
        raise
    publish_now(settings, events)
    if events:
        metrics.add_metric(name="SmsDelivered" if item.status == "delivered" else "SmsFailed", unit="Count", value=1)
    return item.status if forward else "stale"
