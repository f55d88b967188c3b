"""The per-member iCalendar feed: secret URL, hashed token, revocation, isolation."""
from __future__ import annotations

from typing import Any

from icalendar import Calendar

from tests.integration.conftest import sign_up
from tests.integration.test_tasks_api import add_member
from tests.support.apps import Api


def test_feed_lists_my_open_dated_tasks_as_events(api: Api, owner: dict[str, Any]) -> None:
    # Given my dated, undated, done and a colleague's tasks
    token = owner["access_token"]
    me = owner["user"]["id"]
    member = add_member(api, token)
    api.post("/tasks", {"title": "Call Ada", "due_at": "2030-03-11T09:00", "timezone": "America/New_York",
                        "assignee_id": me, "description": "about the contract"}, token=token)
    api.post("/tasks", {"title": "Someday", "assignee_id": me}, token=token)
    done = api.post("/tasks", {"title": "Done", "due_at": "2030-03-12T09:00Z", "assignee_id": me}, token=token).body
    api.patch(f"/tasks/{done['id']}", {"status": "done"}, token=token)
    api.post("/tasks", {"title": "Theirs", "due_at": "2030-03-12T09:00Z",
                        "assignee_id": member["member"]["user_id"]}, token=token)
    # When I create a feed and a calendar app fetches it without credentials
    feed = api.post("/me/calendar-feed", token=token)
    assert feed.status == 201, feed
    assert feed.body["path"] == f"/calendar/{feed.body['token']}.ics" and feed.body["token"].startswith("lpc_")
    reply = api.get(feed.body["path"])
    # Then it is text/calendar with one VEVENT, in UTC
    assert reply.status == 200, reply
    events = Calendar.from_ical(reply.raw).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Call Ada"]
    assert events[0].decoded("dtstart").isoformat() == "2030-03-11T13:00:00+00:00"
    assert str(events[0]["description"]) == "about the contract"


def test_wrong_rotated_revoked_or_foreign_tokens_are_404(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    assert api.get("/me/calendar-feed", token=token).body == {"active": False, "feed_id": None, "created_at": None}
    first = api.post("/me/calendar-feed", token=token).body["token"]
    second = api.post("/me/calendar-feed", token=token).body["token"]
    feed_id = second.split("_")[1]
    # The status says the newest link is on, and never repeats its secret
    status = api.get("/me/calendar-feed", token=token).body
    assert (status["active"], status["feed_id"]) == (True, feed_id) and second not in str(status), status
    # A rotated token, a token with a wrong secret, and garbage are all 404
    for bad in (first, f"lpc_{feed_id}_{'x' * 43}", "nope", "lpc_" + "0" * 26 + "_" + "y" * 43, second + "x"):
        reply = api.get(f"/calendar/{bad}")
        assert reply.status == 404 and reply.body["error"]["code"] == "not_found", (bad, reply)
    assert api.get(f"/calendar/{second}").status == 200
    # Revocation kills the live one; revoking twice is 404
    assert api.delete("/me/calendar-feed", token=token).status == 204
    assert api.get(f"/calendar/{second}").status == 404
    assert api.delete("/me/calendar-feed", token=token).status == 404
    assert api.get("/me/calendar-feed", token=token).body["active"] is False


def test_feed_shows_only_its_owners_workspace(api: Api, owner: dict[str, Any]) -> None:
    # Given a task in another workspace
    other = sign_up(api, "Other")
    api.post("/tasks", {"title": "Their secret", "due_at": "2030-01-01T09:00Z",
                        "assignee_id": other["user"]["id"]}, token=other["access_token"])
    # When I read my feed; Then their task is not in it
    path = api.post("/me/calendar-feed", token=owner["access_token"]).body["path"]
    assert "Their secret" not in api.get(path).raw


def test_an_api_key_has_no_feed(api: Api, owner: dict[str, Any]) -> None:
    key = api.post("/workspace/api-keys", {"name": "k", "scopes": ["write"]}, token=owner["access_token"]).body["key"]
    assert api.post("/me/calendar-feed", token=key).status == 403
