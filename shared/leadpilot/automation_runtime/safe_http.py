"""Outbound HTTP to addresses tenants choose (the flow Webhook step), which must never reach our own network.

Checking a URL's host before sending is not enough: the name can resolve to another address when the
connection is made (DNS rebinding), and a public server can redirect to an internal one. So the check is made
where the socket is opened: the name is resolved once, every address it has must be public, and the
connection goes to the address that was checked (TLS still verifies the certificate for the name). Each
redirect (at most 3) goes through the same connection code, so it is checked too.

WEBHOOKS_ALLOW_PRIVATE_NETWORKS=1 lifts the check (the local cloud and tests, whose stubs listen on loopback).
"""
from __future__ import annotations

import http.client
import ipaddress
import os
import socket
import urllib.request
from functools import lru_cache
from typing import Any

MAX_REDIRECTS = 3


class Refused(OSError):
    """The destination is not a public address; nothing was sent."""

    def __init__(self, host: str, address: str) -> None:
        super().__init__(f"{host} resolves to a non-public address ({address})")
        self.address = address


@lru_cache(maxsize=1)
def private_networks_allowed() -> bool:
    """WEBHOOKS_ALLOW_PRIVATE_NETWORKS=1 lets flows call loopback/private addresses (local cloud, tests only)."""
    return os.environ.get("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", "").strip().lower() in ("1", "true", "yes")


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast
                or ip.is_unspecified)


def public_address(host: str, port: int) -> tuple[Any, ...]:
    """The address to connect to for host:port, resolved once; Refused when any address of it is not public."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if private_networks_allowed():
        return tuple(infos[0][4])
    for info in infos:
        if not is_public(str(info[4][0])):
            raise Refused(host, str(info[4][0]))
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
