"""Automations: flows (drafts, publishing), runs, the trigger consumer and the action worker."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalice import Chalice, Response

from leadpilot.api.edge import Edge
from leadpilot.api.queues import process_sqs_batch
from leadpilot.api.request import raw_body
from leadpilot.api.urls import public_url
from leadpilot.automation.ai.provider import ai_config, for_workspace
from leadpilot.automation.runs.config import runtime_config
from leadpilot.errors import ValidationFailed
from leadpilot.identity.authenticate import require_role
from leadpilot.ids import parse_id
from leadpilot.lazy import lazy
from leadpilot.observability import logger

if TYPE_CHECKING:
    from leadpilot.automation import publishing
    from leadpilot.automation.ai import generate
    from leadpilot.automation.flows import validate
    from leadpilot.automation.runs import (
        controls,
        drafts,
        dryrun,
        enrollment,
        metrics,
        recovery,
        runs,
        step_events,
        step_log,
    )
    from leadpilot.automation.steps import actions, redelivery, webhooks
    from leadpilot.automation.triggers import callbacks, inbound_hooks, schedules, triggers
else:  # domain modules load on first use: a cold start pays only for what its request needs
    publishing = lazy("leadpilot.automation.publishing")
    generate = lazy("leadpilot.automation.ai.generate")
    validate = lazy("leadpilot.automation.flows.validate")
    controls = lazy("leadpilot.automation.runs.controls")
    drafts = lazy("leadpilot.automation.runs.drafts")
    dryrun = lazy("leadpilot.automation.runs.dryrun")
    enrollment = lazy("leadpilot.automation.runs.enrollment")
    metrics = lazy("leadpilot.automation.runs.metrics")
    recovery = lazy("leadpilot.automation.runs.recovery")
    runs = lazy("leadpilot.automation.runs.runs")
    step_events = lazy("leadpilot.automation.runs.step_events")
    step_log = lazy("leadpilot.automation.runs.step_log")
    actions = lazy("leadpilot.automation.steps.actions")
    redelivery = lazy("leadpilot.automation.steps.redelivery")
    webhooks = lazy("leadpilot.automation.steps.webhooks")
    callbacks = lazy("leadpilot.automation.triggers.callbacks")
    inbound_hooks = lazy("leadpilot.automation.triggers.inbound_hooks")
    schedules = lazy("leadpilot.automation.triggers.schedules")
    triggers = lazy("leadpilot.automation.triggers.triggers")

app = Chalice(app_name="leadpilot-automations")
edge = Edge(app, "leadpilot.automation")
ADMINS = ("owner", "admin")
RUN_STATUSES = ("running", "paused", "succeeded", "failed", "cancelled", "timed_out")


@edge.route("/flows", "POST")
def create_flow() -> Response:
    identity = edge.identity("write")
    return edge.created(drafts.create_flow(identity, edge.body("flow_create")).to_dict())


@edge.route("/flows/generate", "POST")
def generate_flow() -> Response:
    identity = edge.identity("write")
    body = edge.body("flow_generate")
    ai_settings = for_workspace(edge.settings, ai_config(), identity.workspace_id)  # its own key, if saved
    return edge.created(generate.generate_flow(identity, runtime_config(), ai_settings, body))


@edge.route("/flows", "GET")
def list_flows() -> dict[str, Any]:
    identity = edge.identity()
    items, cursor = drafts.list_flows(identity, edge.limit(), edge.query("cursor"))
    return {"items": [f.to_dict() for f in items], "next_cursor": cursor}


@edge.route("/flows/{flow_id}", "GET")
def get_flow(flow_id: str) -> dict[str, Any]:
    identity = edge.identity()
    return drafts.get_flow(identity, parse_id(flow_id, "flow_id")).to_dict()


@edge.route("/flows/{flow_id}", "PATCH")
def update_flow(flow_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    return drafts.update_flow(identity, parse_id(flow_id, "flow_id"), edge.body("flow_update")).to_dict()


@edge.route("/flows/{flow_id}", "DELETE")
def delete_flow(flow_id: str) -> Response:
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    publishing.delete_flow(identity, parse_id(flow_id, "flow_id"))
    return edge.no_content()


@edge.route("/flows/{flow_id}/publish", "POST")
def publish_flow(flow_id: str) -> Response:
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    fid = parse_id(flow_id, "flow_id")
    return edge.created(publishing.publish_flow(edge.settings, runtime_config(), identity, fid))


@edge.route("/flows/schema", "GET")
def flow_document_schema() -> dict[str, Any]:
    """The JSON Schema of a flow document: node types, their settings and edges (the builder's forms)."""
    edge.identity()
    return validate.document_schema()


@edge.route("/flows/{flow_id}/versions", "GET")
def list_flow_versions(flow_id: str) -> dict[str, Any]:
    """The flow's published versions, newest first."""
    identity = edge.identity()
    items, cursor = publishing.list_versions(identity, parse_id(flow_id, "flow_id"), edge.limit(), edge.query("cursor"))
    return {"items": items, "next_cursor": cursor}


@edge.route("/flows/{flow_id}/runs", "GET")
def list_runs(flow_id: str) -> dict[str, Any]:
    identity = edge.identity()
    return runs.list_runs(identity, parse_id(flow_id, "flow_id"), edge.limit(), _status(),
                          edge.query("cursor"))


@edge.route("/runs", "GET")
def find_runs() -> dict[str, Any]:
    identity = edge.identity()
    contact_id, flow_id = edge.query("contact_id"), edge.query("flow_id")
    return runs.find_runs(identity, edge.limit(), edge.query("cursor"), status=_status(),
                          flow_id=parse_id(flow_id, "flow_id") if flow_id is not None else None,
                          contact_id=parse_id(contact_id, "contact_id") if contact_id is not None else None)


@edge.route("/runs/{run_id}", "GET")
def get_run(run_id: str) -> dict[str, Any]:
    identity = edge.identity()
    return runs.get_run(edge.settings, identity, parse_id(run_id, "run_id")).to_dict()


@edge.route("/runs/{run_id}/steps", "GET")
def run_steps(run_id: str) -> dict[str, Any]:
    identity = edge.identity()
    item = runs.need_item(identity, parse_id(run_id, "run_id"))
    history = edge.query("history")
    if history not in (None, "true", "false"):
        raise ValidationFailed.field("history", "must be true or false")
    items, cursor = step_log.step_page(edge.settings, item, history == "true", edge.limit(), edge.query("cursor"))
    return {"run_id": item.run_id, "items": items, "next_cursor": cursor}


@edge.route("/runs/{run_id}/pause", "POST")
def pause_run(run_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    return controls.pause(edge.settings, identity, parse_id(run_id, "run_id")).to_dict()


@edge.route("/runs/{run_id}/resume", "POST")
def resume_run(run_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    return controls.resume(edge.settings, identity, parse_id(run_id, "run_id")).to_dict()


@edge.route("/runs/{run_id}/skip", "POST")
def skip_run(run_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    request = app.current_request
    body = edge.body("run_skip") if request is not None and request.raw_body else {}
    return controls.skip(edge.settings, identity, parse_id(run_id, "run_id"), body.get("label")).to_dict()


@edge.route("/runs/{run_id}/restart", "POST")
def restart_run(run_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    node = edge.body("run_restart")["node"]
    return controls.restart(edge.settings, identity, parse_id(run_id, "run_id"), node).to_dict()


@edge.route("/runs/{run_id}/cancel", "POST")
def cancel_run(run_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    return controls.cancel(edge.settings, identity, parse_id(run_id, "run_id")).to_dict()


@edge.route("/flows/{flow_id}/runs/bulk", "POST")
def bulk_runs(flow_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    fid = parse_id(flow_id, "flow_id")
    body = edge.body("runs_bulk")
    drafts.get_flow(identity, fid)
    return controls.bulk(edge.settings, identity, fid, body)


@edge.route("/flows/{flow_id}/metrics", "GET")
def flow_metrics(flow_id: str) -> dict[str, Any]:
    identity = edge.identity()
    return metrics.flow_metrics(identity, parse_id(flow_id, "flow_id"))


@edge.route("/flows/dry-run", "POST")
def dry_run_document() -> dict[str, Any]:
    identity = edge.identity()
    return dryrun.dry_run_document(identity, edge.body("dry_run_document"))


@edge.route("/flows/{flow_id}/dry-run", "POST")
def dry_run_flow(flow_id: str) -> dict[str, Any]:
    identity = edge.identity()
    fid = parse_id(flow_id, "flow_id")
    return dryrun.dry_run(identity, fid, edge.body("dry_run"))


def _status() -> str | None:
    status = edge.query("status")
    if status is not None and status not in RUN_STATUSES:
        raise ValidationFailed.field("status", f"must be one of {', '.join(RUN_STATUSES)}")
    return status


@edge.route("/flows/{flow_id}/enrollments", "POST")
def enroll_contacts(flow_id: str) -> dict[str, Any]:
    """Enrol contacts by hand or through the API (each result says enrolled, not_enrolled or not_found)."""
    identity = edge.identity("write")
    body = edge.body("flow_enroll")
    return enrollment.enroll_by_hand(edge.settings, identity, parse_id(flow_id, "flow_id"), body)


def _url(path: str) -> str:
    request = app.current_request
    assert request is not None
    return public_url(request, path)


@edge.route("/flows/{flow_id}/webhook", "GET")
def get_flow_webhook(flow_id: str) -> dict[str, Any]:
    """The inbound webhook URL and signing secret of a flow triggered by webhook.received (admins)."""
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    return inbound_hooks.describe(identity, parse_id(flow_id, "flow_id"), _url)


@edge.route("/flows/{flow_id}/webhook/rotate", "POST")
def rotate_flow_webhook(flow_id: str) -> dict[str, Any]:
    """A new URL and signing secret; the old URL stops working at once (admins)."""
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    return inbound_hooks.rotate(edge.settings, identity, parse_id(flow_id, "flow_id"), _url)


@edge.route("/hooks/{token}", "POST")
def receive_webhook(token: str) -> Response:
    """Public: another system posts JSON to a flow's secret URL (the token is the credential)."""
    request = app.current_request
    assert request is not None
    # Read in full (10 MB at most, API Gateway's limit); receive() refuses more than its own limit with a 413.
    raw = raw_body(request, 10 * 1024 * 1024)
    result = inbound_hooks.receive(edge.settings, token, raw, dict(request.headers))
    return Response(body=result, status_code=200 if result["duplicate"] else 202)


@edge.route("/automations/webhook-secret", "GET")
def webhook_secret() -> dict[str, Any]:
    identity = edge.identity()
    require_role(identity, *ADMINS)
    return {"secret": webhooks.signing_secret(identity.workspace_id), "header": webhooks.SIGNATURE_HEADER,
            "scheme": "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, '<t>.<raw body>')>",
            "delivery_header": webhooks.DELIVERY_HEADER}


def _trigger(record: Any) -> None:
    envelope = json.loads(record.body)
    try:
        triggers.on_envelope(edge.settings, runtime_config(), envelope)
        callbacks.on_envelope(edge.settings, envelope)  # handoff tasks completed, awaited events (ADR 0012)
    except Exception:
        # A fault (DynamoDB, Step Functions) comes back after the actions' backoff, not the queue's 6 minutes: a
        # reply must reach its wait before the wait's timeout does. The last tries wait the queue's timeout (an
        # outage), then its dead-letter queue keeps the event.
        deliveries = int(record.attributes.approximate_receive_count or 1)
        logger.exception("event handling failed", extra={"type": envelope.get("detail-type"), "delivery": deliveries})
        if deliveries < actions.MAX_DELIVERIES:
            redelivery.postpone(edge.settings.region, runtime_config().need("triggers_queue_url"),
                                record.receipt_handle, actions.backoff_s(deliveries))
        raise


def _action(record: Any) -> None:
    deliveries = int(record.attributes.approximate_receive_count or 1)
    try:
        actions.handle(edge.settings, json.loads(record.body), deliveries)
    except actions.RetryLater as retry:  # back off: the message comes back after the delay, not the queue's
        redelivery.postpone(edge.settings.region, runtime_config().need("actions_queue_url"), record.receipt_handle,
                            retry.delay_s)
        raise


@app.lambda_function(name="on_trigger")
def on_trigger(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Triggers queue consumer (EventBridge rule -> queue): start matching flows, resume waiting replies. A failed
    record schedules its own redelivery (see _trigger)."""
    return process_sqs_batch(event, context, _trigger, raise_on_entire_batch_failure=False, logs_its_failures=True)


@app.lambda_function(name="on_action")
def on_action(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Actions queue consumer (compiled flows' waitForTaskToken tasks): perform, then answer the token. The batch's
    automation.step_recorded events go out in one PutEvents call at its end."""
    with step_events.collecting(edge.settings):
        return process_sqs_batch(event, context, _action, raise_on_entire_batch_failure=False,
                                 logs_its_failures=True)


@app.lambda_function(name="reconcile_runs")
def reconcile_runs(event: dict[str, Any], context: Any) -> dict[str, int]:
    """Scheduled: close runs whose execution ended, restart those whose execution is gone (local cloud restart)."""
    return recovery.reconcile(edge.settings, runtime_config())


@app.lambda_function(name="on_schedule_tick")
def on_schedule_tick(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Scheduled every minute: fire the flow schedules that are due (cron in the workspace's timezone)."""
    return schedules.fire_due(edge.settings, runtime_config(), datetime.now(UTC))
