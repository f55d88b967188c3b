"""The send worker: a queue batch of messages read, checked, claimed, sent and recorded together (ADR 0010).

Per batch (up to 50 messages, the queue mapping's BatchSize): one BatchGetItem of the messages, one of their
contacts and suppression entries, one transaction claiming them (`queued -> sending`), one SES call per message
(four at once), one transaction per 25 recording them as sent (status, `email.sent` on each timeline, the flow
nodes' counters), a PutEvents per 10 and one transaction clearing the outbox flags. Every guarantee of one message
holds for each: the claim comes before the SES call, so a redelivered job never calls SES again; a cancelled
batch transaction falls back to one call per message, so a message another attempt holds blocks no other.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from pynamodb.exceptions import TransactWriteError, UpdateError

from leadpilot import usage
from leadpilot.clock import now_iso
from leadpilot.contacts import store as contacts_store
from leadpilot.db.base import CrmModel, transaction
from leadpilot.db.crm_models import ActivityItem, ContactItem
from leadpilot.email import mime, outcomes
from leadpilot.email.config import EmailConfig
from leadpilot.email.models import EmailMessageItem, EmailStatsItem, SuppressionItem
from leadpilot.email.provider import EmailProvider, ProviderRejected
from leadpilot.email.suppression import suppression_pk
from leadpilot.events import outbox
from leadpilot.identity import suspension
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings

Outcome = str | Exception  # the message's final status, or why its job must be redelivered
_T = TypeVar("_T")
_SENT_PER_TRANSACTION = 25  # each: the message, its event, at most one counter (DynamoDB allows 100 items)
_PROVIDER_CALLS = 4  # SES calls of one batch at once (as the SMS worker's provider calls)


@dataclass(frozen=True)
class Job:
    """One queue message: the email to send."""

    workspace_id: str
    message_id: str


def _attempt(step: Callable[..., _T], *args: Any) -> _T | Exception:
    """`step(*args)`, or the exception it raised (an outcome of one message in a batch)."""
    try:
        return step(*args)
    except Exception as exc:  # reported for that message only
        return exc


def deliver_batch(settings: Settings, config: EmailConfig, provider: EmailProvider, jobs: list[Job]) -> list[Outcome]:
    """Send each queued message of a batch at most once, then record it; one outcome per job, in order.

    A job repeated in the batch shares its message's outcome (the message is handled once).
    """
    keys = list(dict.fromkeys((job.workspace_id, job.message_id) for job in jobs))
    items = _read_messages(keys)
    done: dict[tuple[str, str], Outcome] = {}
    queued: list[EmailMessageItem] = []
    for key in keys:
        item = items.get(key)
        if item is None:
            logger.warning("send job for an unknown message dropped", extra={"message_id": key[1]})
            done[key] = "missing"
        elif item.status == "queued":
            queued.append(item)
        else:
            done[key] = _attempt(_settle, settings, item, True)
    sink: list[ActivityItem] = []
    for item, outcome in _send_all(settings, config, provider, queued, sink):
        done[(item.workspace_id, item.message_id)] = outcome
    _publish(settings, sink)
    return [done[(job.workspace_id, job.message_id)] for job in jobs]


def _read_messages(keys: list[tuple[str, str]]) -> dict[tuple[str, str], EmailMessageItem]:
    """The batch's messages in one BatchGetItem (strongly consistent: each was written just before its job)."""
    found = EmailMessageItem.batch_get([(outcomes.message_pk(ws, mid), "MSG") for ws, mid in keys],
                                       consistent_read=True)
    return {(item.workspace_id, item.message_id): item for item in found}


def _settle(settings: Settings, item: EmailMessageItem, stale_claim: bool) -> str:
    """A message found past `queued`: finish recording a `sent` one; a `sending` one left by a crash between
    the SES call and its next write (`stale_claim`) becomes `unknown`, never sent again."""
    if item.status == "sending" and stale_claim:
        _set(item, "sending", status="unknown", reason="the worker stopped during the provider call; not re-sent")
    if item.status == "sent" and not item.sent_recorded:
        outcomes.record(settings, item, "email.sent", {"provider_message_id": item.provider_message_id},
                        [EmailMessageItem.sent_recorded.set(True)], EmailMessageItem.sent_recorded == False,  # noqa: E712
                        stat="sent", actor=outcomes.actor_of(item))
    return str(item.status)


def _set(item: EmailMessageItem, condition_status: str, **values: Any) -> bool:
    """Move the message on from `condition_status`; False (and the item re-read) when it had already moved."""
    actions = [getattr(EmailMessageItem, k).set(v) for k, v in values.items()]
    try:
        item.update(actions=actions, condition=EmailMessageItem.status == condition_status)
        return True
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        item.refresh(consistent_read=True)
        return False


def _send_all(settings: Settings, config: EmailConfig, provider: EmailProvider, queued: list[EmailMessageItem],
              sink: list[ActivityItem]) -> list[tuple[EmailMessageItem, Outcome]]:
    """Check, claim, send and record the queued messages; each one's outcome."""
    results: list[tuple[EmailMessageItem, Outcome]] = []
    reachable: list[EmailMessageItem] = []
    for item, blocked in zip(queued, _blocked(queued), strict=True):
        if blocked:  # the contact unsubscribed, bounced or asked not to be contacted while it waited
            results.append((item, _attempt(_not_sent, settings, item, "queued", "skipped", blocked)))
        else:
            reachable.append(item)
    claimed: list[EmailMessageItem] = []
    for item, claim in zip(reachable, _claim_all(settings, reachable), strict=True):
        if claim is None:
            claimed.append(item)
        else:  # another attempt moved it on, or the claim failed
            results.append((item, claim))
    sent: list[tuple[EmailMessageItem, str]] = []
    for item, outcome in zip(claimed, _call_all(settings, config, provider, claimed), strict=True):
        if isinstance(outcome, tuple):
            sent.append(outcome)
        else:
            results.append((item, outcome))
    return results + _record_sent(settings, sent, sink)


def _call_all(settings: Settings, config: EmailConfig, provider: EmailProvider,
              claimed: list[EmailMessageItem]) -> list[tuple[EmailMessageItem, str] | Outcome]:
    """The SES calls of the claimed messages, a few at once (each waits on the network, not on the CPU)."""
    if len(claimed) < 2:
        return [_attempt(_call_provider, settings, config, provider, item) for item in claimed]
    with ThreadPoolExecutor(max_workers=min(_PROVIDER_CALLS, len(claimed))) as pool:
        return list(pool.map(lambda item: _attempt(_call_provider, settings, config, provider, item), claimed))


def _blocked(items: list[EmailMessageItem]) -> list[str | None]:
    """Why each message may not go out now (contact deleted, do-not-contact, suppressed), else None: the
    contacts and the suppression entries of the batch in one BatchGetItem."""
    if not items:
        return []
    keys = {(contacts_store.contacts_pk(i.workspace_id), f"CONTACT#{i.contact_id}") for i in items}
    keys |= {(suppression_pk(i.workspace_id), f"ADDR#{i.to.lower()}") for i in items}
    found = {(item.PK, item.SK): item for item in CrmModel.batch_get(list(keys), consistent_read=True)}

    def reason(item: EmailMessageItem) -> str | None:
        if suspension.suspended_reason(item.workspace_id) is not None:
            return "workspace_suspended"
        contact = found.get((contacts_store.contacts_pk(item.workspace_id), f"CONTACT#{item.contact_id}"))
        if not isinstance(contact, ContactItem):
            return "contact_deleted"
        if contact.do_not_contact:
            return "do_not_contact"
        entry = found.get((suppression_pk(item.workspace_id), f"ADDR#{item.to.lower()}"))
        return f"suppressed:{entry.reason}" if isinstance(entry, SuppressionItem) else None

    return [reason(item) for item in items]


def _claim_all(settings: Settings, items: list[EmailMessageItem]) -> list[Outcome | None]:
    """`queued -> sending` for each, in one transaction; when it is cancelled (another attempt moved one of
    them), one by one. None = claimed; otherwise the message's status (it moved on) or the error."""
    at = now_iso()
    if len(items) > 1:
        try:
            with transaction(settings) as txn:
                for item in items:
                    txn.update(item, actions=_claim_actions(at), condition=EmailMessageItem.status == "queued")
        except TransactWriteError:
            metrics.add_metric(name="EmailBatchClaimFallback", unit="Count", value=1)
        else:
            for item in items:
                item.status, item.sending_at = "sending", at
            return [None] * len(items)
    return [_attempt(_claim, settings, item, at) for item in items]


def _claim_actions(at: str) -> list[Any]:
    return [EmailMessageItem.status.set("sending"), EmailMessageItem.sending_at.set(at)]


def _claim(settings: Settings, item: EmailMessageItem, at: str) -> str | None:
    if _set(item, "queued", status="sending", sending_at=at):
        return None
    return _settle(settings, item, stale_claim=False)  # another attempt has it: only finish a sent one's record


def _call_provider(settings: Settings, config: EmailConfig, provider: EmailProvider,
                   item: EmailMessageItem) -> tuple[EmailMessageItem, str] | str:
    """The SES call of one claimed message: (item, SES id) when accepted, else its final status."""
    attachments = tuple(json.loads(item.attachments)) if item.attachments else ()
    raw = mime.build(config, mime.Outgoing(item.workspace_id, item.message_id, item.from_email, item.from_name,
                                           item.to, item.subject, item.html, item.text, attachments))
    try:
        return item, provider.send_raw(item.from_email, item.to, raw)
    except ProviderRejected as exc:
        return _not_sent(settings, item, "sending", "failed", str(exc)[:500])
    except Exception:
        _set(item, "sending", status="queued")  # SES did not take it: the redelivery may try again
        raise


def _not_sent(settings: Settings, item: EmailMessageItem, from_status: str, status: str, reason: str) -> str:
    """The message will not go out: its status and an email.failed entry on the contact's timeline, once."""
    recorded = outcomes.record(settings, item, "email.failed", {"status": status, "reason": reason},
                               [EmailMessageItem.status.set(status), EmailMessageItem.reason.set(reason)],
                               EmailMessageItem.status == from_status, actor=outcomes.actor_of(item))
    if recorded and item.charged_at:  # it will not go out: its charge is given back (once, with the status)
        usage.refund(settings, item.workspace_id, "emails", 1, charged_at=item.charged_at,
                     **usage.email_refund(str(item.message_id)))
    item.refresh(consistent_read=True)
    return str(item.status)


def _record_sent(settings: Settings, sent: list[tuple[EmailMessageItem, str]],
                 sink: list[ActivityItem]) -> list[tuple[EmailMessageItem, Outcome]]:
    """`sending -> sent` with the SES id, `email.sent` and the counters: one transaction per 25 messages."""
    results: list[tuple[EmailMessageItem, Outcome]] = []
    for start in range(0, len(sent), _SENT_PER_TRANSACTION):
        chunk = sent[start:start + _SENT_PER_TRANSACTION]
        at = now_iso()
        events = [outcomes.event_of(item, outcomes.actor_of(item), "email.sent",
                                    {**outcomes.base_data(item), "provider_message_id": ses_id})
                  for item, ses_id in chunk]
        try:
            _commit_sent(settings, chunk, events, at)
        except Exception as exc:
            for item, ses_id in chunk:
                results.append((item, _attempt(_record_one, settings, item, ses_id, at, exc)))
            continue
        sink.extend(events)
        for item, _ in chunk:
            logger.info("email sent", extra={"message_id": item.message_id, "workspace_id": item.workspace_id})
        metrics.add_metric(name="EmailSent", unit="Count", value=len(chunk))
        results += [(item, "sent") for item, _ in chunk]
    return results


def _sent_actions(ses_id: str, at: str) -> list[Any]:
    return [EmailMessageItem.status.set("sent"), EmailMessageItem.provider_message_id.set(ses_id),
            EmailMessageItem.sent_at.set(at), EmailMessageItem.sent_recorded.set(True)]


def _commit_sent(settings: Settings, chunk: list[tuple[EmailMessageItem, str]], events: list[ActivityItem],
                 at: str) -> None:
    # One counter update per flow node (a transaction may not touch an item twice).
    nodes = Counter((i.workspace_id, i.flow_id, i.node) for i, _ in chunk if i.flow_id and i.node)
    with transaction(settings) as txn:
        for item, ses_id in chunk:
            txn.update(item, actions=_sent_actions(ses_id, at), condition=EmailMessageItem.status == "sending")
        for event in events:
            txn.save(event)
        for (workspace_id, flow_id, node), count in nodes.items():
            txn.update(EmailStatsItem(outcomes.stats_pk(workspace_id, str(flow_id)), f"NODE#{node}"),
                       actions=[EmailStatsItem.sent.add(count), EmailStatsItem.kind.set(EmailStatsItem)])
    for item, ses_id in chunk:
        item.status, item.provider_message_id, item.sent_at, item.sent_recorded = "sent", ses_id, at, True


def _record_one(settings: Settings, item: EmailMessageItem, ses_id: str, at: str, cause: Exception) -> str:
    """The batch's record failed: `sent` for this message alone. When the batch was cancelled by another
    attempt's change, its recording too; otherwise (a failing DynamoDB) the job is redelivered, and the
    redelivery finds `sent` and only finishes the recording."""
    if not _set(item, "sending", status="sent", provider_message_id=ses_id, sent_at=at):
        return str(item.status)
    item.status, item.provider_message_id, item.sent_at = "sent", ses_id, at
    if not _cancelled(cause):
        raise cause
    return _settle(settings, item, stale_claim=False)


def _cancelled(exc: Exception) -> bool:
    """True when a transaction was cancelled because a condition failed (not a DynamoDB error)."""
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return isinstance(exc, TransactWriteError) and any(
        getattr(r, "code", None) == "ConditionalCheckFailed" for r in reasons)


def _publish(settings: Settings, events: list[ActivityItem]) -> None:
    """The batch's events on the bus (PutEvents of 10), then their outbox flags cleared in one transaction;
    what is left pending (a bus error, a crash) the outbox publisher sends."""
    if not events:
        return
    try:
        outbox.publish_now(settings, events)
    except Exception:  # the messages are recorded; the outbox publisher sends what is still pending
        logger.exception("publishing the batch's email events failed; the outbox will retry")
