"""CRM-table items of the automation runtime. Every partition key starts with the workspace id."""
from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute

from leadpilot.db.base import CrmModel


class FlowItem(CrmModel, discriminator="automation_flow"):
    """PK: WS#<ws>#FLOWS  SK: FLOW#<flow_id>. The draft document and the published version, if any.

    While published, GSI1PK: WS#<ws>#FLOW_TRIGGER#<event type>  GSI1SK: FLOW#<flow_id> (sparse): the
    trigger consumer finds the flows an event starts without a scan.
    """

    flow_id = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
    name = UnicodeAttribute()
    draft = UnicodeAttribute()  # the flow document, JSON
    status = UnicodeAttribute(default="draft")  # draft | published
    published_version = NumberAttribute(default=0)
    published_trigger = UnicodeAttribute(null=True)  # JSON of the published version's trigger spec
    state_machine_arn = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    revision = NumberAttribute(default=1)


class FlowVersionItem(CrmModel, discriminator="automation_flow_version"):
    """PK: WS#<ws>#FLOW#<flow_id>  SK: VERSION#<000001>. An immutable published version and its machine."""

    flow_id = UnicodeAttribute()
    version = NumberAttribute()
    document = UnicodeAttribute()
    state_machine_arn = UnicodeAttribute()
    published_at = UnicodeAttribute()
    published_by = UnicodeAttribute()


class EnrollmentItem(CrmModel, discriminator="automation_enrollment"):
    """PK: WS#<ws>#FLOW#<flow_id>  SK: CONTACT#<contact_id>. The contact's latest run of the flow.

    Written with a condition: no item, or (re-entry allowed and the last run is over). So there are never two
    active runs of one flow for one contact, and without re-entry a contact goes through a flow once.
    """

    run_id = UnicodeAttribute()
    active = BooleanAttribute(default=True)
    updated_at = UnicodeAttribute()


class RunItem(CrmModel, discriminator="automation_run"):
    """PK: WS#<ws>#RUN#<run_id>  SK: RUN. GSI1PK: WS#<ws>#FLOW_RUNS#<flow_id>  GSI1SK: <started_at>#<run_id>."""

    run_id = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
    flow_id = UnicodeAttribute()
    version = NumberAttribute()
    contact_id = UnicodeAttribute()
    trigger_event_id = UnicodeAttribute()
    execution_arn = UnicodeAttribute()
    status = UnicodeAttribute()  # running | succeeded | failed | cancelled | timed_out
    current_node = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    cause = UnicodeAttribute(null=True)
    started_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    ended_at = UnicodeAttribute(null=True)


class ActionMarkerItem(CrmModel, discriminator="automation_action"):
    """PK: WS#<ws>#RUN#<run_id>  SK: ACTION#<state>#<attempt>#<loop pass>. One action performed once
    (idempotency key: execution + state + attempt + pass through the loops); `output` is what
    SendTaskSuccess (or SendTaskFailure) sent, replayed on a redelivery."""

    node = UnicodeAttribute()
    action = UnicodeAttribute()
    status = UnicodeAttribute()  # pending | done | failed
    output = UnicodeAttribute(null=True)
    started_at = UnicodeAttribute()
    finished_at = UnicodeAttribute(null=True)


class ReplyWaitItem(CrmModel, discriminator="automation_wait"):
    """PK: WS#<ws>#WAITS#<contact_id>  SK: WAIT#<run_id>#<state>. A task token waiting for the contact's reply;
    expires (TTL) a day after the flow's own timeout would have fired."""

    run_id = UnicodeAttribute()
    node = UnicodeAttribute()
    channel = UnicodeAttribute()
    token = UnicodeAttribute()
    created_at = UnicodeAttribute()


class SandboxMessageItem(CrmModel, discriminator="automation_sandbox_message"):
    """PK: WS#<ws>#SANDBOX_OUTBOX  SK: MSG#<run_id>#<state>#<attempt>#<loop pass>. A text or email a flow
    would have sent (messaging has no send path yet); keyed by the action, so a redelivery records it once."""

    channel = UnicodeAttribute()  # sms | email
    contact_id = UnicodeAttribute()
    to = UnicodeAttribute(null=True)
    subject = UnicodeAttribute(null=True)
    body = UnicodeAttribute()
    run_id = UnicodeAttribute()
    node = UnicodeAttribute()
    sent_at = UnicodeAttribute()
