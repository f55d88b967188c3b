"""The opt-in LocalStack mode of the integration suite: off by default, endpoints from localstack-client."""
from __future__ import annotations

import pytest

from tests.support import localstack


def test_localstack_mode_is_off_unless_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given no flag, then the flag set
    monkeypatch.delenv(localstack.FLAG, raising=False)
    off = localstack.enabled()
    monkeypatch.setenv(localstack.FLAG, "1")

    # Then only the flag turns it on
    assert off is False and localstack.enabled() is True


def test_the_endpoint_follows_localstack_host(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given LocalStack on another host and port
    monkeypatch.setenv("LOCALSTACK_HOST", "10.1.2.3:4599")

    # When the suite resolves where to send AWS calls
    # Then it uses localstack-client's resolution of that host
    assert localstack.endpoint() == "http://10.1.2.3:4599"
