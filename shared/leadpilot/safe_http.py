"""Outbound HTTP to addresses tenants choose (the flow Webhook step, outgoing webhooks), which must never reach
our own network.

Checking a URL's host before sending is not enough: the name can resolve to another address when the
connection is made (DNS rebinding), and a public server can redirect to an internal one. So the check is made
where the socket is opened: the name is resolved once, every address it has must be global, and the
connection goes to the address that was checked (TLS still verifies the certificate for the name). Each
redirect (at most 3) goes through the same connection code, so it is checked too.

The rules are `leadpilot.destinations`: a local receiver is reachable only when its host:port is listed in
LEADPILOT_WEBHOOK_ALLOW, and the platform's own endpoints (the local cloud's gateway and moto, any
AWS_ENDPOINT_URL) never are. There is no switch that opens private networks as a whole.
"""
from __future__ import annotations

import http.client
import socket
import urllib.parse
import urllib.request
from typing import Any

from leadpilot.destinations import refusal, url_problem
from leadpilot.settings import get_destinations

MAX_REDIRECTS = 3


class Refused(OSError):
    """The destination is not one a tenant may reach; nothing was sent."""

    def __init__(self, host: str, address: str, reason: str | None = None) -> None:
        self.reason = reason or f"a non-public address ({address})"
        super().__init__(f"{host} resolves to {self.reason}")
        self.address = address


def public_address(host: str, port: int) -> tuple[Any, ...]:
    """The address to connect to for host:port, resolved once; Refused when any address of it may not be
    reached (not global and not allowlisted, or one of the platform's own endpoints)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    rules = get_destinations()
    for info in infos:
        reason = refusal(str(info[4][0]), port, rules)
        if reason:
            raise Refused(host, str(info[4][0]), reason)
    return tuple(infos[0][4])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def connect(self) -> None:
        address = public_address(self.host, self.port)
        self.sock = socket.create_connection(address[:2], self.timeout, self.source_address)  # type: ignore[attr-defined]


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def connect(self) -> None:
        address = public_address(self.host, self.port)
        sock = socket.create_connection(address[:2], self.timeout, self.source_address)  # type: ignore[attr-defined]
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_PinnedHTTPConnection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_PinnedHTTPSConnection, req, context=self._context)  # type: ignore[attr-defined]


class _Redirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS


def _opener() -> urllib.request.OpenerDirector:
    # no ProxyHandler: a proxy would make the connection, not us, and defeat the check
    opener = urllib.request.OpenerDirector()
    for handler in (_HTTPHandler(), _HTTPSHandler(), _Redirects(), urllib.request.HTTPErrorProcessor(),
                    urllib.request.HTTPDefaultErrorHandler(), urllib.request.UnknownHandler()):
        opener.add_handler(handler)
    return opener


def open_public(request: urllib.request.Request, timeout: float) -> Any:
    """urlopen for tenant-chosen URLs: connects only to public addresses, redirects included (Refused, or a
    URLError whose reason is Refused, otherwise)."""
    return _opener().open(request, timeout=timeout)


def destination_problem(url: str) -> str | None:
    """Why a tenant may not send to this url (its scheme, credentials in it, or a host that is or resolves to an
    address tenants may not reach), else None: the early, friendly check. The binding one is made where the
    connection opens (`open_public`)."""
    problem = url_problem(url, get_destinations())
    if problem:
        return f"the url {problem}"
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        return "the url has no host"
    try:
        public_address(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except Refused as exc:
        return f"the url's host resolves to {exc.reason}"
    except (socket.gaierror, UnicodeError, ValueError):
        return None  # unresolvable now: the request itself fails (transient) and is retried
    return None
