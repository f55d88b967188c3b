"""Tags: per-contact add/remove with events, workspace-wide list, rename and delete through the tag index."""
from __future__ import annotations

import urllib.parse
from typing import Any

import pytest

from leadpilot.contacts import tags as tags_module
from tests.integration.conftest import receive_events
from tests.integration.test_contacts_api import _schema as event_schema
from tests.support.apps import Api


def _contact(api: Api, token: str, name: str, tags: list[str]) -> dict[str, Any]:
    reply = api.post("/contacts", {"first_name": name, "tags": tags}, token=token)
    assert reply.status == 201, reply
    return reply.body


def test_add_and_remove_emit_one_event_per_tag(api: Api, owner: dict[str, Any], cloud: Any) -> None:
    # Given a contact tagged "vip" and "beta"
    token = owner["access_token"]
    contact = _contact(api, token, "Ada", ["vip", "beta"])
    receive_events(cloud)
    # When two tags are added (one already present) and one removed
    reply = api.post(f"/contacts/{contact['id']}/tags", {"add": ["Hot Lead", "beta"], "remove": ["VIP"]},
                     token=token)
    # Then the contact carries exactly the result
    assert reply.status == 200, reply
    assert reply.body["tags"] == ["beta", "hot lead"]
    # And one event per changed tag was emitted, carrying the tag
    events = [e["detail"] for e in receive_events(cloud)]
    by_type = sorted((e["type"], e["data"]["tag"]) for e in events if e["type"].startswith("contact.tag_"))
    assert by_type == [("contact.tag_added", "hot lead"), ("contact.tag_removed", "vip")]
    assert {e["data"]["contact_id"] for e in events if e["type"].startswith("contact.tag_")} == {contact["id"]}
    for event in events:
        assert not list(event_schema(event["type"]).iter_errors(event)), event


def test_tag_list_counts_and_validation(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    a = _contact(api, token, "A", ["vip", "lead"])
    _contact(api, token, "B", ["vip"])
    api.delete(f"/contacts/{a['id']}", token=token)
    # Then counts follow creates and deletes
    assert api.get("/tags", token=token).body["items"] == [{"tag": "vip", "count": 1}]
    contact = _contact(api, token, "C", [])
    both = api.post(f"/contacts/{contact['id']}/tags", {"add": ["x"], "remove": ["x"]}, token=token)
    assert both.status == 422 and both.body["error"]["details"]["errors"][0]["field"] == "remove"


def test_rename_across_contacts_in_bounded_calls(api: Api, owner: dict[str, Any],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # Given 7 contacts tagged "old school", one of which already has the new name too
    token = owner["access_token"]
    ids = [_contact(api, token, f"P{i}", ["old school", "keep"])["id"] for i in range(6)]
    ids.append(_contact(api, token, "Both", ["old school", "new wave"])["id"])
    monkeypatch.setattr(tags_module, "MAX_CONTACTS_PER_CALL", 3)
    path = "/tags/" + urllib.parse.quote("old school")
    # When the tag is renamed (a call handles at most 3 contacts, so the caller repeats until done)
    replies = []
    while not replies or not replies[-1]["done"]:
        reply = api.patch(path, {"name": "New Wave"}, token=token)
        assert reply.status == 200, reply
        replies.append(reply.body)
        assert len(replies) < 10
    # Then every contact carries the new name once, and the counts agree
    assert [r["contacts_updated"] for r in replies] == [3, 3, 1]
    for cid in ids:
        tags = api.get(f"/contacts/{cid}", token=token).body["tags"]
        assert "old school" not in tags and tags.count("new wave") == 1
    assert api.get("/tags", token=token).body["items"] == [{"tag": "keep", "count": 6}, {"tag": "new wave", "count": 7}]
    # And the old tag is gone
    assert api.patch(path, {"name": "x"}, token=token).status == 404


def test_delete_tag_everywhere_and_search_no_longer_finds_it(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    ids = [_contact(api, token, f"P{i}", ["temp/2024", "keep"])["id"] for i in range(3)]
    # When a tag with a slash is deleted (URL-encoded)
    reply = api.delete("/tags/" + urllib.parse.quote("temp/2024", safe=""), token=token)
    assert reply.status == 200 and reply.body == {"tag": "temp/2024", "contacts_updated": 3, "done": True}
    # Then no contact carries it
    assert all(api.get(f"/contacts/{c}", token=token).body["tags"] == ["keep"] for c in ids)
    assert api.get("/contacts/search?tags_any=temp/2024", token=token).body["items"] == []
    assert [t["tag"] for t in api.get("/tags", token=token).body["items"]] == ["keep"]
    # And the timeline explains it
    entry = api.get(f"/contacts/{ids[0]}/timeline?types=contact.updated", token=token).body["items"][0]
    assert entry["changes"] == {"tags": {"from": ["temp/2024", "keep"], "to": ["keep"]}}


def test_members_and_api_keys_cannot_rename(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    _contact(api, token, "A", ["vip"])
    key = api.post("/workspace/api-keys", {"name": "k", "scopes": ["write"]}, token=token).body["key"]
    assert api.patch("/tags/vip", {"name": "x"}, token=key).status == 403
    assert api.delete("/tags/vip", token=key).status == 403
    assert api.patch("/tags/%20", {"name": "x"}, token=token).status == 422
