"""Enrolment without a domain event about the contact: by hand or through the API (a list of contacts), in
bulk (the jobs capability records one `contact.enrollment_requested` per contact) and on a schedule (a cron
in the workspace's timezone that enrols every contact passing the trigger's filters).

Large audiences fan out through the triggers queue in chunks (`enroll_chunk` messages), so one schedule
firing for 50,000 contacts is many short, retryable invocations. Every path names the trigger "event" so that
a redelivered chunk or a repeated API call with the same idempotency key starts nothing twice (runs.enroll).
"""
from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import boto3

from leadpilot.automation.flows.compiler import initial_input
from leadpilot.automation.flows.matching import passes
from leadpilot.automation.runs import batched, runs, snapshot
from leadpilot.automation.runs.config import RuntimeConfig
from leadpilot.automation.runs.drafts import PublishedFlow, flows_pk
from leadpilot.automation.runs.models import FlowItem
from leadpilot.clock import now_iso
from leadpilot.contacts import fields
from leadpilot.contacts import store as contacts_store
from leadpilot.contacts.entities import Contact
from leadpilot.db.crm_models import ContactItem
from leadpilot.errors import Conflict, NotFound, ValidationFailed
from leadpilot.identity.entities import Identity
from leadpilot.ids import new_id
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings

CHUNK = 25  # contacts per enroll_chunk message: a few seconds of work, retried as a unit
PAGE = 200  # contacts read per page while fanning out
MAX_DIRECT = 100  # contacts one API call enrols synchronously


@dataclass(frozen=True)
class Enrolment:
    contact_id: str
    status: str  # enrolled | not_enrolled | not_found | filtered_out
    run_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"contact_id": self.contact_id, "status": self.status}
        if self.run_id:
            out["run_id"] = self.run_id
        if self.status == "not_enrolled":
            out["reason"] = "the contact has an active run of this flow, or re-entry is off and it ran before"
        return out


def published_flow(workspace_id: str, flow_id: str) -> PublishedFlow | None:
    """The flow's current published version, or None when it is not published."""
    try:
        item = FlowItem.get(flows_pk(workspace_id), f"FLOW#{flow_id}")
    except FlowItem.DoesNotExist:
        return None
    if item.status != "published" or not item.state_machine_arn:
        return None
    return PublishedFlow(item.flow_id, int(item.published_version), str(item.state_machine_arn),
                         json.loads(item.published_trigger or "{}"))


def _payload(workspace_id: str, flow: PublishedFlow, contact: Contact | None, trigger: dict[str, Any],
             apply_filters: bool, field_keys: set[str] | None) -> dict[str, Any] | Enrolment:
    """The execution input of the contact's run, or why it gets none (not found, filtered out)."""
    if contact is None:
        return Enrolment("", "not_found")
    view = snapshot.of(contact, field_keys)
    if apply_filters and not passes(flow.trigger.get("filters") or [], {"trigger": trigger, "contact": view}):
        return Enrolment(contact.id, "filtered_out")
    run = {"workspace_id": workspace_id, "flow_id": flow.flow_id, "version": flow.version, "contact_id": contact.id}
    return initial_input(run, view, trigger)


def enroll_contact(settings: Settings, workspace_id: str, flow: PublishedFlow, contact: Contact | None,
                   trigger: dict[str, Any], *, apply_filters: bool = False,
                   field_keys: set[str] | None = None) -> Enrolment:
    """Start one run for one contact (filters only for schedule audiences: a person enrolled by hand is in)."""
    payload = _payload(workspace_id, flow, contact, trigger, apply_filters, field_keys)
    if isinstance(payload, Enrolment):
        return payload
    contact_id = str(payload["run"]["contact_id"])
    run_id = runs.enroll(settings, workspace_id, flow, contact_id, str(trigger["id"]), payload)
    return Enrolment(contact_id, "enrolled" if run_id else "not_enrolled", run_id)


def enroll_by_hand(settings: Settings, identity: Identity, flow_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST /flows/{id}/enrollments: enrol up to 100 contacts now; the same idempotency key enrols nobody twice."""
    ws = identity.workspace_id
    flow = published_flow(ws, flow_id)
    if flow is None:
        try:
            FlowItem.get(flows_pk(ws), f"FLOW#{flow_id}")
        except FlowItem.DoesNotExist as exc:
            raise NotFound("flow not found", {"field": "flow_id"}) from exc
        raise Conflict("the flow is not published; publish it before enrolling contacts", {"field": "flow_id"})
    contact_ids = list(dict.fromkeys(body["contact_ids"]))
    if len(contact_ids) > MAX_DIRECT:
        raise ValidationFailed.field("contact_ids", f"at most {MAX_DIRECT} contacts per call; use a bulk job for more")
    key = str(body.get("idempotency_key") or new_id())
    trigger = {"id": f"manual:{key}", "type": "manual", "occurred_at": now_iso(),
               "data": {"enrolled_by": identity.actor(), **({"vars": body["variables"]} if body.get("variables")
                                                             else {})}}
    found = contacts_store.batch_get(ws, contact_ids)
    keys = set(fields.active_definitions(ws))
    results = []
    for contact_id in contact_ids:
        contact = found.get(contact_id)
        outcome = enroll_contact(settings, ws, flow, contact, trigger, field_keys=keys)
        results.append(Enrolment(contact_id, outcome.status, outcome.run_id).to_dict())
    enrolled = sum(1 for r in results if r["status"] == "enrolled")
    metrics.add_metric(name="FlowEnrolledByHand", unit="Count", value=enrolled)
    return {"flow_id": flow_id, "version": flow.version, "enrolled": enrolled, "results": results}


def on_enrollment_requested(settings: Settings, event: Mapping[str, Any]) -> int:
    """A bulk job asked for one contact to enter one flow (contact.enrollment_requested)."""
    ws = str(event["workspace_id"])
    data = event.get("data") or {}
    flow = published_flow(ws, str(data.get("flow_id") or ""))
    contact_id = str(data.get("contact_id") or "")
    if flow is None:
        logger.warning("bulk enrolment into a flow that is not published", extra={"flow_id": data.get("flow_id")})
        return 0
    trigger = {"id": str(event["id"]), "type": "bulk", "occurred_at": event.get("occurred_at"), "data": dict(data)}
    outcome = enroll_contact(settings, ws, flow, snapshot.load(ws, contact_id), trigger)
    return 1 if outcome.status == "enrolled" else 0


def audience(workspace_id: str) -> Iterator[list[str]]:
    """Every contact id of the workspace, a page at a time (a Query of its contacts partition)."""
    after: str | None = None
    pk = contacts_store.contacts_pk(workspace_id)
    while True:
        kwargs: dict[str, Any] = {"limit": PAGE}
        if after is not None:
            kwargs["last_evaluated_key"] = {"PK": {"S": pk}, "SK": {"S": after}}
        query = ContactItem.query(pk, ContactItem.SK.startswith("CONTACT#"), **kwargs)
        ids = [item.contact_id for item in query]
        if ids:
            yield ids
        last = query.last_evaluated_key
        if not last:
            return
        after = last["SK"]["S"]


def fan_out(settings: Settings, config: RuntimeConfig, workspace_id: str, flow: PublishedFlow,
            trigger: dict[str, Any]) -> int:
    """Queue enroll_chunk messages covering the whole audience; returns how many contacts they cover."""
    queue_url = config.need("triggers_queue_url")
    sqs = boto3.client("sqs", region_name=settings.region)
    covered = 0
    for ids in audience(workspace_id):
        entries: list[dict[str, str]] = []
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            entries.append({"Id": str(len(entries)), "MessageBody": json.dumps({
                "kind": "enroll_chunk", "workspace_id": workspace_id, "flow_id": flow.flow_id,
                "version": flow.version, "trigger": trigger, "contact_ids": chunk, "apply_filters": True})})
            covered += len(chunk)
        for start in range(0, len(entries), 10):
            reply = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries[start:start + 10])
            if reply.get("Failed"):
                raise RuntimeError(f"could not queue enrolment chunks: {reply['Failed']}")
    return covered


def on_chunk(settings: Settings, message: Mapping[str, Any]) -> int:
    """Enrol one chunk of an audience (idempotent: the trigger id names every run it starts)."""
    ws = str(message["workspace_id"])
    flow = published_flow(ws, str(message["flow_id"]))
    if flow is None or flow.version != int(message["version"]):
        logger.info("enrolment chunk for an unpublished or replaced version dropped",
                    extra={"flow_id": message["flow_id"], "version": message["version"]})
        return 0
    found = contacts_store.batch_get(ws, message["contact_ids"])
    keys = set(fields.active_definitions(ws))
    trigger = dict(message["trigger"])
    wanted: list[tuple[str, str, dict[str, Any]]] = []
    for contact_id in message["contact_ids"]:
        payload = _payload(ws, flow, found.get(contact_id), trigger, bool(message.get("apply_filters")), keys)
        if not isinstance(payload, Enrolment):
            wanted.append((contact_id, str(trigger["id"]), payload))
    return sum(run_id is not None for run_id in batched.enroll_many(settings, ws, flow, wanted))
