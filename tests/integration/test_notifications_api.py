"""Notifications inside moto: notify() with preferences, inbox order, exact unread count, mark read."""
from __future__ import annotations

from typing import Any

from leadpilot.db.base import bind_tables
from leadpilot.notifications.service import notify
from leadpilot.settings import get_settings
from tests.support.apps import Api


def _notify(owner: dict[str, Any], n: int, kind: str = "mention") -> list[Any]:
    settings = get_settings()
    bind_tables(settings)
    return [notify(settings, owner["workspace"]["id"], owner["user"]["id"], kind, f"N{i}", "body", f"/x/{i}")
            for i in range(n)]


def test_inbox_is_newest_first_with_an_exact_unread_count(api: Api, owner: dict[str, Any]) -> None:
    # Given five notifications
    token = owner["access_token"]
    _notify(owner, 5)
    # When the inbox is read a page at a time
    seen, cursor = [], None
    while True:
        reply = api.get("/notifications?limit=2" + (f"&cursor={cursor}" if cursor else ""), token=token)
        assert reply.status == 200, reply
        seen += [n["title"] for n in reply.body["items"]]
        cursor = reply.body["next_cursor"]
        if cursor is None:
            break
    # Then newest first, all unread
    assert seen == ["N4", "N3", "N2", "N1", "N0"]
    assert api.get("/notifications/unread-count", token=token).body == {"unread_count": 5}


def test_mark_one_then_all_read(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    first = _notify(owner, 3)[0]
    # When one is marked read twice
    once = api.post(f"/notifications/{first.id}/read", token=token)
    twice = api.post(f"/notifications/{first.id}/read", token=token)
    # Then the count dropped by one only
    assert once.status == 200 and once.body["read"] is True and twice.body == once.body
    assert api.get("/notifications/unread-count", token=token).body["unread_count"] == 2
    # When all are marked read
    reply = api.post("/notifications/read-all", token=token)
    # Then the two others were marked and the count is zero; doing it again marks nothing
    assert reply.body == {"marked": 2, "unread_count": 0}
    assert api.post("/notifications/read-all", token=token).body == {"marked": 0, "unread_count": 0}
    assert all(n["read"] for n in api.get("/notifications", token=token).body["items"])
    assert api.post("/notifications/01M80A45J90JMESM0AR82N1PFF/read", token=token).status == 404


def test_preferences_switch_a_type_off(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    # Given defaults: everything on
    prefs = api.get("/notifications/preferences", token=token).body["preferences"]
    assert prefs["mention"] == {"in_app": True} and set(prefs) >= {"task_assigned", "task_reminder", "mention"}
    # When mentions are switched off
    reply = api.patch("/notifications/preferences", {"mention": {"in_app": False}}, token=token)
    assert reply.status == 200 and reply.body["preferences"]["mention"] == {"in_app": False}
    # Then notify() sends no mention, but still sends other types
    assert _notify(owner, 1, "mention") == [None]
    assert _notify(owner, 1, "task_assigned")[0] is not None
    assert api.get("/notifications/unread-count", token=token).body["unread_count"] == 1
    # And unknown types or channels are 422 naming them
    bad = api.patch("/notifications/preferences", {"mention": {"email": True}}, token=token)
    assert bad.status == 422 and bad.body["error"]["details"]["errors"][0]["field"] == "mention/email"


def test_notifications_belong_to_users_not_api_keys(api: Api, owner: dict[str, Any]) -> None:
    key = api.post("/workspace/api-keys", {"name": "k", "scopes": ["write"]}, token=owner["access_token"]).body["key"]
    assert api.get("/notifications", token=key).status == 403
