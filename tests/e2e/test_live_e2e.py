"""Live updates on the real local cloud: a dashboard's WebSocket sees a deal move made over the HTTP API."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

if TYPE_CHECKING:
    from tests.e2e.conftest import LocalCloudProcess

# xdist_group: one local cloud at a time (see test_local_cloud.py).
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]
WAIT_S = 5  # the product's target is a second; a loaded test machine gets a margin


def _owner(cloud: LocalCloudProcess, name: str) -> str:
    """A new workspace's owner; returns the access token."""
    email = f"owner-{uuid.uuid4().hex[:8]}@live.leadpilot.test"
    status, created = cloud.call("POST", "/auth/signup", {
        "workspace_name": name, "email": email, "password": "e2e-password-2026", "name": "Owner",
        "timezone": "Europe/Paris", "default_region": "FR"})
    assert status == 201, created
    return str(created["access_token"])


def _socket(cloud: LocalCloudProcess, token: str) -> ClientConnection:
    return connect(f"ws{cloud.url.removeprefix('http')}/live?token={token}", open_timeout=10)


def _next(socket: ClientConnection, event_type: str) -> dict[str, Any]:
    """The next message of one type (the socket also carries the setup's own events)."""
    while True:
        message = json.loads(socket.recv(timeout=WAIT_S))
        if message["type"] == event_type:
            return dict(message)


def test_a_deal_moved_over_http_reaches_the_open_dashboard_of_its_workspace_only(
        local_cloud: LocalCloudProcess) -> None:
    # Given a workspace with a pipeline, a contact and a deal, another workspace, and a dashboard open on each
    token, other = _owner(local_cloud, "Live Agency"), _owner(local_cloud, "Other Agency")
    status, pipeline = local_cloud.call("POST", "/pipelines", {"name": "Sales", "stages": [
        {"name": "New"}, {"name": "Qualified"}]}, token=token)
    assert status == 201, pipeline
    new, qualified = (stage["id"] for stage in pipeline["stages"])
    _, contact = local_cloud.call("POST", "/contacts", {"first_name": "Ada"}, token=token)
    status, deal = local_cloud.call("POST", "/deals", {"pipeline_id": pipeline["id"], "stage_id": new,
                                                       "contact_id": contact["id"], "name": "Website"}, token=token)
    assert status == 201, deal
    with _socket(local_cloud, token) as mine, _socket(local_cloud, other) as theirs:
        # When the deal is moved to the next stage over the HTTP API
        status, moved = local_cloud.call("POST", f"/deals/{deal['id']}/move",
                                         {"stage_id": qualified, "version": deal["version"]}, token=token)
        assert status == 200, moved
        # Then the open dashboard receives the stage change within seconds, naming the deal and both stages
        message = _next(mine, "pipeline.stage_changed")
        assert message["data"]["id"] == deal["id"]
        assert (message["data"]["from_stage_id"], message["data"]["to_stage_id"]) == (new, qualified)
        assert "Website" not in json.dumps(message)  # ids, not content
        # and the other workspace's dashboard got nothing of it: its first message is the answer to its ping
        theirs.send(json.dumps({"action": "ping"}))
        assert json.loads(theirs.recv(timeout=WAIT_S)) == {"type": "pong"}


def test_a_dashboard_without_a_valid_token_is_refused(local_cloud: LocalCloudProcess) -> None:
    # Given no valid access token / When a dashboard connects / Then the handshake is refused with 401
    with pytest.raises(InvalidStatus) as refused:
        _socket(local_cloud, "not-a-token")
    assert refused.value.response.status_code == 401
