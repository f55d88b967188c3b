"""Tenant-chosen URLs reach global addresses only (or a listed local receiver, never the platform itself): the
address is checked where the connection is made, so neither a redirect nor a name that resolves differently the
second time (DNS rebinding) gets through."""
from __future__ import annotations

import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from leadpilot import safe_http
from leadpilot.automation.steps import webhooks
from leadpilot.automation.steps.actions import PermanentFailure
from leadpilot.destinations import is_global, refusal
from leadpilot.errors import ConfigurationError
from leadpilot.settings import Destinations, get_destinations, load_destinations
from tests.support.http_stub import Recorded, Stub, http_stub


@pytest.fixture
def allow(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """allow(stub): production rules, with the stub's 127.0.0.1:port listed as a local receiver (it stands in
    for a public server)."""
    def listed(*stubs: Stub) -> None:
        monkeypatch.setenv("LEADPILOT_WEBHOOK_ALLOW", ",".join(s.url.split("//", 1)[1] for s in stubs))
        get_destinations.cache_clear()

    monkeypatch.delenv("LEADPILOT_PLATFORM_ENDPOINTS", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    yield listed
    monkeypatch.delenv("LEADPILOT_WEBHOOK_ALLOW", raising=False)
    get_destinations.cache_clear()


def _resolving(monkeypatch: pytest.MonkeyPatch, answers: list[str]) -> list[str]:
    """getaddrinfo answers `answers` in turn (the last one from then on); returns the names asked."""
    asked: list[str] = []
    real = socket.getaddrinfo

    def fake(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != "hooks.example.test":
            return real(host, port, *args, **kwargs)
        asked.append(host)
        address = answers[min(len(asked), len(answers)) - 1]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port)))]

    monkeypatch.setattr(safe_http.socket, "getaddrinfo", fake)
    return asked


def test_the_connection_goes_to_the_checked_address_with_the_name_as_host(
        allow: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with http_stub(lambda request, i: (200, {}, b'{"ok": true}')) as stub:
        allow(stub)
        port = stub.url.rsplit(":", 1)[1]
        _resolving(monkeypatch, ["127.0.0.1"])
        with safe_http.open_public(urllib.request.Request(f"http://hooks.example.test:{port}/in"), 5) as reply:
            assert reply.status == 200
    assert stub.requests[0].headers["host"] == f"hooks.example.test:{port}"


def test_a_name_that_resolves_to_a_private_address_at_connect_time_is_refused(
        allow: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a name that looks allowed when checked, then resolves to the metadata address (DNS rebinding)
    with http_stub(lambda request, i: (200, {}, b"{}")) as stub:
        allow(stub)
        port = stub.url.rsplit(":", 1)[1]
        asked = _resolving(monkeypatch, ["127.0.0.1", "169.254.169.254"])
        url = f"http://hooks.example.test:{port}/in"
        assert webhooks.destination_problem(url) is None
        # When the request is sent / Then the connection is refused, permanently, and nothing was sent
        with pytest.raises(PermanentFailure, match="non-public address"):
            webhooks._send(urllib.request.Request(url), "hook")
    assert len(asked) == 2 and stub.requests == []


def test_a_redirect_to_a_private_address_is_refused(allow: Any) -> None:
    # Given an allowed server that redirects to an internal address
    def redirect(request: Recorded, index: int) -> tuple[int, dict[str, str], bytes]:
        return 302, {"Location": "http://10.0.0.5:8080/admin"}, b""

    # When a flow's webhook calls it / Then the redirect is not followed into our network
    with http_stub(redirect) as stub, pytest.raises(PermanentFailure, match=r"non-public address \(10\.0\.0\.5\)"):
        allow(stub)
        webhooks._send(urllib.request.Request(stub.url + "/start", data=b"{}", method="POST"), "hook")
    assert [r.path for r in stub.requests] == ["/start"]


def test_a_redirect_to_another_port_of_an_allowed_host_is_refused(allow: Any) -> None:
    # Given a listed local receiver that redirects to the same host on a port nobody listed
    with http_stub(lambda request, i: (200, {}, b"{}")) as other, http_stub(
            lambda request, i: (302, {"Location": other.url + "/admin"}, b"")) as stub:
        allow(stub)
        # When it is called / Then the redirect is refused and the other port never sees a request
        with pytest.raises(PermanentFailure, match=r"non-public address \(127\.0\.0\.1\)"):
            webhooks._send(urllib.request.Request(stub.url + "/start"), "hook")
    assert len(stub.requests) == 1 and other.requests == []


def test_redirects_between_allowed_addresses_are_followed_a_few_times(allow: Any) -> None:
    def hops(request: Recorded, index: int) -> tuple[int, dict[str, str], bytes]:
        return (302, {"Location": f"/hop{index + 1}"}, b"") if index < 2 else (200, {}, b"{}")

    endless = http_stub(lambda request, i: (302, {"Location": f"/hop{i + 1}"}, b""))
    with http_stub(hops) as ok, endless as loop:
        allow(ok, loop)
        assert webhooks._send(urllib.request.Request(ok.url + "/hop0"), "hook")[0] == 200
        with pytest.raises(urllib.error.HTTPError):
            safe_http.open_public(urllib.request.Request(loop.url + "/hop0"), 5)
    assert len(loop.requests) == safe_http.MAX_REDIRECTS + 1


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "169.254.169.254", "::1", "0.0.0.0", "::", "192.168.1.1", "172.16.0.1",
    "100.64.0.1", "100.127.255.254",  # CGNAT (shared address space): not private, not global either
    "::ffff:10.0.0.1", "::ffff:127.0.0.1", "::ffff:100.64.0.1",  # IPv4-mapped IPv6
    "64:ff9b::7f00:1", "2002:a00:1::", "::7f00:1",  # NAT64, 6to4 and IPv4-compatible IPv6
    "fd00::1", "fe80::1", "fe80::1%eth0", "224.0.0.1", "239.255.255.250", "ff02::1", "255.255.255.255",
    "240.0.0.1", "192.0.2.1", "198.18.0.1", "2001:db8::1"])
def test_non_global_addresses(address: str) -> None:
    assert not is_global(address)


def test_global_addresses() -> None:
    assert is_global("93.184.215.14") and is_global("2606:4700::6810:85e5") and is_global("::ffff:93.184.215.14")
    assert is_global("100.128.0.1") and is_global("64:ff9b::5db8:d70e")  # just past CGNAT; NAT64 of a global one


def test_a_listed_receiver_is_reachable_on_its_port_only() -> None:
    # Given 127.0.0.1:9000 and localhost:8080 listed
    rules = load_destinations({"LEADPILOT_WEBHOOK_ALLOW": "127.0.0.1:9000, localhost:8080"})
    # Then exactly those host:port pairs are reachable, and nothing else local
    assert refusal("127.0.0.1", 9000, rules) is None and refusal("127.0.0.1", 8080, rules) is None
    assert refusal("127.0.0.1", 9001, rules) == "a non-public address (127.0.0.1)"
    assert refusal("10.0.0.1", 9000, rules) == "a non-public address (10.0.0.1)"
    assert refusal("93.184.215.14", 9000, rules) is None


def test_the_platform_endpoints_are_refused_even_when_listed() -> None:
    # Given the local cloud's gateway (3000) and moto (5000), both also listed as receivers
    rules = load_destinations({"LEADPILOT_WEBHOOK_ALLOW": "127.0.0.1:3000,localhost:5000,127.0.0.1:9000",
                               "LEADPILOT_PLATFORM_ENDPOINTS": "127.0.0.1:3000",
                               "AWS_ENDPOINT_URL": "http://127.0.0.1:5000"})
    # Then their ports are refused on every local address (a service on 0.0.0.0 answers on all of them)
    for address, port in (("127.0.0.1", 3000), ("127.0.0.1", 5000), ("::1", 5000), ("0.0.0.0", 3000),
                          ("127.0.0.2", 5000), ("10.0.0.7", 3000)):
        assert str(refusal(address, port, rules)).startswith("one of the platform's own endpoints"), address
    # while a listed receiver still works and a public server on the same port number is not the platform
    assert refusal("127.0.0.1", 9000, rules) is None and refusal("93.184.215.14", 3000, rules) is None


def test_a_remote_platform_endpoint_is_refused_by_address() -> None:
    rules = load_destinations({"AWS_ENDPOINT_URL_DYNAMODB": "http://93.184.215.14:4566"})
    assert rules.platform == {("93.184.215.14", 4566)}
    assert refusal("93.184.215.14", 4566, rules) and refusal("93.184.215.15", 4566, rules) is None


def test_the_allowlist_must_name_ports() -> None:
    assert load_destinations({}) == Destinations()
    assert load_destinations({"LEADPILOT_WEBHOOK_ALLOW": "[::1]:9000,http://Example.test"}).allow == {
        ("::1", 9000), ("example.test", 80)}
    for bad in ("127.0.0.1", "localhost:http", "127.0.0.1:99999"):
        with pytest.raises(ConfigurationError, match="LEADPILOT_WEBHOOK_ALLOW"):
            load_destinations({"LEADPILOT_WEBHOOK_ALLOW": bad})
