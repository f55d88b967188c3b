"""Calendar sync: a connection's calendars and the host's choice among them, Google and Microsoft push webhooks,
the appointment/connection events consumer, and the scheduled renewal of push channels (ADR 0024). The webhooks
take no credentials: their channel secret is one."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalice import Chalice, Response

from leadpilot.api.edge import Edge
from leadpilot.api.queues import process_sqs_batch
from leadpilot.api.request import raw_body
from leadpilot.ids import parse_id
from leadpilot.lazy import lazy
from leadpilot.untrusted import loads

if TYPE_CHECKING:
    from leadpilot.calendar_sync import changes, config, consumer, selection, watches
else:  # domain modules load on first use (googleapiclient is heavy)
    changes = lazy("leadpilot.calendar_sync.changes")
    config = lazy("leadpilot.calendar_sync.config")
    consumer = lazy("leadpilot.calendar_sync.consumer")
    selection = lazy("leadpilot.calendar_sync.selection")
    watches = lazy("leadpilot.calendar_sync.watches")

app = Chalice(app_name="leadpilot-calendar-sync")
edge = Edge(app, "leadpilot.calendar_sync")
MAX_PUSH_BYTES = 256 * 1024


def _headers() -> dict[str, str]:
    return {k.lower(): v for k, v in app.current_request.headers.items()}  # type: ignore[union-attr]


@edge.route("/calendar/connections/{connection_id}/calendars", "GET")
def list_calendars(connection_id: str) -> dict[str, Any]:
    """Your connected account's calendars: which count for conflicts, which one bookings are written to."""
    identity = edge.identity()
    return selection.calendars_of(edge.settings, config.sync_config(), identity,
                                  parse_id(connection_id, "connection_id"))


@edge.route("/calendar/connections/{connection_id}", "PATCH")
def choose_calendars(connection_id: str) -> dict[str, Any]:
    """Choose the calendars checked for conflicts and/or where bookings are written (busy times follow at once)."""
    identity = edge.identity("write")
    body = edge.body("calendar_selection")
    return selection.choose(edge.settings, config.sync_config(), identity, parse_id(connection_id, "connection_id"),
                            body)


@edge.route("/calendar-sync/webhooks/google", "POST")
def google_push() -> dict[str, Any]:
    """Google Calendar push notification: X-Goog-Channel-ID and X-Goog-Channel-Token must match (else 403)."""
    return changes.google_push(edge.settings, config.sync_config(), _headers())


@edge.route("/calendar-sync/webhooks/microsoft", "POST")
def microsoft_push() -> Response:
    """Microsoft Graph change notification (clientState checked, else 403), or its validationToken handshake."""
    handshake = edge.query("validationToken")
    if handshake is not None:
        return Response(body=handshake, status_code=200, headers={"Content-Type": "text/plain"})
    body = loads(raw_body(app.current_request, MAX_PUSH_BYTES))  # type: ignore[arg-type]
    result = changes.microsoft_push(edge.settings, config.sync_config(), body if isinstance(body, dict) else {})
    return Response(body=result, status_code=202, headers={"Content-Type": "application/json"})


def _apply(record: Any) -> None:
    consumer.handle(edge.settings, config.sync_config(), json.loads(record.body)["detail"])


@app.lambda_function(name="on_calendar_event")
def on_calendar_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS consumer: appointment events to write to hosts' calendars, connections to link or unlink."""
    return process_sqs_batch(event, context, _apply)


@app.lambda_function(name="renew_watches")
def renew_watches(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Scheduled: renew Google channels and Microsoft subscriptions that expire within a day."""
    return {"renewed": watches.renew_due(edge.settings, config.sync_config())}
