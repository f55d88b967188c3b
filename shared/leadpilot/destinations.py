"""Which addresses a tenant-chosen URL may reach: global ones, the host:port pairs a developer listed for a
local receiver (LEADPILOT_WEBHOOK_ALLOW), and never the platform's own endpoints, in any mode.

`url_problem` is the early check made when a flow is saved or published (no DNS: scheme, credentials, a
literal local address or `localhost`); `refusal` is the binding one, made for every resolved address where
the connection opens (`leadpilot.safe_http`), so names that resolve to local addresses, DNS rebinding
and redirects are caught too.
"""
from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

from leadpilot.settings import Destinations, normal_host

DEFAULT_PORTS = {"http": 80, "https": 443}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# The legacy numeric IPv4 forms that resolvers accept: 2130706433, 0x7f.1, 127.1, 0177.0.0.1
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$")
_TEMPLATE = "{{"


def is_global(address: str) -> bool:
    """`ipaddress.is_global`, with IPv4 inside IPv6 (mapped, NAT64, 6to4) judged as the IPv4 it carries, and
    multicast and reserved ranges refused: 100.64.0.0/10, 0.0.0.0, ::ffff:10.0.0.1, ::7f00:1 (IPv4-compatible,
    deprecated) and 224.0.0.1 are not global."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        ip = embedded or ip
    return ip.is_global and not (ip.is_multicast or ip.is_reserved)


def addresses_of(host: str) -> frozenset[str]:
    """The addresses a configured host stands for (an address itself, or what the name resolves to now)."""
    host = normal_host(host)
    try:
        return frozenset({str(ipaddress.ip_address(host))})
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return frozenset()
    return frozenset(str(info[4][0]).split("%", 1)[0] for info in infos)


def _listed(address: str, port: int, pairs: frozenset[tuple[str, int]]) -> bool:
    return any(p == port and address in addresses_of(h) for h, p in pairs)


def refusal(address: str, port: int, rules: Destinations) -> str | None:
    """What a connection to address:port would reach that it must not ("a non-public address (10.0.0.5)"),
    or None when it may be made."""
    address = str(ipaddress.ip_address(address.split("%", 1)[0]))
    local = not is_global(address)
    # Any local address reaches a service listening on all interfaces: a platform port is refused on each.
    if any(p == port for _, p in rules.platform) and (local or _listed(address, port, rules.platform)):
        where = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
        return f"one of the platform's own endpoints ({where})"
    if local and not _listed(address, port, rules.allow):
        return f"a non-public address ({address})"
    return None


def literal_address(host: str) -> str | None:
    """The address a host names without DNS: an IP literal or a legacy numeric IPv4 form; else None."""
    host = normal_host(host)
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if _NUMERIC_HOST.match(host):
        try:
            return socket.inet_ntoa(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _is_localhost(host: str) -> bool:
    return host in ("localhost", "localhost.") or host.rstrip(".").endswith(".localhost")


def url_problem(url: str, rules: Destinations) -> str | None:
    """Why a tenant may not use this URL as a destination, judged without DNS; None when it may.

    A templated host (`{{vars.host}}`) is judged when the request is made.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "is not a valid URL"
    if parts.scheme.lower() not in DEFAULT_PORTS:
        return "must be an http:// or https:// URL"
    if "@" in parts.netloc:
        return "must not carry credentials (user:password@)"
    if _TEMPLATE in parts.netloc:
        return None
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme.lower()]
    except ValueError:
        return "has an invalid port"
    if not parts.hostname:
        return "has no host"
    host = normal_host(parts.hostname)
    address = literal_address(host)
    if address is not None:
        reason = refusal(address, port, rules)
    elif _is_localhost(host):
        loopback = [refusal(a, port, rules) for a in ("127.0.0.1", "::1")]
        named = (host, port) in rules.allow and not any(p == port for _, p in rules.platform)
        reason = None if named else next(filter(None, loopback), None)
    else:
        return None  # a name: its addresses are checked where the connection opens
    return f"must not point at {reason}" if reason else None
