"""One open WebSocket of the local gateway: its socket, its protocol state and the thread that reads it.

The thread reads frames, reassembles messages and hands each to its API (ws_server.LiveServer); API Gateway's
idle timeout and maximum duration apply, and whichever side closes, the API's $disconnect runs.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State
from websockets.server import ServerProtocol

if TYPE_CHECKING:
    from infra.local.ws_server import LiveServer

log = logging.getLogger("infra.local.ws")

IDLE_TIMEOUT_S = 600.0  # API Gateway closes a connection that carried no message for 10 minutes
MAX_DURATION_S = 7200.0  # and any connection after 2 hours
CLOSE_WAIT_S = 2.0  # after our close frame, how long the client has to answer before the socket is dropped
_POLL_S = 0.5  # how often a connection's thread looks at its deadlines and at stop()


def new_connection_id() -> str:
    # API Gateway's ids look like "L0SM9cOFvHcCIhw="; the URL-safe alphabet keeps them whole in a path.
    return base64.urlsafe_b64encode(os.urandom(12)).decode("ascii")


def single_and_multi(pairs: Sequence[tuple[str, str]]) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    if not pairs:
        return None, None
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in pairs:
        single[key] = value
        multi.setdefault(key, []).append(value)
    return single, multi


class Connection:
    """One open WebSocket: its socket, its protocol state and the thread that reads it."""

    def __init__(self, server: LiveServer, sock: socket.socket, protocol: ServerProtocol, request: Request,
                 source_ip: str) -> None:
        self.server = server
        self.connection_id = new_connection_id()
        self.sock = sock
        self.protocol = protocol
        self.source_ip = source_ip
        self.user_agent = request.headers.get("User-Agent", "")
        self.domain = request.headers.get("Host", "localhost")
        self.connected_at = self.last_active_at = time.time()
        self._started = time.monotonic()
        self._last_message = self._started
        self._closing_since: float | None = None
        self._lock = threading.Lock()  # the protocol and the socket's write side: the reader and senders share them
        self._thread = threading.Thread(target=self._run, name=f"ws-{self.connection_id}", daemon=True)

    def headers_of(self, pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
        single, multi = single_and_multi(pairs)
        return {"headers": single or {}, "multiValueHeaders": multi or {}}

    def context(self, route_key: str, event_type: str) -> dict[str, Any]:
        """The requestContext API Gateway gives a WebSocket route."""
        now = datetime.now(UTC)
        return {"routeKey": route_key, "eventType": event_type, "extendedRequestId": uuid.uuid4().hex[:16],
                "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"), "messageDirection": "IN",
                "stage": self.server.api.stage, "connectedAt": int(self.connected_at * 1000),
                "requestTimeEpoch": int(now.timestamp() * 1000),
                "identity": {"sourceIp": self.source_ip, "userAgent": self.user_agent},
                "requestId": str(uuid.uuid4()), "domainName": self.domain, "connectionId": self.connection_id,
                "apiId": self.server.api.api_id}

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    def flush(self) -> bool:
        """Write what the protocol has to send; False when the socket is broken (or the client reads too slowly
        to take a message within a poll): then the connection is dropped, and the reader runs $disconnect."""
        try:
            for chunk in self.protocol.data_to_send():
                if chunk:
                    self.sock.sendall(chunk)
                else:  # the protocol's signal that our side is done
                    self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RDWR)
            return False
        return True

    def send(self, data: bytes, *, binary: bool) -> bool:
        """Send one message; False when the connection is no longer open."""
        with self._lock:
            if self.protocol.state is not State.OPEN:
                return False
            if binary:
                self.protocol.send_binary(data)
            else:
                self.protocol.send_text(data)
            self.last_active_at = time.time()
            return self.flush()

    def close(self, code: int, reason: str) -> None:
        """Start the closing handshake; the reader ends the connection when the client answers (or soon after)."""
        with self._lock:
            if self.protocol.state is State.OPEN:
                self.protocol.send_close(code, reason)
                self._closing_since = time.monotonic()
                self.flush()

    def _run(self) -> None:
        code, reason = 1006, "Connection closed abnormally"
        try:
            code, reason = self._read()
        except Exception:
            log.exception("connection %s failed", self.connection_id)
        finally:
            try:
                self.sock.close()
            finally:
                self.server.on_close(self, code, reason)

    def _read(self) -> tuple[int, str]:
        """Read frames until the connection closes; returns the close code and reason for $disconnect."""
        self.sock.settimeout(_POLL_S)
        fragments: list[bytes] = []
        fragment_binary = False
        while True:
            self._check_deadlines()
            if self._closing_since is not None and time.monotonic() - self._closing_since > CLOSE_WAIT_S:
                return self._closed("the client did not answer the close")
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return 1006, "Connection reset"
            with self._lock:
                if data:
                    self.protocol.receive_data(data)
                else:
                    self.protocol.receive_eof()
                frames = [event for event in self.protocol.events_received() if isinstance(event, Frame)]
                self.flush()  # pongs to pings, the answer to a close
            for frame in frames:
                if frame.opcode in (Opcode.TEXT, Opcode.BINARY):
                    fragments, fragment_binary = [bytes(frame.data)], frame.opcode is Opcode.BINARY
                elif frame.opcode is Opcode.CONT:
                    fragments.append(bytes(frame.data))
                else:
                    continue  # ping, pong and close: the protocol has answered them
                if frame.fin:
                    self._last_message = time.monotonic()
                    self.last_active_at = time.time()
                    self.server.on_message(self, b"".join(fragments), fragment_binary)
                    fragments = []
            if self.protocol.state is State.CLOSED or not data:
                return self._closed("")

    def _closed(self, fallback: str) -> tuple[int, str]:
        received = self.protocol.close_rcvd
        if received is not None:
            return received.code, f"Client-side close frame status code '{received.code}' - description " \
                                  f"'{received.reason}'"
        sent = self.protocol.close_sent
        if sent is not None:
            return sent.code, f"Server-side close: {sent.reason or sent.code}"
        return 1006, fallback or "Connection closed abnormally"

    def _check_deadlines(self) -> None:
        now = time.monotonic()
        expired = now - self._last_message > IDLE_TIMEOUT_S or now - self._started > MAX_DURATION_S
        if expired or self.server.stopping.is_set():
            self.close(1001, "Going away")
