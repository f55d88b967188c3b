"""Live updates on moto: the WebSocket routes' function and the fan-out of bus events through @connections.

API Gateway's @connections API is a local HTTP stub (it answers Gone for ids that start with "gone-"); the bus,
the rule, the queue and DynamoDB are the template's, in moto.
"""
from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jwt
import pytest
from jsonschema import Draft202012Validator

from leadpilot.live import connections
from leadpilot.live.models import LiveConnectionItem, connections_pk
from leadpilot.settings import get_settings
from tests.integration.conftest import JWT_SECRET, drain_queue, receive_events, sign_up
from tests.integration.test_automation_runtime_helpers import deliver, follow_up_flow, trigger_envelopes
from tests.support.apps import Api, load_module
from tests.support.http_stub import Recorded, Reply, Stub, http_stub

EVENTS = Path(__file__).resolve().parents[2] / "events"
CONNECT = json.loads((EVENTS / "apigw" / "websocket_connect.json").read_text())
MESSAGE = json.loads((EVENTS / "apigw" / "websocket_message.json").read_text())
DISCONNECT = json.loads((EVENTS / "apigw" / "websocket_disconnect.json").read_text())


def live() -> Any:
    return load_module("functions/live")


def _connect(connection_id: str, token: str | None) -> dict[str, Any]:
    event = copy.deepcopy(CONNECT)
    event["requestContext"]["connectionId"] = connection_id
    event["queryStringParameters"] = {"token": token} if token is not None else None
    event["multiValueQueryStringParameters"] = {"token": [token]} if token is not None else None
    return dict(live().on_connection(event, None))


def _disconnect(connection_id: str) -> dict[str, Any]:
    event = copy.deepcopy(DISCONNECT)
    event["requestContext"]["connectionId"] = connection_id
    return dict(live().on_connection(event, None))


def _management(request: Recorded, index: int) -> Reply:
    """API Gateway's @connections API: Gone for the ids made to be gone, 200 for the others."""
    if unquote(request.path).rsplit("/", 1)[-1].startswith("gone-"):
        return 410, {"x-amzn-ErrorType": "GoneException"}, b'{"message": null}'
    return 200, {}, b""


@pytest.fixture
def gateway(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stub]:
    """The @connections stub, with the fan-out pointed at it."""
    with http_stub(_management) as stub:
        monkeypatch.setenv("LIVE_CONNECTIONS_URL", f"{stub.url}/dev")
        get_settings.cache_clear()
        yield stub
    get_settings.cache_clear()


def _posted(stub: Stub) -> dict[str, list[dict[str, Any]]]:
    """What each connection was sent (the stub answers Gone for some, but records every post)."""
    sent: dict[str, list[dict[str, Any]]] = {}
    for request in stub.requests:
        if request.method == "DELETE":
            continue
        assert request.method == "POST" and unquote(request.path).startswith("/dev/@connections/"), request
        sent.setdefault(unquote(request.path).rsplit("/", 1)[-1], []).append(request.json())
    return sent


def _fan_out(cloud: Any) -> int:
    """Play the event-source mapping of the live queue."""
    return drain_queue(cloud, "LiveEventsQueue", live().on_event)


# ------------------------------------------------------------ $connect, $default, $disconnect
def test_a_member_with_a_valid_token_is_connected_and_remembered(cloud: Any, owner: dict[str, Any]) -> None:
    # Given the owner's access token in ?token=
    # When the browser connects
    answer = _connect("conn-1", owner["access_token"])
    # Then the handshake is accepted and the connection is kept under the owner's workspace, with a TTL
    assert answer["statusCode"] == 200, answer
    item = LiveConnectionItem.get(connections_pk(owner["workspace"]["id"]), "CONN#conn-1")
    assert (item.user_id, item.workspace_id) == (owner["user"]["id"], owner["workspace"]["id"])
    assert 2 * 3600 < item.expires_at - time.time() <= 3 * 3600


def _expired(token: str) -> str:
    claims = jwt.decode(token, JWT_SECRET, algorithms=["HS256"], audience="leadpilot-api")
    return jwt.encode({**claims, "iat": int(time.time()) - 3600, "exp": int(time.time()) - 60}, JWT_SECRET,
                      algorithm="HS256")


def _forged(token: str) -> str:
    claims = jwt.decode(token, JWT_SECRET, algorithms=["HS256"], audience="leadpilot-api")
    return jwt.encode(claims, "an-attacker-secret-0123456789abcdef012", algorithm="HS256")


@pytest.mark.parametrize("kind", ["missing", "empty", "malformed", "expired", "forged", "api key"])
def test_a_bad_token_refuses_the_connection(cloud: Any, owner: dict[str, Any], kind: str) -> None:
    # Given a browser without a valid access token
    token = {"missing": None, "empty": "", "malformed": "not.a.jwt", "expired": _expired(owner["access_token"]),
             "forged": _forged(owner["access_token"]),
             "api key": "lpk_01M80A45J90JMESM0AR82N1PFF_" + "x" * 43}[kind]
    # When it connects
    answer = _connect("conn-bad", token)
    # Then the handshake is refused with 401 and the error body, and nothing is remembered
    assert answer["statusCode"] == 401, answer
    assert json.loads(answer["body"])["error"]["code"] == "unauthorized"
    assert connections.of_workspace(get_settings(), owner["workspace"]["id"]) == []


def test_a_token_of_a_session_that_logged_out_is_refused(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given an access token whose session has logged out (the token itself has not expired)
    assert api.post("/auth/logout", token=owner["access_token"]).status == 204
    # When it is used to connect / Then the connection is refused
    assert _connect("conn-2", owner["access_token"])["statusCode"] == 401


def test_disconnect_forgets_the_connection(cloud: Any, owner: dict[str, Any]) -> None:
    # Given two open connections of a workspace
    assert _connect("conn-1", owner["access_token"])["statusCode"] == 200
    assert _connect("conn-2", owner["access_token"])["statusCode"] == 200
    # When one disconnects (its event carries nothing but the connection id)
    assert _disconnect("conn-1")["statusCode"] == 200
    # Then only the other is left, and a second disconnect of the same id is harmless
    assert [c.connection_id for c in connections.of_workspace(get_settings(), owner["workspace"]["id"])] == ["conn-2"]
    assert _disconnect("conn-1")["statusCode"] == 200


def test_a_ping_is_answered_with_a_pong_and_anything_else_with_a_4xx(cloud: Any) -> None:
    # Given the sample message of the $default route ({"action": "ping"})
    # When it is handled / Then the answer, which API Gateway sends back, is a pong
    assert json.loads(live().on_connection(MESSAGE, None)["body"]) == {"type": "pong"}
    # and an unknown action is a 422 naming the field
    other = {**MESSAGE, "body": json.dumps({"action": "subscribe"})}
    answer = live().on_connection(other, None)
    assert answer["statusCode"] == 422
    assert json.loads(answer["body"])["error"]["details"]["errors"][0]["field"] == "action"


# ------------------------------------------------------------ the fan-out
def test_each_workspace_gets_its_own_events_and_never_another_workspaces(cloud: Any, api: Api,
                                                                         gateway: Stub) -> None:
    # Given two workspaces, each with an open dashboard
    a, b = sign_up(api, "Alpha"), sign_up(api, "Beta")
    assert _connect("conn-a", a["access_token"])["statusCode"] == 200
    assert _connect("conn-b", b["access_token"])["statusCode"] == 200
    # When each creates a contact and A adds a note, and the live queue is consumed
    contact_a = api.post("/contacts", {"first_name": "Ada"}, token=a["access_token"]).body
    contact_b = api.post("/contacts", {"first_name": "Bob"}, token=b["access_token"]).body
    note = api.post("/notes", {"contact_id": contact_a["id"], "body": "Call back"}, token=a["access_token"])
    assert note.status == 201, note
    assert _fan_out(cloud) >= 3
    # Then A's screen got A's events and B's screen B's, each message names its contact by id only
    sent = _posted(gateway)
    assert {m["type"] for m in sent["conn-a"]} == {"contact.created", "note.created"}
    assert [m["type"] for m in sent["conn-b"]] == ["contact.created"]
    assert {m["data"].get("contact_id") or m["data"]["id"] for m in sent["conn-a"]} == {contact_a["id"]}
    assert sent["conn-b"][0]["data"]["id"] == contact_b["id"]
    assert "Ada" not in json.dumps(sent) and "Call back" not in json.dumps(sent)


def test_a_connection_that_is_gone_is_forgotten_and_the_others_still_get_the_event(cloud: Any, api: Api,
                                                                                   owner: dict[str, Any],
                                                                                   gateway: Stub) -> None:
    # Given a workspace with a live connection and one whose browser went away without a $disconnect
    ws = owner["workspace"]["id"]
    assert _connect("conn-live", owner["access_token"])["statusCode"] == 200
    assert _connect("gone-1", owner["access_token"])["statusCode"] == 200
    # When two events are fanned out
    api.post("/contacts", {"first_name": "Ada"}, token=owner["access_token"])
    api.post("/contacts", {"first_name": "Eve"}, token=owner["access_token"])
    assert _fan_out(cloud) == 2
    # Then the gone connection was tried once, answered Gone and was forgotten; the live one got both events
    sent = _posted(gateway)
    assert len(sent["gone-1"]) == 1 and len(sent["conn-live"]) == 2
    assert [c.connection_id for c in connections.of_workspace(get_settings(), ws)] == ["conn-live"]


def test_a_browser_that_logged_out_is_closed_and_gets_no_more_events(cloud: Any, api: Api, owner: dict[str, Any],
                                                                      gateway: Stub) -> None:
    # Given two open dashboards of one workspace: this session's, and another login of the same owner
    ws = owner["workspace"]["id"]
    other = api.post("/auth/login", {"email": owner["user"]["email"], "password": "correct-horse-battery"}).body
    assert _connect("conn-stays", owner["access_token"])["statusCode"] == 200
    assert _connect("conn-leaves", other["access_token"])["statusCode"] == 200
    # When the other login logs out (its browser keeps its socket open) and an event is fanned out
    assert api.post("/auth/logout", token=other["access_token"]).status == 204
    api.post("/contacts", {"first_name": "Ada"}, token=owner["access_token"])
    assert _fan_out(cloud) == 1
    # Then the signed-out socket was closed through @connections and forgotten, never sent the event
    closed = [unquote(r.path).rsplit("/", 1)[-1] for r in gateway.requests if r.method == "DELETE"]
    assert closed == ["conn-leaves"]
    assert list(_posted(gateway)) == ["conn-stays"]
    assert [c.connection_id for c in connections.of_workspace(get_settings(), ws)] == ["conn-stays"]


def test_an_event_of_a_workspace_with_no_open_screen_posts_nothing(cloud: Any, api: Api, owner: dict[str, Any],
                                                                   gateway: Stub) -> None:
    # Given no open connection / When an event is fanned out / Then nothing is posted and the batch succeeds
    api.post("/contacts", {"first_name": "Ada"}, token=owner["access_token"])
    assert _fan_out(cloud) == 1
    assert gateway.requests == []


# ------------------------------------------------------------ a run step taken
def test_each_action_of_a_run_announces_its_step(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a published flow (text, then wait for a reply) and a contact that enters it
    token = owner["access_token"]
    flow = api.post("/flows", follow_up_flow(), token=token).body
    assert api.post(f"/flows/{flow['id']}/publish", token=token).status == 201
    contact = api.post("/contacts", {"first_name": "Ada", "phone": "+14155550101"}, token=token).body
    api.post(f"/contacts/{contact['id']}/tags", {"add": ["new-lead"]}, token=token)
    deliver(trigger_envelopes(cloud))
    receive_events(cloud, "LiveEventsQueue")  # the contact's own events
    # When the action worker performs the run's first actions
    steps: list[dict[str, Any]] = []
    deadline = time.monotonic() + 20
    while not any(s["data"]["status"] == "waiting" for s in steps) and time.monotonic() < deadline:
        drain_queue(cloud, "AutomationActionsQueue", load_module("functions/automations").on_action)
        steps += [e["detail"] for e in receive_events(cloud, "LiveEventsQueue")
                  if e["detail-type"] == "automation.step_recorded"]
        time.sleep(0.05)
    # Then the bus carried one automation.step_recorded per step, valid against its schema: the text was sent,
    # then the run waits for a reply
    assert [(s["data"]["node"], s["data"]["action"], s["data"]["status"]) for s in steps] == [
        ("intro", "send_sms", "done"), ("await", "wait_for_reply", "waiting")]
    schema = json.loads((EVENTS / "schemas" / "automation.step_recorded.json").read_text())
    for step in steps:
        assert list(Draft202012Validator(schema).iter_errors(step)) == []
        assert step["workspace_id"] == owner["workspace"]["id"] and step["data"]["contact_id"] == contact["id"]
