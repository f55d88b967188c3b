"""The local API Gateway's WebSocket side: the upgrade on the gateway's own port, API Gateway-shaped events to the
functions, and the @connections management API (POST sends, GET describes, DELETE closes).

The protocol is the `websockets` library's sans-I/O state machine; each open connection has a thread of its own
(not one of the gateway's HTTP workers), which reads frames and invokes the route's function, one message at a time.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from websockets.http11 import Request
from websockets.server import ServerProtocol

from infra.local.model import WebSocketApi
from infra.local.ws_connection import Connection, single_and_multi

log = logging.getLogger("infra.local.ws")
Invoke = Callable[[str, Any], Any]
# What the management API answers: status, header pairs, body (the gateway turns it into its Reply).
Served = tuple[int, list[tuple[str, str]], bytes]

MAX_MESSAGE_BYTES = 128 * 1024  # API Gateway's limit for a WebSocket message, both ways
MAX_CONNECTIONS = 1000


def _iso(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _aws_error(status: int, kind: str, message: str) -> Served:
    # botocore reads the error code from x-amzn-ErrorType, as API Gateway sends it.
    body = json.dumps({"message": message}).encode()
    return status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", kind)], body


class LiveServer:
    """One WebSocket API of the deployment: its open connections and its management API."""

    def __init__(self, api: WebSocketApi, invoke: Invoke, account_id: str) -> None:
        self.api = api
        self._invoke = invoke
        self._account_id = account_id
        self._open: dict[str, Connection] = {}
        self._lock = threading.Lock()
        self.stopping = threading.Event()

    @property
    def management_prefix(self) -> str:
        return f"{self.api.path}/@connections/"

    def wants_upgrade(self, method: str, target: str, headers: Mapping[str, str]) -> bool:
        """A GET of the API's path that asks for a WebSocket."""
        upgrade = headers.get("Upgrade", "").lower()
        return method == "GET" and urlsplit(target).path == self.api.path and upgrade == "websocket"

    # ------------------------------------------------------------ the handshake and $connect
    def upgrade(self, sock: socket.socket, raw_head: bytes, client_ip: str) -> bool:
        """Answer the handshake on the gateway's socket; True when the socket now belongs to a connection."""
        protocol = ServerProtocol(max_size=MAX_MESSAGE_BYTES, logger=log)
        protocol.receive_data(raw_head)
        received = protocol.events_received()
        if not received or not isinstance(received[0], Request):
            _send_all(sock, protocol)
            return False
        request = received[0]
        response = protocol.accept(request)
        if response.status_code != 101 or self.stopping.is_set():
            if response.status_code == 101:
                response = protocol.reject(503, "The local cloud is stopping.\n")
            protocol.send_response(response)
            _send_all(sock, protocol)
            return False
        with self._lock:
            full = len(self._open) >= MAX_CONNECTIONS
        connection = Connection(self, sock, protocol, request, client_ip)
        refusal = ("Too many connections", 429) if full else self._connect(connection, request)
        if refusal is not None:
            body, status = refusal
            protocol.send_response(protocol.reject(status, body))
            _send_all(sock, protocol)
            return False
        protocol.send_response(response)
        with self._lock:
            self._open[connection.connection_id] = connection
        if not connection.flush():
            self._forget(connection.connection_id)
            return False
        connection.start()
        return True

    def _connect(self, connection: Connection, request: Request) -> tuple[str, int] | None:
        """Invoke $connect (when the API has it); a refusal is (body, status), as API Gateway answers it."""
        route = self.api.routes.get("$connect")
        if route is None:
            return None
        target = urlsplit(request.path)
        pairs = list(request.headers.raw_items())
        event = {**connection.headers_of(pairs), **self._query(target.query),
                 "requestContext": connection.context("$connect", "CONNECT"), "isBase64Encoded": False}
        try:
            result = self._invoke(route.function_id, event)
        except Exception:
            log.exception("%s failed on $connect", route.function_id)
            return "Internal server error\n", 500
        raw = result.get("statusCode") if isinstance(result, dict) else None
        status = int(raw) if isinstance(raw, int | str) and str(raw).isdigit() else 502
        if 200 <= status < 300:
            return None
        body = result.get("body") if isinstance(result, dict) else None
        return str(body or "Forbidden"), status

    @staticmethod
    def _query(query: str) -> dict[str, Any]:
        single, multi = single_and_multi(parse_qsl(query, keep_blank_values=True))
        return {"queryStringParameters": single, "multiValueQueryStringParameters": multi} if single else {}

    # ------------------------------------------------------------ events of an open connection
    def on_message(self, connection: Connection, payload: bytes, binary: bool) -> None:
        """Route a message by the selection expression and invoke its function; a two-way route's answer goes back."""
        route_key = self._route_key(payload, binary)
        route = self.api.routes.get(route_key) or self.api.routes.get("$default")
        context = {**connection.context(route.route_key if route else route_key, "MESSAGE"),
                   "messageId": uuid.uuid4().hex[:16]}
        if route is None:
            connection.send(self._gateway_message("Forbidden", connection, context), binary=False)
            return
        body = base64.b64encode(payload).decode("ascii") if binary else payload.decode("utf-8")
        event = {"requestContext": context, "body": body, "isBase64Encoded": binary}
        try:
            result = self._invoke(route.function_id, event)
        except Exception:
            log.exception("%s failed on %s", route.function_id, route.route_key)
            connection.send(self._gateway_message("Internal server error", connection, context), binary=False)
            return
        if route.two_way and isinstance(result, dict) and result.get("body") is not None:
            connection.send(str(result["body"]).encode("utf-8"), binary=False)

    def _route_key(self, payload: bytes, binary: bool) -> str:
        expression = self.api.selection_expression
        if binary or not expression.startswith("$request.body."):
            return "$default"
        try:
            value: Any = json.loads(payload)
        except ValueError:
            return "$default"
        for part in expression.removeprefix("$request.body.").split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value if isinstance(value, str) and value else "$default"

    @staticmethod
    def _gateway_message(message: str, connection: Connection, context: Mapping[str, Any]) -> bytes:
        body = {"message": message, "connectionId": connection.connection_id, "requestId": context["requestId"]}
        return json.dumps(body).encode()

    def on_close(self, connection: Connection, code: int, reason: str) -> None:
        """Forget the connection and invoke $disconnect, as API Gateway does whichever side closed."""
        self._forget(connection.connection_id)
        route = self.api.routes.get("$disconnect")
        if route is None:
            return
        domain = connection.domain
        context = {**connection.context("$disconnect", "DISCONNECT"), "disconnectStatusCode": code,
                   "disconnectReason": reason}
        headers = {"Host": domain, "x-api-key": "", "X-Forwarded-For": "", "x-restapi": ""}
        event = {"headers": headers, "multiValueHeaders": {key: [value] for key, value in headers.items()},
                 "requestContext": context, "isBase64Encoded": False}
        try:
            self._invoke(route.function_id, event)
        except Exception:
            log.exception("%s failed on $disconnect", route.function_id)

    def _forget(self, connection_id: str) -> None:
        with self._lock:
            self._open.pop(connection_id, None)

    def _connection(self, connection_id: str) -> Connection | None:
        with self._lock:
            return self._open.get(connection_id)

    # ------------------------------------------------------------ the @connections management API
    def manage(self, method: str, raw_path: str, headers: Sequence[tuple[str, str]], body: bytes) -> Served:
        """POST sends `body` to a connection, GET describes it, DELETE closes it; an unknown one is Gone (410)."""
        authorization = next((value for key, value in headers if key.lower() == "authorization"), "")
        if not authorization.startswith("AWS4-HMAC-SHA256 "):
            # API Gateway takes only SigV4-signed calls (the signature itself is not checked locally, as in moto).
            return _aws_error(403, "ForbiddenException", "Missing Authentication Token")
        connection_id = unquote(raw_path[len(self.management_prefix):])
        if not connection_id or "/" in connection_id:
            return _aws_error(404, "NotFoundException", "Not Found")
        connection = self._connection(connection_id)
        if method == "POST":
            if len(body) > MAX_MESSAGE_BYTES:
                return _aws_error(413, "PayloadTooLargeException", "Message too long")
            if connection is None or not connection.send(body, binary=not _is_text(body)):
                return _aws_error(410, "GoneException", "")
            return 200, [("Content-Type", "application/json")], b""
        if connection is None:
            return _aws_error(410, "GoneException", "")
        if method == "GET":
            # the wire names of the API (boto3 shows them as ConnectedAt, Identity.SourceIp, ...)
            description = {"connectedAt": _iso(connection.connected_at),
                           "lastActiveAt": _iso(connection.last_active_at),
                           "identity": {"sourceIp": connection.source_ip, "userAgent": connection.user_agent}}
            return 200, [("Content-Type", "application/json")], json.dumps(description).encode()
        if method == "DELETE":
            connection.close(1000, "")
            return 204, [], b""
        return _aws_error(405, "MethodNotAllowedException", f"{method} is not allowed on a connection")

    # ------------------------------------------------------------ lifecycle
    def stop(self, timeout: float = 5.0) -> None:
        """Close every connection (1001 Going Away); each one's $disconnect runs before this returns."""
        self.stopping.set()
        with self._lock:
            connections = list(self._open.values())
        for connection in connections:
            connection.close(1001, "Going away")
        deadline = time.monotonic() + timeout
        for connection in connections:
            connection.join(max(0.0, deadline - time.monotonic()))


def _is_text(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _send_all(sock: socket.socket, protocol: ServerProtocol) -> None:
    for chunk in protocol.data_to_send():
        if chunk:
            sock.sendall(chunk)


