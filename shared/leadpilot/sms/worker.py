"""The send worker: hands a queued text to the provider once, however often the queue delivers it.

1. A text that is final (sent, delivered, failed, blocked, cancelled) is left alone: a redelivery does nothing.
2. Not yet due (scheduled, or deferred to the contact's send window): re-enqueued for later.
3. Do-not-contact is checked again now: a contact who opted out meanwhile is never texted (status blocked).
4. The text is claimed (queued -> sending, conditional) BEFORE the provider call: that is the idempotency
   record. A redelivery that finds it "sending" (a crash after the call, or a transient provider error)
   first asks the provider whether it has the text (`find`) and adopts it; it sends again only when the
   provider has no copy and the claim is older than the lease.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import TransactWriteError, UpdateError

from leadpilot import usage
from leadpilot.contacts import store as contacts_store
from leadpilot.db.base import transaction
from leadpilot.db.crm_models import ActivityItem, ContactItem
from leadpilot.events.outbox import publish_now
from leadpilot.identity import suspension
from leadpilot.ids import new_id
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings
from leadpilot.sms import messaging_settings as sms_settings
from leadpilot.sms import status as sms_status
from leadpilot.sms import store as sms_store
from leadpilot.sms.compliance import next_allowed_send
from leadpilot.sms.config import MessagingConfig
from leadpilot.sms.models import ProviderSidItem, SmsMessageItem
from leadpilot.sms.provider import Accepted, OutboundSms, Rejected, SmsProvider
from leadpilot.sms.send import _iso, due_time, enqueue

UNCOMMITTED_GRACE = timedelta(minutes=2)  # a queue message may arrive before the commit of its text
LEASE = timedelta(seconds=60)  # longer than a provider call can take (10 s timeout), shorter than a redelivery


class StillSending(Exception):
    """Another attempt holds the text and may still be talking to the provider: retry later."""


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def contact_zone(contact: Any) -> str | None:
    """The contact's zone: its `timezone` custom field, else the only zone of its phone number."""
    zone = (contact.custom_fields or {}).get("timezone")
    if isinstance(zone, str) and zone:
        return zone
    if contact.phone:
        import phonenumbers
        from phonenumbers import timezone as number_zones

        try:
            zones = number_zones.time_zones_for_number(phonenumbers.parse(contact.phone))
        except phonenumbers.NumberParseException:
            return None
        if len(zones) == 1 and zones[0] != "Etc/Unknown":
            return str(zones[0])
    return None


@dataclass
class Prefetched:
    """A batch's texts and contacts read in two BatchGetItem calls (strongly consistent reads are not needed:
    every write below is conditional on the state it read)."""

    messages: dict[str, SmsMessageItem] = field(default_factory=dict)
    contacts: dict[str, ContactItem] = field(default_factory=dict)


def prefetch(refs: list[tuple[str, str]]) -> Prefetched:
    """Read the texts of a batch, then their contacts."""
    found = Prefetched()
    keys = [(sms_store.message_pk(ws, mid), "MESSAGE") for ws, mid in dict.fromkeys(refs)]
    for item in SmsMessageItem.batch_get(keys):
        found.messages[item.message_id] = item
    contact_keys = {(contacts_store.contacts_pk(i.workspace_id), f"CONTACT#{i.contact_id}")
                    for i in found.messages.values()}
    for contact in ContactItem.batch_get(list(contact_keys)):
        found.contacts[f"{contact.workspace_id}#{contact.contact_id}"] = contact
    return found


_SETTINGS_TTL_S = 30.0
_settings_cache: dict[str, tuple[float, sms_settings.SmsSettings]] = {}


def cached_settings(workspace_id: str) -> sms_settings.SmsSettings:
    """A workspace's messaging settings, re-read at most every 30 s by a warm worker."""
    hit = _settings_cache.get(workspace_id)
    if hit is not None and time.monotonic() - hit[0] < _SETTINGS_TTL_S:
        return hit[1]
    value = sms_settings.load(workspace_id)
    _settings_cache[workspace_id] = (time.monotonic(), value)
    return value


class EventSink:
    """Events of a batch's texts, published together after the batch (one PutEvents per 10, one transaction
    clearing their outbox flags); whatever is left unpublished, the outbox publisher sends."""

    def __init__(self) -> None:
        self.items: list[ActivityItem] = []
        self._lock = threading.Lock()

    def add(self, item: ActivityItem) -> None:
        with self._lock:
            self.items.append(item)

    def flush(self, settings: Settings) -> int:
        with self._lock:
            items, self.items = self.items, []
        return publish_now(settings, items)


def _publish(settings: Settings, event: ActivityItem, sink: EventSink | None) -> None:
    if sink is None:
        publish_now(settings, [event])
    else:
        sink.add(event)


def deliver(settings: Settings, config: MessagingConfig, provider: SmsProvider, workspace_id: str, message_id: str,
            now: datetime | None = None, prefetched: Prefetched | None = None, sink: EventSink | None = None,
            enqueued_at: str | None = None) -> str:
    """Process one queue message for a text; returns what happened (for logs and tests)."""
    now = now or datetime.now(UTC)
    ready = _prepare(settings, config, provider, Job(workspace_id, message_id, enqueued_at), now, prefetched, sink)
    if isinstance(ready, str):
        return ready
    return _send(settings, config, provider, ready, now, expected=ready.status, sink=sink)


@dataclass(frozen=True)
class Job:
    """One queue message: the text to send."""

    workspace_id: str
    message_id: str
    enqueued_at: str | None = None


Outcome = str | Exception  # what happened to a text, or why it must be redelivered


def deliver_batch(settings: Settings, config: MessagingConfig, provider: SmsProvider, jobs: list[Job],
                  prefetched: Prefetched, sink: EventSink, threads: int = 4) -> list[Outcome]:
    """Process a queue batch; one outcome per job, in order (an exception = redeliver that message).

    Each text is checked on its own (a few threads: a recovery asks the provider), then the texts ready to go
    are claimed in one transaction, handed to the provider together (`send_many`) and recorded as sent in one
    transaction: a handful of AWS calls per batch instead of three per text. Claim-before-call holds for each
    text; a cancelled batch transaction falls back to one call per text, so one lost claim blocks no other text.
    """
    now = datetime.now(UTC)

    def prepare(job: Job) -> Outcome | SmsMessageItem:
        try:
            return _prepare(settings, config, provider, job, now, prefetched, sink)
        except Exception as exc:  # reported for this job only
            return exc

    with ThreadPoolExecutor(max_workers=threads) as pool:
        prepared = list(pool.map(prepare, jobs))
    ready = [item for item in prepared if isinstance(item, SmsMessageItem)]
    sent = iter(_send_many(settings, config, provider, ready, now, sink))
    return [next(sent) if isinstance(item, SmsMessageItem) else item for item in prepared]


def _prepare(settings: Settings, config: MessagingConfig, provider: SmsProvider, job: Job, now: datetime,
             prefetched: Prefetched | None, sink: EventSink | None) -> str | SmsMessageItem:
    """Everything before the claim: the text when it is to be sent now, else what happened to it."""
    workspace_id, message_id = job.workspace_id, job.message_id
    item = prefetched.messages.get(message_id) if prefetched else None
    item = item if item is not None and item.workspace_id == workspace_id else sms_store.get_item(workspace_id,
                                                                                                  message_id)
    if item is None:
        enqueued = _parse(job.enqueued_at)
        if enqueued is not None and now - enqueued < UNCOMMITTED_GRACE:
            enqueue(config, workspace_id, message_id, 5)  # enqueued just before its commit: look again shortly
            return "not_yet"
        logger.warning("send of an unknown text ignored", extra={"message_id": message_id})
        return "missing"
    if item.status in sms_store.FINAL:
        return "done"
    due = _parse(item.due_at)
    if due is not None and due > now:
        enqueue(config, workspace_id, message_id, (due - now).total_seconds())
        return "waiting"
    if item.status == "sending":
        return _recover(settings, config, provider, item, now, sink)
    if suspension.suspended_reason(workspace_id) is not None:
        return _block(settings, item, "workspace_suspended", now, sink)
    compliance = item.purpose == "compliance"
    contact_item = prefetched.contacts.get(f"{workspace_id}#{item.contact_id}") if prefetched else None
    contact_item = contact_item or contacts_store.get_item(workspace_id, item.contact_id)
    contact = contacts_store.to_contact(contact_item) if contact_item is not None else None
    if contact is None or (contact.do_not_contact and not compliance):
        return _block(settings, item, "do_not_contact" if contact else "contact_deleted", now, sink)
    if not compliance and not item.deferred:
        ws_settings = cached_settings(workspace_id)
        if ws_settings.quiet_hours_enabled:
            start, end = ws_settings.window
            opens = next_allowed_send(now, contact_zone(contact), start, end, ws_settings.weekdays,
                                      ws_settings.timezone)
            if opens > now:
                return _defer(config, item, opens, now)
    return item


def _defer(config: MessagingConfig, item: SmsMessageItem, opens: datetime, now: datetime) -> str:
    """Outside the contact's send window: wait for it to open (deferred, never dropped)."""
    due = due_time(now, opens, config.time_scale)
    item.update(actions=[SmsMessageItem.deferred.set(True), SmsMessageItem.send_at.set(_iso(opens)),
                         SmsMessageItem.due_at.set(_iso(due)), SmsMessageItem.updated_at.set(_iso(now))],
                condition=SmsMessageItem.status == item.status)
    enqueue(config, item.workspace_id, item.message_id, (due - now).total_seconds())
    metrics.add_metric(name="SmsDeferred", unit="Count", value=1)
    return "deferred"


def _outbound(config: MessagingConfig, item: SmsMessageItem, claimed_at: str) -> OutboundSms:
    callback = f"{config.public_base_url}/webhooks/twilio/status" if config.public_base_url else None
    return OutboundSms(item.workspace_id, item.message_id, item.to, item.from_, item.body, callback, claimed_at)


def _claim_condition(item: SmsMessageItem, expected: str) -> Any:
    condition = SmsMessageItem.status == expected
    if expected == "sending":
        condition = condition & (SmsMessageItem.claim == str(item.claim))
    return condition


def _claim_actions(token: str, now: datetime) -> list[Any]:
    return [SmsMessageItem.status.set("sending"), SmsMessageItem.claim.set(token),
            SmsMessageItem.claimed_at.set(_iso(now)), SmsMessageItem.attempts.add(1),
            SmsMessageItem.updated_at.set(_iso(now))]


def _claim(item: SmsMessageItem, expected: str, now: datetime) -> str:
    token = new_id()
    try:
        item.update(actions=_claim_actions(token, now), condition=_claim_condition(item, expected))
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise StillSending(f"text {item.message_id} was claimed by another attempt") from exc
        raise
    return token


def _claim_many(settings: Settings, items: list[SmsMessageItem], now: datetime) -> list[str | Exception]:
    """Claim the texts (each conditional on the status it was read with) in one transaction; when it is
    cancelled (another attempt got one of them), claim them one by one: one token or error per text."""
    if len(items) > 1:
        tokens = [new_id() for _ in items]
        try:
            with transaction(settings) as txn:
                for item, token in zip(items, tokens, strict=True):
                    txn.update(item, actions=_claim_actions(token, now), condition=_claim_condition(item, item.status))
        except TransactWriteError:
            metrics.add_metric(name="SmsBatchClaimFallback", unit="Count", value=1)
        else:
            for item, token in zip(items, tokens, strict=True):
                item.status, item.claim, item.claimed_at = "sending", token, _iso(now)
                item.attempts = int(item.attempts or 0) + 1
            return list(tokens)
    return [_attempt(lambda item=item: _claim(item, item.status, now)) for item in items]


def _attempt(step: Any) -> Any:
    """The step's result, or the exception it raised (an outcome of one text in a batch)."""
    try:
        return step()
    except Exception as exc:  # reported for that text only
        return exc


def _send(settings: Settings, config: MessagingConfig, provider: SmsProvider, item: SmsMessageItem, now: datetime,
          expected: str, sink: EventSink | None = None) -> str:
    token = _claim(item, expected, now)
    sms = _outbound(config, item, _iso(now))
    try:
        accepted = provider.send(sms)
    except Rejected as exc:
        return _fail(settings, item, token, exc.code, exc.message, now, sink)
    return _mark_sent(settings, item, token, accepted, now, sink)


def _send_many(settings: Settings, config: MessagingConfig, provider: SmsProvider, items: list[SmsMessageItem],
               now: datetime, sink: EventSink) -> list[Outcome]:
    """`_send` for a batch: claim all, one `send_many` for the claimed ones, record the accepted ones together."""
    outcomes: list[Outcome] = list(_claim_many(settings, items, now))
    claimed = [(index, item, str(outcomes[index])) for index, item in enumerate(items)
               if not isinstance(outcomes[index], Exception)]
    if not claimed:
        return outcomes
    try:
        results = provider.send_many([_outbound(config, item, _iso(now)) for _, item, _ in claimed])
    except Exception as exc:  # every claimed text is redelivered (recovery finds what was sent)
        results = [exc] * len(claimed)
    accepted: list[tuple[int, SmsMessageItem, str, Accepted]] = []
    for (index, item, token), result in zip(claimed, results, strict=True):
        if isinstance(result, Accepted):
            accepted.append((index, item, token, result))
        elif isinstance(result, Rejected):
            outcomes[index] = _attempt(lambda i=item, t=token, r=result: _fail(settings, i, t, r.code, r.message,
                                                                               now, sink))
        else:
            outcomes[index] = result
    recorded = _mark_sent_many(settings, [(item, token, result) for _, item, token, result in accepted], now, sink)
    for (index, *_), outcome in zip(accepted, recorded, strict=True):
        outcomes[index] = outcome
    return outcomes


def _recover(settings: Settings, config: MessagingConfig, provider: SmsProvider, item: SmsMessageItem,
             now: datetime, sink: EventSink | None = None) -> str:
    """A previous attempt claimed the text and never finished: adopt the provider's copy, or send once more."""
    sms = _outbound(config, item, str(item.claimed_at))
    found = provider.find(sms)
    if found is not None:
        metrics.add_metric(name="SmsRecovered", unit="Count", value=1)
        return _mark_sent(settings, item, str(item.claim), found, now, sink)
    claimed = _parse(item.claimed_at)
    if claimed is not None and now - claimed < LEASE:
        raise StillSending(f"text {item.message_id} is being sent by another attempt")
    return _send(settings, config, provider, item, now, expected="sending", sink=sink)


def _sent_writes(txn: Any, item: SmsMessageItem, token: str, accepted: Accepted, now: datetime) -> ActivityItem:
    """Add a text's `sent` update (conditional on its claim), its sid item and its `sms.sent` event to `txn`."""
    item.status, item.provider_sid, item.provider_status = "sent", accepted.sid, accepted.status
    event = sms_store.sms_event(item, "sms.sent", sms_store.actor_of(item), source=item.source)
    txn.update(item, actions=[SmsMessageItem.status.set("sent"), SmsMessageItem.provider_sid.set(accepted.sid),
                              SmsMessageItem.provider_status.set(accepted.status),
                              SmsMessageItem.sent_at.set(_iso(now)), SmsMessageItem.updated_at.set(_iso(now))],
               condition=(SmsMessageItem.status == "sending") & (SmsMessageItem.claim == token))
    txn.save(ProviderSidItem(f"SMS_SID#{accepted.sid}", "SID", workspace_id=item.workspace_id,
                             message_id=item.message_id))
    txn.save(event)
    return event


def _mark_sent(settings: Settings, item: SmsMessageItem, token: str, accepted: Accepted, now: datetime,
               sink: EventSink | None = None) -> str:
    try:
        with transaction(settings) as txn:
            event = _sent_writes(txn, item, token, accepted, now)
    except TransactWriteError:
        current = sms_store.get_item(item.workspace_id, item.message_id)
        if current is not None and current.status in sms_store.FINAL:
            return "done"  # another attempt recorded it first
        raise
    _publish(settings, event, sink)
    _log_sent(item, accepted)
    metrics.add_metric(name="SmsSent", unit="Count", value=1)
    sms_status.apply_early(settings, [accepted.sid])
    return "sent"


def _log_sent(item: SmsMessageItem, accepted: Accepted) -> None:
    logger.info("sms sent", extra={"message_id": item.message_id, "provider_sid": accepted.sid,
                                   "workspace_id": item.workspace_id})


_SENT_PER_TRANSACTION = 33  # three writes per text, at most 100 per transaction


def _mark_sent_many(settings: Settings, sent: list[tuple[SmsMessageItem, str, Accepted]], now: datetime,
                    sink: EventSink) -> list[Outcome]:
    """`_mark_sent` for a batch in one transaction; when it is cancelled (a redelivery recorded one of them
    first), text by text."""
    outcomes: list[Outcome] = []
    for start in range(0, len(sent), _SENT_PER_TRANSACTION):
        chunk = sent[start:start + _SENT_PER_TRANSACTION]
        try:
            with transaction(settings) as txn:
                events = [_sent_writes(txn, item, token, accepted, now) for item, token, accepted in chunk]
        except TransactWriteError:
            metrics.add_metric(name="SmsBatchSentFallback", unit="Count", value=1)
            outcomes += [_attempt(lambda i=item, t=token, a=accepted: _mark_sent(settings, i, t, a, now, sink))
                         for item, token, accepted in chunk]
            continue
        for event in events:
            sink.add(event)
        for item, _, accepted in chunk:
            _log_sent(item, accepted)
        metrics.add_metric(name="SmsSent", unit="Count", value=len(chunk))
        sms_status.apply_early(settings, [accepted.sid for _, _, accepted in chunk])
        outcomes += ["sent"] * len(chunk)
    return outcomes


def _fail(settings: Settings, item: SmsMessageItem, token: str, code: str, message: str, now: datetime,
          sink: EventSink | None = None) -> str:
    """The provider refused the text for good: failed, with its error code; the segments are refunded."""
    event = sms_store.sms_event(item, "sms.failed", sms_store.actor_of(item), status="failed", error_code=code,
                                error_message=message)
    with transaction(settings) as txn:
        txn.update(item, actions=[SmsMessageItem.status.set("failed"), SmsMessageItem.error_code.set(code),
                                  SmsMessageItem.error_message.set(message[:500]),
                                  SmsMessageItem.updated_at.set(_iso(now))],
                   condition=(SmsMessageItem.status == "sending") & (SmsMessageItem.claim == token))
        txn.save(event)
    usage.refund(settings, item.workspace_id, "sms_segments", int(item.segments or 0), charged_at=str(item.charged_at),
                 **usage.sms_refund(item.message_id))
    _publish(settings, event, sink)
    metrics.add_metric(name="SmsFailed", unit="Count", value=1)
    return "failed"


def _block(settings: Settings, item: SmsMessageItem, reason: str, now: datetime, sink: EventSink | None = None) -> str:
    """Refused at send time (do-not-contact): blocked, on the timeline, segments refunded; never sent."""
    why = "the workspace is suspended" if reason == "workspace_suspended" else "the contact may not be texted"
    event = sms_store.sms_event(item, "sms.failed", sms_store.actor_of(item), status="blocked", error_code=reason,
                                error_message=f"not sent: {why}")
    try:
        with transaction(settings) as txn:
            txn.update(item, actions=[SmsMessageItem.status.set("blocked"), SmsMessageItem.error_code.set(reason),
                                      SmsMessageItem.updated_at.set(_iso(now))],
                       condition=SmsMessageItem.status == item.status)
            if reason != "contact_deleted":
                txn.save(event)
    except TransactWriteError:
        return "done"  # changed meanwhile (cancelled, or blocked by a parallel delivery)
    usage.refund(settings, item.workspace_id, "sms_segments", int(item.segments or 0), charged_at=str(item.charged_at),
                 **usage.sms_refund(item.message_id))
    if reason != "contact_deleted":
        _publish(settings, event, sink)
    metrics.add_metric(name="SmsBlocked", unit="Count", value=1)
    return "blocked"
