"""Tenant-chosen URLs reach public addresses only: the address is checked where the connection is made, so
neither a redirect nor a name that resolves differently the second time (DNS rebinding) gets through."""
from __future__ import annotations

import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from leadpilot.automation_runtime import safe_http, webhooks
from leadpilot.automation_runtime.actions import PermanentFailure
from tests.support.http_stub import Recorded, http_stub


@pytest.fixture
def loopback_is_public(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Production rules (no private networks), except that 127.0.0.1 stands in for a public server."""
    monkeypatch.delenv("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", raising=False)
    safe_http.private_networks_allowed.cache_clear()
    real = safe_http.is_public
    monkeypatch.setattr(safe_http, "is_public", lambda address: address == "127.0.0.1" or real(address))
    yield
    safe_http.private_networks_allowed.cache_clear()


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
        loopback_is_public: None, monkeypatch: pytest.MonkeyPatch) -> None:
    with http_stub(lambda request, i: (200, {}, b'{"ok": true}')) as stub:
        port = stub.url.rsplit(":", 1)[1]
        _resolving(monkeypatch, ["127.0.0.1"])
        with safe_http.open_public(urllib.request.Request(f"http://hooks.example.test:{port}/in"), 5) as reply:
            assert reply.status == 200
    assert stub.requests[0].headers["host"] == f"hooks.example.test:{port}"


def test_a_name_that_resolves_to_a_private_address_at_connect_time_is_refused(
        loopback_is_public: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a name that looks public when checked, then resolves to the metadata address (DNS rebinding)
    with http_stub(lambda request, i: (200, {}, b"{}")) as stub:
        port = stub.url.rsplit(":", 1)[1]
        asked = _resolving(monkeypatch, ["127.0.0.1", "169.254.169.254"])
        url = f"http://hooks.example.test:{port}/in"
        assert webhooks.destination_problem(url) is None
        # When the request is sent / Then the connection is refused, permanently, and nothing was sent
        with pytest.raises(PermanentFailure, match="non-public address"):
            webhooks._send(urllib.request.Request(url), "hook")
    assert len(asked) == 2 and stub.requests == []


def test_a_redirect_to_a_private_address_is_refused(loopback_is_public: None) -> None:
    # Given a public server that redirects to an internal address
    def redirect(request: Recorded, index: int) -> tuple[int, dict[str, str], bytes]:
        return 302, {"Location": "http://10.0.0.5:8080/admin"}, b""

    # When a flow's webhook calls it / Then the redirect is not followed into our network
    with http_stub(redirect) as stub, pytest.raises(PermanentFailure, match=r"non-public address \(10\.0\.0\.5\)"):
        webhooks._send(urllib.request.Request(stub.url + "/start", data=b"{}", method="POST"), "hook")
    assert [r.path for r in stub.requests] == ["/start"]


def test_redirects_between_public_addresses_are_followed_a_few_times(loopback_is_public: None) -> None:
    def hops(request: Recorded, index: int) -> tuple[int, dict[str, str], bytes]:
        return (302, {"Location": f"/hop{index + 1}"}, b"") if index < 2 else (200, {}, b"{}")

    with http_stub(hops) as ok:
        assert webhooks._send(urllib.request.Request(ok.url + "/hop0"), "hook")[0] == 200
    endless = http_stub(lambda request, i: (302, {"Location": f"/hop{i + 1}"}, b""))
    with endless as loop, pytest.raises(urllib.error.HTTPError):
        safe_http.open_public(urllib.request.Request(loop.url + "/hop0"), 5)
    assert len(loop.requests) == safe_http.MAX_REDIRECTS + 1


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "::1", "0.0.0.0", "192.168.1.1",
                                     "::ffff:10.0.0.1", "fd00::1", "224.0.0.1"])
def test_non_public_addresses(address: str) -> None:
    assert not safe_http.is_public(address)


def test_public_addresses() -> None:
    assert safe_http.is_public("93.184.215.14") and safe_http.is_public("2606:4700::6810:85e5")
