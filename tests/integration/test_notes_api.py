"""Notes inside moto: @mentions notify members, timeline events, permissions, merge support."""
from __future__ import annotations

from typing import Any

from leadpilot.db.base import bind_tables
from leadpilot.notes.service import reassign_contact
from leadpilot.settings import get_settings
from tests.integration.test_tasks_api import UNKNOWN, add_member, recorded_events, schema_errors
from tests.support.apps import Api


def _contact(api: Api, token: str, name: str = "Ada") -> str:
    return str(api.post("/contacts", {"first_name": name}, token=token).body["id"])


def test_a_mention_notifies_the_member_and_the_note_is_on_the_timeline(api: Api, owner: dict[str, Any],
                                                                       cloud: Any) -> None:
    # Given a contact and a member
    token = owner["access_token"]
    contact = _contact(api, token)
    member = add_member(api, token)
    mia = member["member"]["user_id"]
    # When the owner writes a note mentioning the member (twice) and themself
    body = f"@[Mia](user:{mia}) please call back; cc @[Mia](user:{mia}) @[Me](user:{owner['user']['id']})"
    reply = api.post("/notes", {"contact_id": contact, "body": body}, token=token)
    # Then the note records the mentions once each
    assert reply.status == 201, reply
    assert reply.body["mentions"] == [mia, owner["user"]["id"]]
    # And only the member is notified, once, with the plain text
    inbox = api.get("/notifications", token=member["access_token"]).body
    assert inbox["unread_count"] == 1 and inbox["items"][0]["type"] == "mention"
    assert inbox["items"][0]["body"].startswith("@Mia please call back")
    assert inbox["items"][0]["link"] == f"/contacts/{contact}?note={reply.body['id']}"
    assert api.get("/notifications/unread-count", token=token).body["unread_count"] == 0
    # And the contact's timeline shows note.created, whose event matches its schema
    activity = api.get(f"/contacts/{contact}/activity", token=token).body["items"]
    assert activity[0]["type"] == "note.created"
    event = recorded_events(cloud, "note.")[0]
    assert schema_errors(event) == [] and event["data"]["contact_id"] == contact


def test_mentioning_a_non_member_is_422_naming_body(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    contact = _contact(api, token)
    reply = api.post("/notes", {"contact_id": contact, "body": f"hi @[Ghost](user:{UNKNOWN})"}, token=token)
    assert reply.status == 422 and reply.body["error"]["details"]["errors"][0]["field"] == "body"
    assert api.get(f"/notes?contact_id={contact}", token=token).body["items"] == []
    # And an unknown contact is 422 naming contact_id; a missing contact_id on list is 422 too
    assert api.post("/notes", {"contact_id": UNKNOWN, "body": "x"}, token=token).body["error"]["details"][
        "errors"][0]["field"] == "contact_id"
    assert api.get("/notes", token=token).status == 422
    assert api.get(f"/notes?contact_id={UNKNOWN}", token=token).status == 404


def test_list_is_newest_first_and_paginates(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    contact = _contact(api, token)
    ids = [api.post("/notes", {"contact_id": contact, "body": f"n{i}"}, token=token).body["id"] for i in range(5)]
    seen, cursor = [], None
    while True:
        reply = api.get(f"/notes?contact_id={contact}&limit=2" + (f"&cursor={cursor}" if cursor else ""), token=token)
        seen += [n["id"] for n in reply.body["items"]]
        cursor = reply.body["next_cursor"]
        if cursor is None:
            break
    assert seen == ids[::-1]


def test_only_the_author_or_an_admin_edits_and_new_mentions_notify(api: Api, owner: dict[str, Any],
                                                                   cloud: Any) -> None:
    # Given a member's note mentioning the owner
    token = owner["access_token"]
    contact = _contact(api, token)
    member = add_member(api, token)
    other = add_member(api, token, "other@acme.test")
    me = owner["user"]["id"]
    note = api.post("/notes", {"contact_id": contact, "body": f"ask @[O](user:{me})"},
                    token=member["access_token"]).body
    # When another plain member edits it: 403
    assert api.patch(f"/notes/{note['id']}", {"body": "mine now"}, token=other["access_token"]).status == 403
    # When the author adds a mention of the other member
    oid = other["member"]["user_id"]
    edited = api.patch(f"/notes/{note['id']}", {"body": f"ask @[O](user:{me}) and @[X](user:{oid})"},
                       token=member["access_token"])
    # Then only the newly mentioned member is notified (the owner was notified once, at creation)
    assert edited.status == 200 and edited.body["version"] == 2
    assert api.get("/notifications/unread-count", token=other["access_token"]).body["unread_count"] == 1
    assert api.get("/notifications/unread-count", token=token).body["unread_count"] == 1
    # And the owner (admin) may delete it; then it is gone and the timeline has the three events
    assert api.delete(f"/notes/{note['id']}", token=token).status == 204
    assert api.get(f"/notes/{note['id']}", token=token).status == 404
    events = recorded_events(cloud, "note.")
    assert [e["type"] for e in events] == ["note.created", "note.updated", "note.deleted"]
    assert all(schema_errors(e) == [] for e in events)


def test_reassign_contact_moves_every_note_once(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    a, b = _contact(api, token, "A"), _contact(api, token, "B")
    for i in range(3):
        api.post("/notes", {"contact_id": a, "body": f"n{i}"}, token=token)
    settings = get_settings()
    bind_tables(settings)
    assert reassign_contact(settings, owner["workspace"]["id"], a, b) == 3
    assert reassign_contact(settings, owner["workspace"]["id"], a, b) == 0
    assert len(api.get(f"/notes?contact_id={b}", token=token).body["items"]) == 3
    assert api.get(f"/notes?contact_id={a}", token=token).body["items"] == []
