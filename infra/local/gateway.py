"""The local API Gateway: HTTP requests in, REST proxy events to the functions, responses out."""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from infra.local import apidocs, calendar_fakes, oauth_stub
from infra.local.routes import RouteTable, build_rest_event
from infra.local.webapp import WebApp
from infra.local.ws_server import LiveServer

if TYPE_CHECKING:
    from infra.local.host import FunctionHost

log = logging.getLogger("infra.local.gateway")

HEALTH_PATH = "/_local/health"
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
# Up to this size an oversized body is read and dropped, so the client sees the 413
# instead of a reset connection; beyond it the connection is just closed.
_DRAIN_LIMIT = 64 * 1024 * 1024
_HOP_BY_HOP = {"content-length", "transfer-encoding", "connection"}
WORKERS = 32  # connections served at once; more wait in the listen backlog
BACKLOG = 1024
# An idle keep-alive connection gives its worker back after this long (API Gateway's own idle timeout is longer,
# but here a worker is a bounded resource).
IDLE_TIMEOUT_S = 10.0


@dataclass
class Reply:
    """A status, header pairs and body bytes to write back."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def error_reply(status: int, code: str, message: str, **extra_headers: str) -> Reply:
    """A LeadPilot-shaped error: {"error": {"code", "message", "details"}}."""
    body = {"error": {"code": code, "message": message, "details": {}}}
    return json_reply(status, body, list(extra_headers.items()))


def json_reply(status: int, body: Any, headers: list[tuple[str, str]] | None = None) -> Reply:
    """A JSON reply."""
    return Reply(status, [("Content-Type", "application/json"), *(headers or [])], json.dumps(body).encode())


def proxy_reply(result: Any) -> Reply:
    """Turn a Lambda proxy response into an HTTP reply, as API Gateway does."""
    status = result.get("statusCode") if isinstance(result, dict) else None
    if not isinstance(status, int) and not (isinstance(status, str) and status.isdigit()):
        raise ValueError("malformed Lambda proxy response (no integer statusCode)")
    single = result.get("headers") or {}
    multi = result.get("multiValueHeaders") or {}
    multi_keys = {key.lower() for key in multi}
    # API Gateway merges both maps; a key present in multiValueHeaders takes its values from there.
    pairs = [(key, str(value)) for key, value in single.items() if key.lower() not in multi_keys]
    pairs += [(key, str(value)) for key, values in multi.items() for value in values]
    pairs = [(key, value) for key, value in pairs if key.lower() not in _HOP_BY_HOP]
    if not any(key.lower() == "content-type" for key, _ in pairs):
        pairs.append(("Content-Type", "application/json"))  # a REST API's default when the function sets none
    body = result.get("body") or ""
    payload = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode("utf-8")
    return Reply(int(status), pairs, payload)


class Gateway:
    """An HTTP server with a bounded worker pool that routes requests to the Api events of the deployment."""

    def __init__(self, host: FunctionHost, bind_host: str, port: int) -> None:
        self._host = host
        self._address = (bind_host, port)
        self.routes = RouteTable(host.deployment.functions)
        self._webapp = WebApp()
        # The template's WebSocket APIs, on this same port (ws_specs.mount_path: LiveApi at /live).
        deployment = host.deployment
        self.live = [LiveServer(api, host.invoke, deployment.account_id) for api in deployment.websocket_apis]
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """http://host:port of the running server."""
        if self._server is None:
            raise RuntimeError("the gateway is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        """Bind and serve in a daemon thread."""
        self._server = _Server(self._address, _RequestHandler)
        self._server.gateway = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, name="gateway", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting requests, close the WebSockets (their $disconnect runs) and release the port."""
        if self._server is not None:
            self._server.shutdown()
            for live in self.live:
                live.stop()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def dispatch(
        self, method: str, target: str, headers: Sequence[tuple[str, str]], body: bytes, client_ip: str
    ) -> tuple[Reply, str]:
        """Handle one request; returns the reply and the function that served it (or '-')."""
        parts = urlsplit(target)
        raw_path = parts.path or "/"
        if method == "GET" and raw_path == HEALTH_PATH:
            return json_reply(200, self._host.health()), "-"
        stubbed = oauth_stub.serve_mounted(method, target, body)  # the OAuth server stub: /_local/oauth/…
        if stubbed is None:  # the fake calendars: /_local/calendars/…
            stubbed = calendar_fakes.serve_mounted(method, target, {k.lower(): v for k, v in headers}, body)
        if stubbed is not None:
            return Reply(*stubbed), "-"
        page = self._webapp.serve(method, raw_path, headers)  # the dashboard: / and /app/…
        if page is not None:
            return Reply(*page), "-"
        for live in self.live:
            if unquote(raw_path).startswith(live.management_prefix):
                return Reply(*live.manage(method, unquote(raw_path), headers, body)), "-"
            if raw_path == live.api.path:
                message = f"{raw_path} is a WebSocket API: connect with ws://<host>{raw_path}?token=<access token>"
                return error_reply(426, "upgrade_required", message, Upgrade="websocket"), "-"
        match = self.routes.match(method, raw_path)
        if match == 404:
            served = apidocs.serve(method, raw_path)  # /openapi.json and /docs, where the template has no route
            if served is not None:
                return Reply(*served), "-"
            return error_reply(404, "not_found", f"No route for {method} {unquote(raw_path)}"), "-"
        if isinstance(match, int):
            allow = ", ".join(self.routes.methods_for(raw_path))
            message = f"Method {method} is not allowed on {unquote(raw_path)}"
            return error_reply(405, "method_not_allowed", message, Allow=allow), "-"
        function_id = match.route.function_id
        deployment = self._host.deployment
        all_headers = [*headers, *self._forwarded(headers, client_ip)]
        event = build_rest_event(
            match,
            method,
            raw_path,
            parts.query,
            all_headers,
            body,
            source_ip=client_ip,
            stage=deployment.stage,
            account_id=deployment.account_id,
        )
        try:
            return proxy_reply(self._host.invoke(function_id, event)), function_id
        except Exception:
            log.exception("%s failed on %s %s", function_id, method, raw_path)
            message = f"{function_id} failed; the traceback is in the local cloud's log"
            return error_reply(502, "internal_error", message), function_id

    def upgrading(self, method: str, target: str, headers: Any) -> LiveServer | None:
        """The WebSocket API a request asks to connect to, if it is one."""
        return next((live for live in self.live if live.wants_upgrade(method, target, headers)), None)

    def _forwarded(self, headers: Sequence[tuple[str, str]], client_ip: str) -> list[tuple[str, str]]:
        # API Gateway adds these for the backend; keep any the client already sent.
        port = str(self._server.server_address[1] if self._server else self._address[1])
        added = [("X-Forwarded-For", client_ip), ("X-Forwarded-Proto", "http"), ("X-Forwarded-Port", port)]
        present = {key.lower() for key, _ in headers}
        return [(key, value) for key, value in added if key.lower() not in present]


class BoundedThreadingMixIn:
    """Serve each connection on one of `max_workers` pooled threads.

    socketserver's ThreadingMixIn starts a thread per connection without bound. Here the accept loop waits
    for a free worker instead, so a burst queues in the kernel's listen backlog (`request_queue_size`) and
    every connection is answered in turn rather than reset.
    """

    max_workers = WORKERS
    request_queue_size = BACKLOG
    _pool: ThreadPoolExecutor | None = None
    _free: threading.Semaphore
    _closing = False
    _kept: set[Any]

    def keep_open(self, request: Any) -> None:
        """The connection now belongs to a WebSocket: its worker returns to the pool without closing it."""
        self._kept.add(request)

    def process_request(self, request: Any, client_address: Any) -> None:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.max_workers, thread_name_prefix="gateway")
            self._free = threading.Semaphore(self.max_workers)
            self._kept = set()
        while not self._free.acquire(timeout=0.2):
            if self._closing:  # stop() must not wait behind a burst
                self.shutdown_request(request)  # type: ignore[attr-defined]
                return
        self._pool.submit(self._serve_connection, request, client_address)

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)  # type: ignore[attr-defined]
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away before its answer was written (a browser left the page): nothing to tell
        except Exception:
            self.handle_error(request, client_address)  # type: ignore[attr-defined]
        finally:
            if request in self._kept:
                self._kept.discard(request)
            else:
                self.shutdown_request(request)  # type: ignore[attr-defined]
            self._free.release()

    def shutdown(self) -> None:
        self._closing = True
        super().shutdown()  # type: ignore[misc]

    def server_close(self) -> None:
        super().server_close()  # type: ignore[misc]
        if self._pool is not None:
            self._pool.shutdown(wait=False)


class _Server(BoundedThreadingMixIn, HTTPServer):
    gateway: Gateway


class _BodyTooLarge(Exception):
    pass


def _too_large() -> Reply:
    return error_reply(413, "payload_too_large", f"Request bodies are limited to {MAX_BODY_BYTES} bytes")


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT_S
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def handle_expect_100(self) -> bool:
        # Refuse an oversized upload before the client sends it, instead of after.
        declared = self.headers.get("Content-Length", "0")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            self.close_connection = True
            self._write(_too_large())
            return False
        return super().handle_expect_100()

    def _serve(self) -> None:
        started = time.monotonic()
        live = self.server.gateway.upgrading(self.command, self.path, self.headers)
        if live is not None:
            self._upgrade(live, started)
            return
        function_id = "-"
        try:
            body = self._read_body()
        except _BodyTooLarge:
            self.close_connection = True
            reply = _too_large()
        except ValueError:
            self.close_connection = True
            reply = error_reply(400, "bad_request", "Malformed request body framing")
        else:
            try:
                reply, function_id = self.server.gateway.dispatch(
                    self.command, self.path, list(self.headers.items()), body, self.client_address[0]
                )
            except Exception:
                log.exception("the gateway failed on %s %s", self.command, self.path)
                reply = error_reply(502, "internal_error", "The local gateway failed; see its log")
        self._write(reply)
        log.info(
            "%s %s -> %d %s (%.0f ms)",
            self.command,
            self.path,
            reply.status,
            function_id,
            (time.monotonic() - started) * 1000,
        )

    def _upgrade(self, live: LiveServer, started: float) -> None:
        """Hand the request to the WebSocket API; an accepted connection keeps the socket beyond this worker."""
        self.close_connection = True
        head = f"{self.requestline}\r\n".encode("latin-1", "replace") + b"".join(
            f"{key}: {value}\r\n".encode("latin-1", "replace") for key, value in self.headers.items()) + b"\r\n"
        try:
            kept = live.upgrade(self.connection, head, self.client_address[0])
        except OSError:
            kept = False  # the client went away during the handshake
        if kept:
            self.server.keep_open(self.request)
        log.info("%s %s -> %s (%.0f ms)", self.command, self.path.split("?", 1)[0],
                 "101 websocket" if kept else "refused", (time.monotonic() - started) * 1000)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            remaining = length if length <= _DRAIN_LIMIT else 0
            while remaining > 0:
                chunk = self.rfile.read(min(1 << 20, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
            raise _BodyTooLarge
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers carry nothing API Gateway would pass on
                return b"".join(chunks)
            total += size
            if total > MAX_BODY_BYTES:
                raise _BodyTooLarge
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _write(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for key, value in reply.headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(reply.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug(format, *args)
