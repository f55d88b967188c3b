"""Messaging (SMS): numbers, sending, conversations, settings, Twilio webhooks, the sandbox simulator and
the send worker (queue handler `on_send`)."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalice import Chalice, Response

from leadpilot.api.edge import Edge
from leadpilot.clock import now_iso
from leadpilot.errors import ValidationFailed
from leadpilot.identity.authenticate import require_role
from leadpilot.ids import parse_id
from leadpilot.lazy import lazy
from leadpilot.observability import logger
from leadpilot.settings import Settings
from leadpilot.sms.config import MessagingConfig, messaging_config

if TYPE_CHECKING:
    from leadpilot.sms import bulk as sms_bulk
    from leadpilot.sms import conversations, numbers
    from leadpilot.sms import inbound as sms_inbound
    from leadpilot.sms import messaging_settings as sms_settings
    from leadpilot.sms import provider as sms_provider
    from leadpilot.sms import saved_templates as sms_templates
    from leadpilot.sms import send as sms_send
    from leadpilot.sms import simulator as sms_simulator
    from leadpilot.sms import status as sms_status
    from leadpilot.sms import store as sms_store
    from leadpilot.sms import webhooks as sms_webhooks
    from leadpilot.sms import worker as sms_worker
else:  # domain modules load on first use: a cold start pays only for what its request needs
    sms_bulk = lazy("leadpilot.sms.bulk")
    conversations = lazy("leadpilot.sms.conversations")
    numbers = lazy("leadpilot.sms.numbers")
    sms_inbound = lazy("leadpilot.sms.inbound")
    sms_provider = lazy("leadpilot.sms.provider")
    sms_settings = lazy("leadpilot.sms.messaging_settings")
    sms_templates = lazy("leadpilot.sms.saved_templates")
    sms_send = lazy("leadpilot.sms.send")
    sms_simulator = lazy("leadpilot.sms.simulator")
    sms_status = lazy("leadpilot.sms.status")
    sms_store = lazy("leadpilot.sms.store")
    sms_webhooks = lazy("leadpilot.sms.webhooks")
    sms_worker = lazy("leadpilot.sms.worker")

app = Chalice(app_name="leadpilot-messaging")
edge = Edge(app, "leadpilot.sms")
ADMINS = ("owner", "admin")
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _send_at(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationFailed.field("send_at", "must be an ISO 8601 date-time with a UTC offset") from exc
    if value.tzinfo is None:
        raise ValidationFailed.field("send_at", "must include a UTC offset (e.g. 2030-01-01T09:00:00Z)")
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:  # 0001-01-01T00:00+05:00 is before the first representable instant
        raise ValidationFailed.field("send_at", "is out of range") from exc


@edge.route("/phone-numbers", "POST")
def add_phone_number() -> Response:
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    return edge.created(numbers.add_number(edge.settings, identity, edge.body("phone_number_create")).to_dict())


@edge.route("/phone-numbers", "GET")
def list_phone_numbers() -> dict[str, Any]:
    identity = edge.identity()
    items, cursor = numbers.number_page(identity.workspace_id, edge.limit(), edge.query("cursor"))
    return {"items": [n.to_dict() for n in items], "next_cursor": cursor}


@edge.route("/phone-numbers/{number_id}", "DELETE")
def delete_phone_number(number_id: str) -> Response:
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    numbers.delete_number(edge.settings, identity, parse_id(number_id, "number_id"))
    return edge.no_content()


def _with_body(workspace_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """`body`, or the saved template's body for `template_id` (exactly one of them)."""
    if body.get("template_id") and "body" in body:
        raise ValidationFailed.field("template_id", "give body or template_id, not both")
    if body.get("template_id"):
        return {**body, "body": sms_templates.body_of(workspace_id, parse_id(body["template_id"], "template_id"))}
    if "body" not in body:
        raise ValidationFailed.field("body", "is required (or template_id)")
    return body


@edge.route("/sms-templates", "POST")
def create_sms_template() -> Response:
    identity = edge.identity("write")
    return edge.created(sms_templates.create(identity, edge.body("sms_template_create")).to_dict())


@edge.route("/sms-templates", "GET")
def list_sms_templates() -> dict[str, Any]:
    identity = edge.identity()
    return sms_templates.list_templates(identity, edge.limit(), edge.query("cursor"))


@edge.route("/sms-templates/{template_id}", "GET")
def get_sms_template(template_id: str) -> dict[str, Any]:
    identity = edge.identity()
    return sms_templates.get(identity, parse_id(template_id, "template_id")).to_dict()


@edge.route("/sms-templates/{template_id}", "PATCH")
def update_sms_template(template_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    changes = edge.body("sms_template_update")
    return sms_templates.update(identity, parse_id(template_id, "template_id"), changes).to_dict()


@edge.route("/sms-templates/{template_id}", "DELETE")
def delete_sms_template(template_id: str) -> Response:
    identity = edge.identity("write")
    sms_templates.delete(identity, parse_id(template_id, "template_id"))
    return edge.no_content()


@edge.route("/sms/preview", "POST")
def preview_sms() -> dict[str, Any]:
    identity = edge.identity()
    return sms_send.preview_sms(identity.workspace_id, _with_body(identity.workspace_id, edge.body("sms_preview")))


@edge.route("/sms", "POST")
def send_sms() -> Response:
    identity = edge.identity("write")
    body = _with_body(identity.workspace_id, edge.body("sms_send"))
    request = sms_send.SendRequest(contact_id=body["contact_id"], body=body["body"], actor=identity.actor(),
                                   vars=body.get("vars") or {}, send_at=_send_at(body.get("send_at")),
                                   from_number_id=body.get("from_number_id"),
                                   idempotency_key=body.get("idempotency_key"), source="manual")
    message, created = sms_send.queue_sms(edge.settings, messaging_config(), identity.workspace_id, request)
    return Response(body=message, status_code=202 if created else 200, headers={"Content-Type": "application/json"})


@edge.route("/sms/bulk", "POST")
def send_bulk_sms() -> Response:
    """One template to up to 100 contacts: a result per contact (queued, or refused with a code)."""
    identity = edge.identity("write")
    body = _with_body(identity.workspace_id, edge.body("sms_bulk"))
    result = sms_bulk.queue_bulk(edge.settings, messaging_config(), identity.workspace_id, body, identity.actor(),
                                 _send_at(body.get("send_at")))
    return Response(body=result, status_code=202, headers={"Content-Type": "application/json"})


@edge.route("/sms/{message_id}", "GET")
def get_sms(message_id: str) -> dict[str, Any]:
    identity = edge.identity()
    return sms_store.get_message(identity.workspace_id, parse_id(message_id, "message_id"))


@edge.route("/sms/{message_id}/cancel", "POST")
def cancel_sms(message_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    return sms_send.cancel_sms(edge.settings, identity.workspace_id, parse_id(message_id, "message_id"))


@edge.route("/conversations", "GET")
def list_conversations() -> dict[str, Any]:
    identity = edge.identity()
    return conversations.list_conversations(identity.workspace_id, edge.limit(), edge.query("cursor"))


@edge.route("/conversations/{contact_id}/messages", "GET")
def conversation_messages(contact_id: str) -> dict[str, Any]:
    identity = edge.identity()
    return conversations.thread(identity.workspace_id, parse_id(contact_id, "contact_id"), edge.limit(),
                                edge.query("cursor"))


@edge.route("/conversations/{contact_id}/read", "POST")
def mark_conversation_read(contact_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    return conversations.mark_read(identity.workspace_id, parse_id(contact_id, "contact_id"), now_iso())


@edge.route("/messaging/settings", "GET")
def get_messaging_settings() -> dict[str, Any]:
    return sms_settings.load(edge.identity().workspace_id).to_dict()


@edge.route("/messaging/settings", "PUT")
def put_messaging_settings() -> dict[str, Any]:
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    return sms_settings.update(identity, edge.body("messaging_settings")).to_dict()


def _twiml() -> Response:
    return Response(body=EMPTY_TWIML, status_code=200, headers={"Content-Type": "text/xml"})


@edge.route("/webhooks/twilio/sms", "POST")
def twilio_inbound() -> Response:
    """Public: Twilio's inbound-text webhook, authenticated by X-Twilio-Signature (403 otherwise)."""
    signed = sms_webhooks.verified_form(edge.settings, messaging_config(), app.current_request)
    sms_inbound.receive(edge.settings, messaging_config(), signed.form, signed_by=signed.workspace_id)
    return _twiml()


@edge.route("/webhooks/twilio/status", "POST")
def twilio_status() -> Response:
    """Public: Twilio's status callback, authenticated by X-Twilio-Signature (403 otherwise)."""
    signed = sms_webhooks.verified_form(edge.settings, messaging_config(), app.current_request)
    sms_status.on_status(edge.settings, signed.form, signed_by=signed.workspace_id)
    return _twiml()


@edge.route("/dev/sms/inbound", "POST")
def simulate_inbound() -> dict[str, Any]:
    """Sandbox only: an inbound text to one of the caller's numbers, signed and verified like Twilio's."""
    identity = edge.identity("write")
    config = messaging_config()
    url = sms_webhooks.public_url(config, app.current_request, "/webhooks/twilio/sms")
    return sms_simulator.simulate_inbound(edge.settings, config, identity.workspace_id, url, edge.body("sim_inbound"))


@edge.route("/dev/sms/status", "POST")
def simulate_status() -> dict[str, Any]:
    """Sandbox only: a delivery receipt for one of the caller's texts, signed and verified like Twilio's."""
    identity = edge.identity("write")
    config = messaging_config()
    url = sms_webhooks.public_url(config, app.current_request, "/webhooks/twilio/status")
    return sms_simulator.simulate_status(edge.settings, config, identity.workspace_id, url, edge.body("sim_status"))


@edge.route("/dev/sms/outbox", "GET")
def simulator_outbox() -> dict[str, Any]:
    """Sandbox only: what the sandbox provider "sent" for the caller's workspace, newest first."""
    identity = edge.identity()
    sms_simulator.require_sandbox(messaging_config())
    items, cursor = sms_provider.sandbox_outbox_page(identity.workspace_id, edge.limit(100, 500), edge.query("cursor"))
    return {"items": items, "next_cursor": cursor}


_WORKER_THREADS = 4


def _by_sender(settings: Settings, config: MessagingConfig,
               jobs: list[sms_worker.Job]) -> dict[MessagingConfig, list[int]]:
    """The batch's jobs (by index) grouped by the configuration each workspace sends with."""
    configs = {ws: sms_provider.workspace_config(settings, config, ws) for ws in {job.workspace_id for job in jobs}}
    groups: dict[MessagingConfig, list[int]] = {}
    for index, job in enumerate(jobs):
        groups.setdefault(configs[job.workspace_id], []).append(index)
    return groups


@app.lambda_function(name="on_send")
def on_send(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Send queue consumer: hand each due text to the provider exactly once (see sms_worker).

    The batch's texts and contacts are read in two BatchGetItem calls; its texts are claimed, sent and recorded
    together (`deliver_batch`); each failed record is reported for redelivery (ReportBatchItemFailures).
    """
    config, settings = messaging_config(), edge.settings
    records = event.get("Records") or []
    bodies = [json.loads(r["body"]) for r in records]
    jobs = [sms_worker.Job(str(b["workspace_id"]), str(b["message_id"]), b.get("enqueued_at")) for b in bodies]
    found = sms_worker.prefetch([(job.workspace_id, job.message_id) for job in jobs])
    sink = sms_worker.EventSink()
    outcomes: list[Any] = [None] * len(jobs)
    for own, indexes in _by_sender(settings, config, jobs).items():  # a workspace's own Twilio account, if any
        part = sms_worker.deliver_batch(settings, own, sms_provider.provider_for(own), [jobs[i] for i in indexes],
                                        found, sink, threads=_WORKER_THREADS)
        for index, outcome in zip(indexes, part, strict=True):
            outcomes[index] = outcome
    failed = []
    for record, job, outcome in zip(records, jobs, outcomes, strict=True):
        if isinstance(outcome, Exception):
            logger.error("text not sent; the queue will redeliver it", exc_info=outcome,
                         extra={"message_id": job.message_id})
            failed.append(record["messageId"])
            if isinstance(outcome, sms_worker.StillSending) and record.get("receiptHandle"):
                # An attempt that died holding the text (a crash mid-send) blocks it until its lease ends: come
                # back just after that, not after the queue's 6-minute visibility timeout.
                from leadpilot.automation.steps.redelivery import postpone  # only on this rare path

                postpone(settings.region, config.need("send_queue_url"), record["receiptHandle"],
                         int(sms_worker.LEASE.total_seconds()) + 1)
    try:
        sink.flush(settings)
    except Exception:  # the texts are recorded; the outbox publisher sends what is still pending
        logger.exception("publishing the batch's SMS events failed; the outbox will retry")
    return {"batchItemFailures": [{"itemIdentifier": m} for m in failed]}
