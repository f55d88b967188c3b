"""Live updates: the dashboard's WebSocket API ($connect, $default, $disconnect) and the fan-out of bus events."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalice import Chalice

from leadpilot.errors import DomainError
from leadpilot.lazy import lazy
from leadpilot.observability import logger
from leadpilot.settings import get_settings

if TYPE_CHECKING:
    from leadpilot.live import connections, fanout, messages
else:  # domain modules load on first use: a ping pays for no DynamoDB model
    connections = lazy("leadpilot.live.connections")
    fanout = lazy("leadpilot.live.fanout")
    messages = lazy("leadpilot.live.messages")

app = Chalice(app_name="leadpilot-live")


def _answer(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def _error(exc: DomainError) -> dict[str, Any]:
    return _answer(exc.status, {"type": "error",
                                "error": {"code": exc.code, "message": exc.message, "details": exc.details}})


@app.lambda_function(name="on_connection")
def on_connection(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The WebSocket API's routes: $connect admits a member by ?token= (any other status refuses the handshake),
    $disconnect forgets the connection, $default answers {"action": "ping"} with {"type": "pong"}."""
    request = event["requestContext"]
    connection_id, kind = str(request["connectionId"]), request.get("eventType")
    try:
        if kind == "CONNECT":
            token = (event.get("queryStringParameters") or {}).get("token")
            opened = connections.connect(get_settings(), connection_id, token)
            logger.info("live connection opened", extra={"workspace_id": opened.workspace_id})
            return _answer(200, {"type": "connected"})
        if kind == "DISCONNECT":
            connections.disconnect(get_settings(), connection_id)
            return _answer(200, {"type": "disconnected"})
        return _answer(200, messages.reply_to(event.get("body")))
    except DomainError as exc:
        return _error(exc)


@app.lambda_function(name="on_event")
def on_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Live events queue consumer (EventBridge rule -> queue): post each event to its workspace's open dashboards.
    A failure to read the connections fails the batch (SQS delivers it again; clients drop repeated ids)."""
    events = []
    for record in event.get("Records", []):
        try:
            events.append(json.loads(record["body"])["detail"])
        except (KeyError, TypeError, ValueError):
            logger.warning("not an EventBridge event; dropped", extra={"message_id": record.get("messageId")})
    done = fanout.fan_out(get_settings(), [e for e in events if isinstance(e, dict) and e.get("workspace_id")])
    log = logger.info if done.gone or done.failed else logger.debug  # one line per batch would flood the console
    log("live fan-out", extra={"events": len(events), "posted": done.posted, "gone": done.gone, "failed": done.failed})
    return {"batchItemFailures": []}
