"""Twilio's voice webhook: an inbound call (routed by the To number) or an outbound call being answered (our
call id in the signed URL, with the answering-machine result). The answer is TwiML: the AI agent over
ConversationRelay (or the <Gather> loop), a voicemail after the beep, or a human outside the AI's hours."""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from pynamodb.exceptions import TransactWriteError

from leadpilot.clock import now_iso
from leadpilot.contact_points import normalize_phone
from leadpilot.contacts import service as contacts_service
from leadpilot.contacts import store as contacts_store
from leadpilot.db.base import transaction
from leadpilot.db.crm_models import ContactClaimItem
from leadpilot.errors import Conflict, NotFound, ValidationFailed
from leadpilot.events.outbox import publish_now
from leadpilot.identity.entities import Identity
from leadpilot.identity.system import SystemIdentity, system_identity
from leadpilot.ids import new_id
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings
from leadpilot.sms import numbers as sms_numbers
from leadpilot.sms.webhooks import require_owner
from leadpilot.voice import calls, metering, twiml
from leadpilot.voice import numbers as voice_numbers
from leadpilot.voice.config import VoiceConfig
from leadpilot.voice.models import CallItem, CallSidItem

BUSY_TEXT = "Sorry, we cannot take your call right now. Please try again later. Goodbye."
LIMIT_TEXT = "Sorry, this line cannot take more calls right now. Please try again later. Goodbye."


def identity_of(workspace_id: str) -> SystemIdentity:
    """The voice webhooks and agent acting in a workspace (creating contacts, tasks, notes, bookings)."""
    return system_identity(workspace_id, calls.PROVIDER_ACTOR["id"])


def field(form: Mapping[str, str], name: str) -> str:
    value = (form.get(name) or "").strip()
    if not value:
        raise ValidationFailed.field(name, "is required")
    return value[:200]


def relay_token(secret: str, workspace_id: str, call_id: str) -> str:
    """What a relay connection must present for this call (the URL Twilio opens is in our TwiML only)."""
    key = hmac.new(secret.encode(), b"leadpilot/voice-relay/v1", hashlib.sha256).digest()
    return hmac.new(key, f"{workspace_id}.{call_id}".encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class Urls:
    """Where Twilio reaches us: the API's public base URL, and the relay WebSocket."""

    base: str
    relay: VoiceConfig

    def hook(self, path: str, workspace_id: str, call_id: str) -> str:
        return f"{self.base}/webhooks/twilio/voice/{path}?" + urlencode({"ws": workspace_id, "call_id": call_id})


def caller_contact(settings: Settings, identity: Identity, phone: str) -> tuple[str, bool]:
    """The contact with this E.164 phone in the workspace, created when there is none: (id, created)."""
    key = contacts_store.claim_key(identity.workspace_id, "phone", phone)
    for _ in range(2):
        try:
            return ContactClaimItem.get(key, "CLAIM", consistent_read=True).contact_id, False
        except ContactClaimItem.DoesNotExist:
            pass
        try:
            return contacts_service.create_contact(settings, identity, {"phone": phone, "source": "call"}).id, True
        except Conflict:
            continue
    raise Conflict("the caller's contact is being changed; retry", {"field": "From"})


def _recording(urls: Urls, call: CallItem, config: voice_numbers.VoiceSettings) -> tuple[str | None, str | None]:
    """(announcement, recording callback URL) of a recorded number. An inbound call is recorded by our TwiML
    (<Start><Recording>); an outbound one already is by the call's `Record` parameter."""
    cfg = config.config
    if not cfg["recording"]:
        return None, None
    hook = urls.hook("recording", call.workspace_id, call.call_id) if call.direction == "inbound" else None
    return cfg["recording_announcement"] or None, hook


def agent_twiml(settings: Settings, urls: Urls, call: CallItem, config: voice_numbers.VoiceSettings) -> str:
    """Connect the call to the agent: ConversationRelay when this deployment has it, else the Gather loop."""
    cfg = config.config
    announcement, recording_url = _recording(urls, call, config)
    greeting = calls.details_of(call).get("greeting") or cfg["greeting"]
    if call.mode == "relay":
        token = relay_token(settings.jwt_secret, call.workspace_id, call.call_id)
        url = f"{urls.relay.relay_url}?" + urlencode({"ws": call.workspace_id, "call": call.call_id, "t": token})
        return twiml.relay(url, greeting, cfg["language"], cfg["voice"],
                           urls.hook("relay-end", call.workspace_id, call.call_id), announcement, recording_url)
    return twiml.gather(urls.hook("gather", call.workspace_id, call.call_id), greeting, cfg["language"],
                        announcement, recording_url)


def forward_twiml(urls: Urls, call: CallItem, config: voice_numbers.VoiceSettings, number: str,
                  text: str | None = None) -> str:
    """Dial a person (outside the AI's hours, or at the limit), recorded as the agent's calls are."""
    announcement, recording_url = _recording(urls, call, config)
    return twiml.dial(number, urls.hook("relay-end", call.workspace_id, call.call_id), text,
                      config.config["language"], announcement, recording_url)


def answer(settings: Settings, urls: Urls, form: Mapping[str, str], signed_by: str | None,
           workspace_id: str | None, call_id: str | None, now: datetime | None = None) -> str:
    """The TwiML for a call Twilio asks about: an outbound one of ours being answered, or a new inbound one."""
    sid = field(form, "CallSid")
    if call_id is not None and workspace_id is not None:
        require_owner(signed_by, workspace_id, "CallSid")
        return _answered(settings, urls, calls.get_item(workspace_id, call_id), form)
    known = calls.by_sid(sid)
    if known is not None:  # Twilio asked again (a retry): the same answer
        require_owner(signed_by, known.workspace_id, "CallSid")
        return _replay(settings, urls, known)
    return _inbound(settings, urls, form, sid, signed_by, now or datetime.now(UTC))


def _replay(settings: Settings, urls: Urls, call: CallItem) -> str:
    config = voice_numbers.load(call.workspace_id, call.number_id or "", call.to) if call.number_id else None
    if call.mode in ("relay", "gather") and config is not None:
        return agent_twiml(settings, urls, call, config)
    fallback = config.config.get("fallback_number") if config else None
    if fallback and call.mode == "forward" and config is not None:
        return forward_twiml(urls, call, config, fallback)
    return twiml.goodbye(BUSY_TEXT)


def _inbound(settings: Settings, urls: Urls, form: Mapping[str, str], sid: str, signed_by: str | None,
             now: datetime) -> str:
    to = field(form, "To")
    owner = sms_numbers.workspace_for(to)
    require_owner(signed_by, owner[0] if owner else None, "To")
    if owner is None:
        raise NotFound("no workspace has this number", {"field": "To"})
    workspace_id, number_id = owner
    identity = identity_of(workspace_id)
    caller = normalize_phone(field(form, "From"), identity.workspace.default_region, "From")
    config = voice_numbers.load(workspace_id, number_id, to)
    contact_id, _ = caller_contact(settings, identity, caller)
    on_duty = config.ai_on_duty(now)
    fallback = config.config.get("fallback_number")
    mode = ("relay" if urls.relay.relay else "gather") if on_duty else "forward"
    refused = None
    call_id = new_id()
    if on_duty:
        try:
            metering.reserve(settings, workspace_id, call_id)
        except metering.LimitReached as exc:
            refused, mode = exc.code, "forward"
    item = calls.new_call(workspace_id, "inbound", caller, to, number_id=number_id, contact_id=contact_id,
                          mode=mode, status="in_progress" if on_duty and not refused else "ringing", sid=sid,
                          details={"refused": refused} if refused else None, call_id=call_id)
    item.provider_status = "ringing"
    if mode != "forward":
        item.started_at, item.minutes_charged = now_iso(), 1  # type: ignore[assignment]
    events = [calls.call_event(item, "call.started", mode=mode)] if item.started_at else []
    try:
        with transaction(settings) as txn:
            txn.save(calls.sid_item(sid, workspace_id, item.call_id), condition=CallSidItem.PK.does_not_exist())
            txn.save(item)
            for event in events:
                txn.save(event)
    except TransactWriteError:
        if item.started_at:  # the reserved minute back: the first delivery answered (this item was never saved)
            from leadpilot.usage import meter

            meter.refund(settings, workspace_id, "voice_minutes", 1, charged_at=item.created_at)
        known = calls.by_sid(sid)
        if known is None:
            raise
        logger.info("a repeated voice webhook answered again", extra={"call_id": known.call_id})
        return _replay(settings, urls, known)
    publish_now(settings, events)
    metrics.add_metric(name="CallReceived", unit="Count", value=1)
    if mode != "forward":
        if mode == "relay" or mode == "gather":
            calls.add_turn(workspace_id, item.call_id, "agent", config.config["greeting"])
        return agent_twiml(settings, urls, item, config)
    if fallback:
        return forward_twiml(urls, item, config, fallback, LIMIT_TEXT if refused else None)
    return twiml.goodbye(LIMIT_TEXT if refused else BUSY_TEXT, config.config["language"])


def voicemail_twiml(call: CallItem, cfg: dict[str, Any]) -> str:
    """The number's voicemail message (kept as the call's last agent turn), then hang up."""
    calls.add_turn(call.workspace_id, call.call_id, "agent", cfg["voicemail_message"])
    return twiml.goodbye(cfg["voicemail_message"], cfg["language"])


def _answered(settings: Settings, urls: Urls, call: CallItem, form: Mapping[str, str]) -> str:
    """An outbound call picked up: the agent at once (the machine verdict comes later, to `amd`). A verdict in
    the answer itself (synchronous detection) is still followed: a machine gets the voicemail after its beep."""
    answered_by = (form.get("AnsweredBy") or call.answered_by or "unknown").strip()[:40]
    config = voice_numbers.load(call.workspace_id, call.number_id or "", call.from_)
    cfg = config.config
    if call.status == "voicemail":  # the machine verdict came first
        return twiml.goodbye(cfg["voicemail_message"], cfg["language"])
    if answered_by.startswith("machine_end") or answered_by in ("fax", "machine_start"):
        voicemail = answered_by.startswith("machine_end")
        call.update(actions=[CallItem.answered_by.set(answered_by), CallItem.updated_at.set(now_iso()),
                             *([CallItem.status.set("voicemail")] if voicemail else [])],
                    condition=CallItem.status.is_in("queued", "ringing", "in_progress"))
        return voicemail_twiml(call, cfg) if voicemail else twiml.goodbye(None)
    call.update(actions=[CallItem.answered_by.set(answered_by), CallItem.updated_at.set(now_iso())])
    greeting = calls.details_of(call).get("greeting") or cfg["greeting"]
    if not calls.turns(call.workspace_id, call.call_id):
        calls.add_turn(call.workspace_id, call.call_id, "agent", greeting)
    return agent_twiml(settings, urls, call, config)
