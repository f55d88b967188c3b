"""Email: the from identity, sending, tracking (pixel, clicks), unsubscribe, SES feedback, replies, the send worker."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalice import Chalice, Response

from leadpilot.api.edge import Edge
from leadpilot.api.queues import process_sqs_batch
from leadpilot.api.request import raw_body
from leadpilot.automation.runs.config import runtime_config
from leadpilot.email.config import email_config
from leadpilot.errors import NotFound
from leadpilot.identity.authenticate import require_role
from leadpilot.ids import parse_id
from leadpilot.lazy import lazy
from leadpilot.observability import logger

if TYPE_CHECKING:
    from leadpilot.email import bulk, feedback, inbound, senders, sending, tracking, unsubscribe, views, worker
    from leadpilot.email import provider as email_provider
    from leadpilot.sequences import service as sequences
else:  # domain modules load on first use: a cold start pays only for what its request needs
    email_provider = lazy("leadpilot.email.provider")
    bulk = lazy("leadpilot.email.bulk")
    feedback = lazy("leadpilot.email.feedback")
    inbound = lazy("leadpilot.email.inbound")
    senders = lazy("leadpilot.email.senders")
    sending = lazy("leadpilot.email.sending")
    tracking = lazy("leadpilot.email.tracking")
    unsubscribe = lazy("leadpilot.email.unsubscribe")
    views = lazy("leadpilot.email.views")
    worker = lazy("leadpilot.email.worker")
    sequences = lazy("leadpilot.sequences.service")

app = Chalice(app_name="leadpilot-email")
app.api.binary_types.append("image/gif")
edge = Edge(app, "leadpilot.email")
sequence_bodies = Edge(app, "leadpilot.sequences")  # the sequences' request schemas live with their package
ADMINS = ("owner", "admin")
NO_STORE: dict[str, str | list[str]] = {"Cache-Control": "no-store, private", "Referrer-Policy": "no-referrer"}


def _raw(limit: int) -> bytes:
    return raw_body(app.current_request, limit)  # type: ignore[arg-type]


def _header(name: str) -> str | None:
    return app.current_request.headers.get(name)  # type: ignore[union-attr]


def _provider() -> email_provider.EmailProvider:
    """SES (or the local cloud's), built once per process on first use."""
    return email_provider.provider(edge.settings.region)


@edge.route("/email/sender", "PUT")
def set_sender() -> dict[str, Any]:
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    body = edge.body("sender")
    return senders.set_sender(identity.workspace_id, _provider(), body).to_dict()


@edge.route("/email/sender", "GET")
def get_sender() -> dict[str, Any]:
    identity = edge.identity()
    sender = senders.get_sender(identity.workspace_id, _provider())
    if sender is None:
        raise NotFound("the workspace has no sender yet", {"field": "sender"})
    return sender.to_dict()


@edge.route("/emails", "POST")
def send_email() -> Response:
    identity = edge.identity("write")
    body = edge.body("email_send", max_bytes=256 * 1024)
    queued = sending.send_to_contact(edge.settings, email_config(), _provider(),
                                     identity.workspace_id, body, business_name=identity.workspace.name)
    return Response(body=queued.to_dict(), status_code=202, headers={"Content-Type": "application/json"})


@edge.route("/emails/bulk", "POST")
def send_bulk_email() -> Response:
    """One template to up to 100 contacts: a result per contact (queued, or refused with a code)."""
    identity = edge.identity("write")
    body = edge.body("email_bulk", max_bytes=256 * 1024)
    result = bulk.send_bulk(edge.settings, email_config(), _provider(), identity.workspace_id, body,
                            business_name=identity.workspace.name)
    return Response(body=result, status_code=202, headers={"Content-Type": "application/json"})


@edge.route("/emails/{message_id}", "GET")
def get_email(message_id: str) -> dict[str, Any]:
    identity = edge.identity()
    return views.get_message(identity.workspace_id, parse_id(message_id, "message_id"))


@edge.route("/dev/emails", "GET")
def dev_emails() -> dict[str, Any]:
    """What the local SES captured for the caller's workspace (dev tools only: the local cloud)."""
    identity = edge.identity()
    items, cursor = views.captured_for(identity.workspace_id, edge.limit(), edge.query("cursor"))
    return {"items": items, "next_cursor": cursor}


# -- public: the recipient's mail client and browser, no credentials; a token we did not sign is a 404 ----------
@edge.route("/e/o/{token}", "GET")
def open_pixel(token: str) -> Response:
    request = app.current_request
    tracking.open_pixel(edge.settings, email_config(), token, _header("user-agent"), request.method)  # type: ignore
    accept = (_header("accept") or "").lower()
    if "image/gif" not in accept and "*/*" not in accept:
        # API Gateway only returns a binary body to a request that accepts it; the hit is recorded all the same.
        return Response(body="", status_code=204, headers=dict(NO_STORE))
    return Response(body=tracking.PIXEL, status_code=200, headers={"Content-Type": "image/gif", **NO_STORE})


@edge.route("/e/c/{token}", "GET")
def click(token: str) -> Response:
    request = app.current_request
    url = tracking.click(edge.settings, email_config(), token, _header("user-agent"), request.method)  # type: ignore
    return Response(body="", status_code=302, headers={"Location": url, **NO_STORE})


@edge.route("/e/u/{token}", "GET")
def unsubscribe_landing(token: str) -> Response:
    page = unsubscribe.landing_page(email_config(), token)
    return Response(body=page, status_code=200, headers={"Content-Type": "text/html; charset=utf-8", **NO_STORE})


@edge.route("/e/u/{token}", "POST")
def unsubscribe_one_click(token: str) -> Response:
    """RFC 8058: mail clients POST `List-Unsubscribe=One-Click`; the landing page's button posts here too."""
    _raw(4096)
    address = unsubscribe.unsubscribe(edge.settings, email_config(), token, "one_click")
    return Response(body=unsubscribe.done_page(address), status_code=200,
                    headers={"Content-Type": "text/html; charset=utf-8", **NO_STORE})


@edge.route("/email/webhooks/ses", "POST")
def ses_feedback() -> dict[str, Any]:
    return feedback.handle_sns(edge.settings, email_config(), _raw(256 * 1024), _header("authorization"))


@edge.route("/email/inbound", "POST")
def inbound_email() -> dict[str, Any]:
    raw = _raw(inbound.MAX_INBOUND_BYTES)
    return inbound.receive(edge.settings, email_config(), raw, _header("x-leadpilot-signature"))


# -- sequences: steps compiled to a flow on the automation runtime ------------------------------------------------
@edge.route("/sequences", "POST")
def create_sequence() -> Response:
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    body = sequence_bodies.body("sequence_create", max_bytes=1024 * 1024)
    return edge.created(sequences.create_sequence(edge.settings, runtime_config(), identity, body))


@edge.route("/sequences", "GET")
def list_sequences() -> dict[str, Any]:
    identity = edge.identity()
    items, cursor = sequences.list_sequences(identity.workspace_id, edge.limit(), edge.query("cursor"))
    return {"items": items, "next_cursor": cursor}


@edge.route("/sequences/{sequence_id}", "GET")
def get_sequence(sequence_id: str) -> dict[str, Any]:
    identity = edge.identity()
    return sequences.get_sequence(identity.workspace_id, parse_id(sequence_id, "sequence_id"))


@edge.route("/sequences/{sequence_id}", "PATCH")
def update_sequence(sequence_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    sid = parse_id(sequence_id, "sequence_id")
    body = sequence_bodies.body("sequence_update", max_bytes=1024 * 1024)
    return sequences.update_sequence(edge.settings, runtime_config(), identity, sid, body)


@edge.route("/sequences/{sequence_id}/enrollments", "POST")
def enroll(sequence_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    sid = parse_id(sequence_id, "sequence_id")
    return sequences.enroll(edge.settings, identity, sid, sequence_bodies.body("sequence_enroll")["contact_ids"])


@edge.route("/sequences/{sequence_id}/enrollments/{contact_id}", "DELETE")
def exit_sequence(sequence_id: str, contact_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    return sequences.exit_contact(edge.settings, identity, parse_id(sequence_id, "sequence_id"),
                                  parse_id(contact_id, "contact_id"))


@edge.route("/sequences/{sequence_id}/stats", "GET")
def sequence_stats(sequence_id: str) -> dict[str, Any]:
    identity = edge.identity()
    return sequences.stats(identity.workspace_id, parse_id(sequence_id, "sequence_id"))


@edge.route("/contacts/{contact_id}/sequences", "GET")
def contact_sequences(contact_id: str) -> dict[str, Any]:
    identity = edge.identity()
    cid = parse_id(contact_id, "contact_id")
    sending.load_contact(identity.workspace_id, cid)
    items, cursor = sequences.history(edge.settings, identity.workspace_id, cid, edge.limit(), edge.query("cursor"))
    return {"items": items, "next_cursor": cursor}


@app.lambda_function(name="on_send")
def on_send(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Send queue consumer: the batch's messages are read, claimed, sent (each at most once) and recorded
    together (`worker.deliver_batch`); each failed record is reported for redelivery (ReportBatchItemFailures)."""
    records = event.get("Records") or []
    bodies = [json.loads(r["body"]) for r in records]
    jobs = [worker.Job(str(b["workspace_id"]), str(b["message_id"])) for b in bodies]
    results = worker.deliver_batch(edge.settings, email_config(), _provider(), jobs)
    failed = [(record, outcome) for record, outcome in zip(records, results, strict=True)
              if isinstance(outcome, Exception)]
    for record, outcome in failed:
        logger.error("email not sent; the queue will redeliver it", exc_info=outcome,
                     extra={"message_id": json.loads(record["body"]).get("message_id")})
    if failed and len(failed) == len(records):  # as Powertools does: the invocation fails, Lambda retries all
        from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

        raise BatchProcessingError("every email of the batch failed",
                                   [(type(e), e, e.__traceback__) for _, e in failed])
    return {"batchItemFailures": [{"itemIdentifier": record["messageId"]} for record, _ in failed]}


def _sequence_event(record: Any) -> None:
    sequences.on_event(edge.settings, json.loads(record.body)["detail"])


@app.lambda_function(name="on_sequence_event")
def on_sequence_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Sequence exits queue consumer: a reply, unsubscribe, permanent bounce or goal event stops the contact's runs."""
    return process_sqs_batch(event, context, _sequence_event)
