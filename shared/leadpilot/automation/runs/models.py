"""CRM-table items of the automation runtime. Every partition key starts with the workspace id."""
from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute

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
    """PK: WS#<ws>#RUN#<run_id>  SK: RUN. GSI1PK: WS#<ws>#FLOW_RUNS#<flow_id>  GSI1SK: <started_at>#<run_id>.

    One record per run for its whole life, across the executions pause/resume/skip/restart/recovery start
    (named <run_id>, then <run_id>-<n>). `state` is the run's {vars, nodes, loops} as of its last known point,
    which is what a new execution carries.
    """

    run_id = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
    flow_id = UnicodeAttribute()
    version = NumberAttribute()
    contact_id = UnicodeAttribute()
    trigger_event_id = UnicodeAttribute()
    execution_arn = UnicodeAttribute()
    status = UnicodeAttribute()  # running | paused | succeeded | failed | cancelled | timed_out
    current_node = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    cause = UnicodeAttribute(null=True)
    started_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    ended_at = UnicodeAttribute(null=True)
    execution_count = NumberAttribute(default=1)  # the n of the current execution's name
    epoch = NumberAttribute(default=0)  # bumped by restart: actions are performed again, not replayed
    state = UnicodeAttribute(null=True)  # JSON {vars, nodes, loops} at the last action or control
    trigger = UnicodeAttribute(null=True)  # JSON of the trigger event the run started from
    resume_node = UnicodeAttribute(null=True)  # where a paused run (or a recovered one) enters again
    resume_until = UnicodeAttribute(null=True)  # a run paused in a delay: when that delay would have ended
    last_error = UnicodeAttribute(null=True)  # JSON {node, error, cause, at} of the latest failed action
    # How an ended run ended: its End node's outcome (replied, max_follow_ups, ...), opted_out, or the status
    outcome = UnicodeAttribute(null=True)


class RunIndexItem(CrmModel, discriminator="automation_run_index"):
    """PK: WS#<ws>#RUN#<run_id>  SK: IDX#<name>. A run's entry in one secondary listing (GSI1, sparse):

    IDX#CONTACT  GSI1PK: WS#<ws>#CONTACT_RUNS#<contact_id>      GSI1SK: <started_at>#<run_id>  (written once)
    IDX#STATUS   GSI1PK: WS#<ws>#FLOW_RUNS#<flow_id>#<status>   GSI1SK: <started_at>#<run_id>  (moves with status)
    IDX#WORKSPACE GSI1PK: WS#<ws>#RUNS                          GSI1SK: <started_at>#<run_id>  (written once)
    IDX#WS_STATUS GSI1PK: WS#<ws>#RUNS#<status>                 GSI1SK: <started_at>#<run_id>  (moves with status)
    IDX#ACTIVE   GSI1PK: ACTIVE_RUNS                            GSI1SK: <workspace_id>#<run_id> (while running)
    The last is the reconciler's worklist across workspaces (like the outbox); it carries the current execution,
    so a sweep reads run records only for runs whose execution is not running.
    """

    run_id = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
    execution_arn = UnicodeAttribute(null=True)  # IDX#ACTIVE: the run's current execution


class RunStepItem(CrmModel, discriminator="automation_run_step"):
    """PK: WS#<ws>#RUN#<run_id>  SK: STEP#<at>#<id>. A control applied to a run (pause, resume, skip, restart,
    cancel, recover, opt_out) or its end, in the run's step log beside the action markers. Expires with the log."""

    step = UnicodeAttribute()  # pause | resume | skip | restart | cancel | recover | opt_out | end
    node = UnicodeAttribute(null=True)
    actor = UnicodeAttribute(null=True)
    detail = UnicodeAttribute(null=True)  # JSON
    execution = NumberAttribute(null=True)
    at = UnicodeAttribute()


class FlowMetricsItem(CrmModel, discriminator="automation_flow_metrics"):
    """PK: WS#<ws>#FLOW#<flow_id>  SK: METRICS. Runs of the flow by status, moved with ADD in the same
    transaction as each status change, so the counts equal the records'. `enrolled` only grows."""

    enrolled = NumberAttribute(default=0)
    running = NumberAttribute(default=0)
    paused = NumberAttribute(default=0)
    succeeded = NumberAttribute(default=0)
    failed = NumberAttribute(default=0)
    cancelled = NumberAttribute(default=0)
    timed_out = NumberAttribute(default=0)


class OutcomeMetricsItem(CrmModel, discriminator="automation_outcome_metrics"):
    """PK: WS#<ws>#FLOW#<flow_id>  SK: METRICS#OUTCOME#<outcome>. Ended runs of the flow by the exit they took,
    moved with ADD in the transaction that ends a run (and back when an ended run is restarted)."""

    outcome = UnicodeAttribute()
    runs = NumberAttribute(default=0)


class NodeMetricsItem(CrmModel, discriminator="automation_node_metrics"):
    """PK: WS#<ws>#FLOW#<flow_id>  SK: METRICS#NODE#<node_id>. How often runs performed the node (each pass
    counted once: only the first claim of an action adds) and how often it failed."""

    node = UnicodeAttribute()
    entered = NumberAttribute(default=0)
    failed = NumberAttribute(default=0)


class ActionMarkerItem(CrmModel, discriminator="automation_action"):
    """PK: WS#<ws>#RUN#<run_id>  SK: ACTION#<state>#<attempt>#<loop pass>[#e<epoch>]. One action performed once
    (idempotency key: run + state + attempt + pass through the loops + restart epoch); `output` is what
    SendTaskSuccess (or SendTaskFailure) sent, replayed on a redelivery. It is also the action's entry in the
    run's step log (input, output, error, timing)."""

    node = UnicodeAttribute()
    action = UnicodeAttribute()
    status = UnicodeAttribute()  # pending | done | failed | waiting (wait for reply) | replied | timed_out
    output = UnicodeAttribute(null=True)
    started_at = UnicodeAttribute()
    finished_at = UnicodeAttribute(null=True)
    input = UnicodeAttribute(null=True)  # JSON: the node's configuration and the variables it saw
    execution = NumberAttribute(null=True)
    attempt = NumberAttribute(null=True)
    deliveries = NumberAttribute(null=True)  # how many times the message was handled (redeliveries)
    retries = ListAttribute(of=UnicodeAttribute, default=list)  # JSON {at, delivery, cause} per transient failure


class LastReplyItem(CrmModel, discriminator="automation_last_reply"):
    """PK: WS#<ws>#WAITS#<contact_id>  SK: LAST#<channel>. The contact's latest reply on a channel, so that a
    wait parked just after it (the run was busy sending the next text) still sees it. TTL 30 days."""

    at = UnicodeAttribute()  # when the reply arrived (the event's occurred_at)
    event_id = UnicodeAttribute()
    text = UnicodeAttribute(null=True)


class ReplyConsumedItem(CrmModel, discriminator="automation_reply_consumed"):
    """PK: WS#<ws>#WAITS#<contact_id>  SK: CONSUMED#<run_id>. The latest reply that resumed a wait of the run:
    a later wait of the same run only counts replies after it. TTL 30 days."""

    at = UnicodeAttribute()


class ReplyWaitItem(CrmModel, discriminator="automation_wait"):
    """PK: WS#<ws>#WAITS#<contact_id>  SK: WAIT#<run_id>#<state>. A task token waiting for the contact's reply;
    expires (TTL) a day after the flow's own timeout would have fired."""

    run_id = UnicodeAttribute()
    node = UnicodeAttribute()
    channel = UnicodeAttribute()
    token = UnicodeAttribute()
    created_at = UnicodeAttribute()
    marker = UnicodeAttribute(null=True)  # SK of the wait's ActionMarkerItem (its step in the run's log)
