"""The local gateway's WebSocket APIs: the upgrade on the HTTP port, API Gateway-shaped events to the functions,
and the @connections management API driven by boto3's own client.

The function is a tiny handler written into tmp_path that records every event in a file, so these tests do not
depend on functions/**; a real WebSocket client (the `websockets` library) plays the browser.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from websockets.exceptions import ConnectionClosedOK, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from infra.local.host import FunctionHost
from infra.local.model import Deployment, FunctionSpec, WebSocketApi, WebSocketRoute

SAMPLES = Path(__file__).resolve().parents[2] / "events" / "apigw"

HANDLER = """
import json, os

def on_socket(event, context):
    with open(os.environ["PROBE_EVENTS"], "a") as log:
        log.write(json.dumps(event) + "\\n")
    request = event["requestContext"]
    if request["eventType"] == "CONNECT":
        token = (event.get("queryStringParameters") or {}).get("token")
        return {"statusCode": 200} if token == "good" else {"statusCode": 401, "body": "no such token"}
    if request["eventType"] == "MESSAGE":
        if event["body"] == "explode":
            raise RuntimeError("a broken handler")
        return {"statusCode": 200, "body": json.dumps({"route": request["routeKey"], "echo": event["body"]})}
    return {"statusCode": 200}
"""


@pytest.fixture
def events_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Where the handler records events; os.environ, sys.path and sys.modules are restored afterwards."""
    saved_env, saved_path, saved_modules = dict(os.environ), list(sys.path), set(sys.modules)
    path = tmp_path / "events.jsonl"
    monkeypatch.setenv("PROBE_EVENTS", str(path))
    yield path
    os.environ.clear()
    os.environ.update(saved_env)
    sys.path[:] = saved_path
    for name in set(sys.modules) - saved_modules:
        del sys.modules[name]


@pytest.fixture
def host(events_file: Path, tmp_path: Path) -> Iterator[FunctionHost]:
    """A started function host whose deployment has one WebSocket API at /live."""
    code = tmp_path / "socket"
    code.mkdir()
    (code / "app.py").write_text(textwrap.dedent(HANDLER))
    routes = {"$connect": WebSocketRoute("$connect", "Socket"), "$disconnect": WebSocketRoute("$disconnect", "Socket"),
              "$default": WebSocketRoute("$default", "Socket", two_way=True),
              "shout": WebSocketRoute("shout", "Socket")}  # no route response: one-way
    api = WebSocketApi("LiveApi", "/live", "local-live", "test", "$request.body.action", routes)
    deployment = Deployment(stage="test", parameters={}, functions=[FunctionSpec("Socket", code, "app.on_socket")],
                            websocket_apis=[api])
    host = FunctionHost(deployment, "127.0.0.1", 0)
    host.start()
    try:
        yield host
    finally:
        host.stop()


@pytest.fixture
def gateway(host: FunctionHost) -> str:
    """The URL of the host's gateway."""
    return host.api_url


def _recorded(path: Path, event_type: str, count: int = 1) -> list[dict[str, Any]]:
    """The events of one type the handler received, once there are `count` of them (the handler may still run)."""
    deadline = time.monotonic() + 10
    while True:
        lines = path.read_text().splitlines() if path.exists() else []
        found = [e for e in map(json.loads, lines) if e["requestContext"]["eventType"] == event_type]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def _ws(url: str, token: str = "good") -> ClientConnection:
    return connect(f"ws{url.removeprefix('http')}/live?token={token}", user_agent_header="probe-browser/1.0")


def _management(url: str) -> Any:
    return boto3.client("apigatewaymanagementapi", endpoint_url=f"{url}/live", region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _shape(event: dict[str, Any]) -> dict[str, Any]:
    """The keys of an event and of its requestContext (values differ between AWS and here)."""
    return {"event": sorted(event), "requestContext": sorted(event["requestContext"])}


def _connection_id(events_file: Path) -> str:
    return str(_recorded(events_file, "CONNECT")[-1]["requestContext"]["connectionId"])


def test_connect_gets_the_token_in_an_api_gateway_connect_event(gateway: str, events_file: Path) -> None:
    # Given the gateway's /live / When a browser connects with ?token=
    with _ws(gateway):
        pass
    # Then the function got a $connect event shaped like API Gateway's sample, with the token and the client
    (event,) = _recorded(events_file, "CONNECT")
    sample = json.loads((SAMPLES / "websocket_connect.json").read_text())
    assert _shape(event) == _shape(sample)
    assert event["queryStringParameters"] == {"token": "good"}
    context = event["requestContext"]
    assert (context["routeKey"], context["stage"], context["identity"]["sourceIp"]) == ("$connect", "test",
                                                                                        "127.0.0.1")
    assert context["identity"]["userAgent"] == "probe-browser/1.0"


def test_a_connect_the_function_refuses_is_refused_with_its_status(gateway: str, events_file: Path) -> None:
    # Given a token the function does not accept / When a browser connects
    with pytest.raises(InvalidStatus) as refused:
        _ws(gateway, token="bad")
    # Then the handshake fails with the function's status and body, and no $disconnect follows
    assert refused.value.response.status_code == 401
    assert b"no such token" in bytes(refused.value.response.body or b"")
    assert _recorded(events_file, "DISCONNECT", count=0) == []


def test_messages_are_routed_by_action_and_only_a_two_way_route_answers(gateway: str, events_file: Path) -> None:
    # Given an open connection
    with _ws(gateway) as socket:
        # When it sends a ping (no route of that name: $default, which answers back), then a "shout"
        # (its own route, one-way), then a ping again
        socket.send(json.dumps({"action": "ping"}))
        first = json.loads(socket.recv(timeout=5))
        socket.send(json.dumps({"action": "shout"}))
        socket.send(json.dumps({"action": "ping", "n": 2}))
        second = json.loads(socket.recv(timeout=5))
    # Then each ping got $default's answer, and the one-way route sent nothing back
    assert first == {"route": "$default", "echo": '{"action": "ping"}'}
    assert second["echo"] == '{"action": "ping", "n": 2}'
    messages = _recorded(events_file, "MESSAGE", count=3)
    assert [m["requestContext"]["routeKey"] for m in messages] == ["$default", "shout", "$default"]
    assert _shape(messages[0]) == _shape(json.loads((SAMPLES / "websocket_message.json").read_text()))


def test_a_failing_function_answers_internal_server_error_as_api_gateway_does(gateway: str) -> None:
    # Given an open connection / When its message makes the function raise
    with _ws(gateway) as socket:
        socket.send("explode")
        answer = json.loads(socket.recv(timeout=5))
        # Then the client is told, and the connection stays open
        assert answer["message"] == "Internal server error"
        socket.send(json.dumps({"action": "ping"}))
        assert json.loads(socket.recv(timeout=5))["route"] == "$default"


def test_management_api_posts_describes_and_deletes_a_connection(gateway: str, events_file: Path) -> None:
    # Given an open connection and boto3's client for the management API pointed at the gateway
    client = _management(gateway)
    with _ws(gateway) as socket:
        connection_id = _connection_id(events_file)
        # When a message is posted to it / Then the browser receives it as text
        client.post_to_connection(ConnectionId=connection_id, Data=b'{"type":"deal.updated"}')
        assert socket.recv(timeout=5) == '{"type":"deal.updated"}'
        # When it is described / Then it says who is connected since when
        described = client.get_connection(ConnectionId=connection_id)
        assert described["Identity"] == {"SourceIp": "127.0.0.1", "UserAgent": "probe-browser/1.0"}
        assert described["ConnectedAt"] <= described["LastActiveAt"]
        # When it is deleted / Then the browser sees a normal close and the function a $disconnect
        client.delete_connection(ConnectionId=connection_id)
        with pytest.raises(ConnectionClosedOK):
            socket.recv(timeout=5)
    (disconnect,) = _recorded(events_file, "DISCONNECT")
    assert disconnect["requestContext"]["connectionId"] == connection_id
    assert _shape(disconnect) == _shape(json.loads((SAMPLES / "websocket_disconnect.json").read_text()))
    # and a post to it now is Gone, as it is for an id that never existed
    for gone in (connection_id, "bm8tc3VjaC1jb25uZWN0aW9u"):
        with pytest.raises(client.exceptions.GoneException):
            client.post_to_connection(ConnectionId=gone, Data=b"{}")


def test_the_browser_closing_runs_disconnect_with_its_close_code(gateway: str, events_file: Path) -> None:
    # Given an open connection / When the browser closes it (a tab navigating away: 1001)
    with _ws(gateway) as socket:
        socket.close(code=1001, reason="Going Away")
    # Then $disconnect runs with that code, and the connection is gone
    (disconnect,) = _recorded(events_file, "DISCONNECT")
    assert disconnect["requestContext"]["disconnectStatusCode"] == 1001
    with pytest.raises(_management(gateway).exceptions.GoneException):
        _management(gateway).post_to_connection(ConnectionId=_connection_id(events_file), Data=b"{}")


def test_a_message_over_api_gateways_limit_is_refused(gateway: str, events_file: Path) -> None:
    # Given an open connection / When a message over 128 KB is posted to it / Then it is refused as AWS does
    client = _management(gateway)
    with _ws(gateway), pytest.raises(client.exceptions.PayloadTooLargeException):
        client.post_to_connection(ConnectionId=_connection_id(events_file), Data=b"x" * (128 * 1024 + 1))


def test_unsigned_management_calls_and_plain_gets_are_refused(gateway: str) -> None:
    import urllib.error
    import urllib.request

    # Given a caller without SigV4 (a browser page) / When it posts to a connection / Then 403
    request = urllib.request.Request(f"{gateway}/live/@connections/abc", data=b"x", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 403
    # and a plain GET of the WebSocket path is told to upgrade
    with pytest.raises(urllib.error.HTTPError) as plain:
        urllib.request.urlopen(f"{gateway}/live", timeout=5)
    assert plain.value.code == 426 and json.loads(plain.value.read())["error"]["code"] == "upgrade_required"


def test_stopping_the_host_closes_connections_with_going_away(host: FunctionHost, events_file: Path) -> None:
    # Given an open connection (the fixture stops the host again, harmlessly)
    with _ws(host.api_url) as socket:
        # When the host stops
        host.stop()
        # Then the browser sees 1001 Going Away and the function a $disconnect
        with pytest.raises(ConnectionClosedOK) as closed:
            socket.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
    assert len(_recorded(events_file, "DISCONNECT")) == 1
