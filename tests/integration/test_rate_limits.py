"""Rate limits per workspace and per API key: 429 rate_limited with Retry-After, other tenants unaffected."""
from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.test import Client

from leadpilot.ids import new_id
from leadpilot.settings import get_settings
from tests.integration.conftest import sign_up
from tests.support.apps import Api, load_module


def _get_contacts(headers: dict[str, str]) -> tuple[int, dict[str, str], Any]:
    """GET /contacts as API Gateway would deliver it; returns status, headers and the parsed body."""
    with Client(load_module("functions/contacts").app) as client:
        reply = client.http.get("/contacts", headers=headers)
    return reply.status_code, dict(reply.headers), json.loads(reply.body or b"null")


def _until_refused(headers: dict[str, str], limit: int) -> tuple[int, tuple[int, dict[str, str], Any]]:
    """Send requests until one is refused; 2 * limit + 1 always reach a refusal, even across a window's end."""
    for sent in range(1, 2 * limit + 2):
        reply = _get_contacts(headers)
        if reply[0] != 200:
            return sent, reply
    raise AssertionError(f"no refusal in {2 * limit + 1} requests over a limit of {limit}")


@pytest.fixture
def limits(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Small limits, as a deployment configures them (LEADPILOT_RATE_LIMIT_*)."""
    values = {"LEADPILOT_RATE_LIMIT_WORKSPACE": 5, "LEADPILOT_RATE_LIMIT_API_KEY": 2,
              "LEADPILOT_RATE_LIMIT_WINDOW_S": 60}
    for name, value in values.items():
        monkeypatch.setenv(name, str(value))
    get_settings.cache_clear()
    yield values
    get_settings.cache_clear()


def test_a_workspace_over_its_limit_gets_429_while_another_is_served(api: Api, limits: dict[str, int]) -> None:
    # Given two workspaces, and a limit of 5 requests a minute per workspace
    busy = {"Authorization": f"Bearer {sign_up(api, 'Busy')['access_token']}"}
    quiet = {"Authorization": f"Bearer {sign_up(api, 'Quiet')['access_token']}"}

    # When the first one keeps sending requests
    sent, (status, headers, body) = _until_refused(busy, limits["LEADPILOT_RATE_LIMIT_WORKSPACE"])

    # Then it is served up to its limit, then refused with 429 rate_limited and a Retry-After within the window
    assert sent > limits["LEADPILOT_RATE_LIMIT_WORKSPACE"] and status == 429
    assert body["error"]["code"] == "rate_limited"
    assert body["error"]["details"]["limit"] == limits["LEADPILOT_RATE_LIMIT_WORKSPACE"]
    assert 1 <= int(headers["Retry-After"]) <= limits["LEADPILOT_RATE_LIMIT_WINDOW_S"]
    assert body["error"]["details"]["retry_after_seconds"] == int(headers["Retry-After"])
    # And a read counted while it runs is refused too, whatever it found (here: nothing, a 404 under the limit)
    with Client(load_module("functions/contacts").app) as client:
        assert client.http.get(f"/contacts/{new_id()}", headers=busy).status_code == 429
    # And the other workspace is served as usual
    assert _get_contacts(quiet)[0] == 200


def test_an_api_key_over_its_limit_is_refused_while_its_workspace_is_served(api: Api,
                                                                            limits: dict[str, int]) -> None:
    # Given a workspace with an API key, and a limit of 2 requests a minute per key (5 per workspace)
    owner = {"Authorization": f"Bearer {sign_up(api, 'Keyed')['access_token']}"}
    key = api.post("/workspace/api-keys", {"name": "Zapier", "scopes": ["read"]},
                   token=owner["Authorization"].removeprefix("Bearer ")).body["key"]

    # When the integration behind the key keeps sending requests
    sent, (status, headers, body) = _until_refused({"X-Api-Key": key}, limits["LEADPILOT_RATE_LIMIT_API_KEY"])

    # Then the key is refused past its own limit, naming the key's limit
    assert sent > limits["LEADPILOT_RATE_LIMIT_API_KEY"] and status == 429
    assert body["error"]["code"] == "rate_limited" and "API key" in body["error"]["message"]
    assert body["error"]["details"]["limit"] == limits["LEADPILOT_RATE_LIMIT_API_KEY"]
    assert int(headers["Retry-After"]) >= 1
    # And the workspace's people still get through on their own sessions
    assert _get_contacts(owner)[0] == 200
