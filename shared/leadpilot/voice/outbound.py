"""POST /calls and the AI call flow node: an outbound call through Twilio with asynchronous answering-machine
detection (its verdict is handled by `amd`), refused with a clear reason when the contact must not be called
(do-not-contact, no consent, outside calling hours in their zone) or the workspace is at its voice-minute limit."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from pynamodb.exceptions import PutError

from leadpilot.clock import now_iso
from leadpilot.contacts import store as contacts_store
from leadpilot.errors import Conflict, DomainError, NotFound, ValidationFailed
from leadpilot.identity import suspension
from leadpilot.ids import new_id
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings
from leadpilot.sms import numbers as sms_numbers
from leadpilot.sms.compliance import send_zone
from leadpilot.sms.config import MessagingConfig
from leadpilot.sms.provider import workspace_config
from leadpilot.voice import calls, metering, provider
from leadpilot.voice import numbers as voice_numbers
from leadpilot.voice.answer import Urls
from leadpilot.voice.models import CallItem, CallSidItem

CONSENT_FIELD = "call_consent"


class CallRefused(DomainError):
    """The contact must not be called now (the reason is in details.reason)."""

    status = 422
    code = "call_refused"


class ProviderUnavailable(DomainError):
    """Twilio could not be reached or failed; the call was not placed (its reserved minute is given back)."""

    status = 503
    code = "provider_unavailable"


@dataclass(frozen=True)
class CallRequest:
    contact_id: str
    from_number_id: str | None = None
    purpose: str | None = None
    consent: str | None = None
    idempotency_key: str | None = None
    flow_token: str | None = None
    flow: dict[str, Any] | None = None


def _refuse(reason: str, message: str, **details: Any) -> CallRefused:
    return CallRefused(message, {"field": "contact_id", "reason": reason, **details})


def _clock(text: str) -> time:
    return time.max if text == "24:00" else time.fromisoformat(text)


def calling_window(now: datetime, zone_name: str, hours: dict[str, str]) -> str | None:
    """None when `now` is inside the calling hours in the callee's zone; else when the next window opens (UTC)."""
    zone = send_zone(zone_name, None)
    local = now.astimezone(zone)
    start, end = _clock(hours["start"]), _clock(hours["end"])
    if start <= local.time() < end:
        return None
    day = local.date() if local.time() < start else local.date() + timedelta(days=1)
    opens = datetime.combine(day, start, tzinfo=zone).astimezone(UTC)
    return opens.isoformat().replace("+00:00", "Z")


def check_callable(workspace_timezone: str, contact: Any, consent: str | None, hours: dict[str, str],
                   now: datetime) -> None:
    """Refuse (422 call_refused, details.reason) a contact that must not be called now."""
    if not contact.phone:
        raise _refuse("no_phone", "the contact has no phone number")
    if contact.do_not_contact:
        raise _refuse("do_not_contact", "the contact asked not to be contacted")
    custom = contact.custom_fields or {}
    if not consent and custom.get(CONSENT_FIELD) not in (True, "true", "yes", "express", "express_written"):
        raise _refuse("no_consent", f"no consent to call: give `consent` or set the contact's {CONSENT_FIELD}")
    zone = str(custom.get("timezone") or workspace_timezone or "UTC")
    opens = calling_window(now, zone, hours)
    if opens is not None:
        raise _refuse("outside_calling_hours", f"outside calling hours ({hours['start']}-{hours['end']} in {zone})",
                      timezone=zone, retry_at=opens)


def _from_number(workspace_id: str, number_id: str | None) -> sms_numbers.PhoneNumber:
    if number_id:
        return sms_numbers.get_number(workspace_id, number_id)
    found = sms_numbers.list_numbers(workspace_id)
    if not found:
        raise ValidationFailed.field("from_number_id", "the workspace has no phone number to call from")
    return found[0]


def place_call(settings: Settings, messaging: MessagingConfig, urls: Urls, workspace_id: str, workspace_timezone: str,
               request: CallRequest, now: datetime | None = None) -> tuple[dict[str, Any], bool]:
    """Place one call (once per idempotency key): (the call, created)."""
    now = now or datetime.now(UTC)
    item = contacts_store.get_item(workspace_id, request.contact_id)
    if item is None:
        raise NotFound("contact not found", {"field": "contact_id"})
    contact = contacts_store.to_contact(item)
    number = _from_number(workspace_id, request.from_number_id)
    config = voice_numbers.load(workspace_id, number.id, number.number)
    check_callable(workspace_timezone, contact, request.consent, config.config["calling_hours"], now)
    key = CallSidItem(f"WS#{workspace_id}#CALL_KEY#{request.idempotency_key}", "KEY", workspace_id=workspace_id,
                      call_id=new_id()) if request.idempotency_key else None
    if key is not None:
        try:
            key.save(condition=CallSidItem.PK.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            earlier = CallSidItem.get(key.PK, "KEY", consistent_read=True).call_id
            try:
                return calls.to_dict(calls.get_item(workspace_id, earlier)), False
            except NotFound as missing:  # the first request is still placing it
                raise Conflict("a call with this idempotency_key is being placed", {"field": "idempotency_key"}) \
                    from missing
    suspension.refuse_if_suspended(workspace_id)  # 403 workspace_suspended: nothing is placed or charged
    call_id = key.call_id if key is not None else new_id()
    try:
        metering.reserve(settings, workspace_id, call_id)
    except metering.LimitReached:
        if key is not None:
            key.delete()  # refused: the same key may be tried again later
        raise
    details = {"purpose": request.purpose, "consent": request.consent or "contact_field", "flow": request.flow}
    call = calls.new_call(workspace_id, "outbound", number.number, str(contact.phone), number_id=number.id,
                          contact_id=contact.id, mode="relay" if urls.relay.relay else "gather",
                          details={k: v for k, v in details.items() if v},
                          call_id=call_id)
    call.minutes_charged, call.flow_token = 1, request.flow_token  # type: ignore[assignment]
    call.save()
    return _dial(settings, messaging, urls, call, config), True


def _dial(settings: Settings, messaging: MessagingConfig, urls: Urls, call: CallItem,
          config: voice_numbers.VoiceSettings) -> dict[str, Any]:
    ws = call.workspace_id
    outbound = provider.OutboundCall(
        call.call_id, call.to, call.from_, answer_url=urls.hook("answer", ws, call.call_id),
        status_url=urls.hook("status", ws, call.call_id),
        recording_url=urls.hook("recording", ws, call.call_id) if config.config["recording"] else None,
        amd_url=urls.hook("amd", ws, call.call_id))
    try:
        sid = provider.calls_for(workspace_config(settings, messaging, ws)).create(outbound)
    except provider.Refused as exc:
        _failed(settings, call, {"code": exc.code, "message": exc.message})
        raise CallRefused(f"the provider refused the call: {exc.message}",
                          {"field": "contact_id", "reason": "provider_refused", "code": exc.code}) from exc
    except Exception as exc:  # the provider's boundary: network errors, 5xx, 429
        _failed(settings, call, {"code": "provider_error"})
        logger.warning("placing a call failed", extra={"call_id": call.call_id, "error": type(exc).__name__})
        raise ProviderUnavailable("the telephony provider could not place the call; try again later",
                                  {"field": "contact_id", "error": type(exc).__name__}) from exc
    calls.sid_item(sid, ws, call.call_id).save(condition=CallSidItem.PK.does_not_exist())
    call.update(actions=[CallItem.provider_sid.set(sid), CallItem.provider_status.set("queued"),
                         CallItem.updated_at.set(now_iso())])
    metrics.add_metric(name="CallPlaced", unit="Count", value=1)
    return calls.to_dict(call)


def _failed(settings: Settings, call: CallItem, error: dict[str, Any]) -> None:
    details = {**calls.details_of(call), "error": error}
    call.update(actions=[CallItem.status.set("failed"), CallItem.details.set(json.dumps(details)),
                         CallItem.ended_at.set(now_iso()), CallItem.updated_at.set(now_iso())])
    metering.settle(settings, call)
