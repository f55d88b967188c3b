"""Tasks end to end inside moto: CRUD, validation, views, recurrence across DST, bulk, events."""
from __future__ import annotations

import json
from typing import Any

import boto3
from jsonschema import Draft202012Validator, FormatChecker

from leadpilot.db.base import bind_tables
from leadpilot.settings import get_settings
from leadpilot.tasks.merge import reassign_contact
from tests.integration.conftest import sign_up
from tests.support.apps import ROOT, Api

UNKNOWN = "01M80A45J90JMESM0AR82N1PFF"


def recorded_events(cloud: Any, prefix: str) -> list[dict[str, Any]]:
    """Domain events written to the CRM table (activity items), oldest first."""
    items = boto3.resource("dynamodb").Table(cloud.resources["CrmTable"].name).scan()["Items"]
    events = [json.loads(json.dumps(i["event"], default=int)) for i in items
              if i.get("kind") == "activity" and i["type"].startswith(prefix)]
    return sorted(events, key=lambda e: e["id"])


def schema_errors(event: dict[str, Any]) -> list[str]:
    schema = json.loads((ROOT / "events" / "schemas" / f"{event['type']}.json").read_text())
    return [e.message for e in Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(event)]


def add_member(api: Api, token: str, email: str = "member@acme.test") -> dict[str, Any]:
    invite = api.post("/workspace/invites", {"email": email}, token=token).body
    return api.post("/auth/accept-invite", {"token": invite["token"], "password": "member-password-1",
                                            "name": "Mia Member"}).body


def test_create_stores_the_utc_instant_and_the_zone(api: Api, owner: dict[str, Any]) -> None:
    # Given a wall-clock due time in New York during daylight-saving time
    token = owner["access_token"]
    body = {"title": " Call Ada ", "due_at": "2030-07-01T09:00", "timezone": "America/New_York",
            "priority": "high", "reminders": ["P1D", 15, "PT1H30M"]}
    # When the task is created
    created = api.post("/tasks", body, token=token)
    # Then the instant is stored in UTC, the zone is kept, and reminders are minutes, largest first
    assert created.status == 201, created
    task = created.body
    assert task["title"] == "Call Ada" and task["status"] == "open" and task["priority"] == "high"
    assert task["due_at"] == "2030-07-01T13:00:00Z" and task["timezone"] == "America/New_York"
    assert task["due_local"] == "2030-07-01T09:00:00-04:00"
    assert task["reminders"] == [1440, 90, 15]
    assert api.get(f"/tasks/{task['id']}", token=token).body == task


def test_defaults_the_zone_to_the_workspace_and_accepts_an_explicit_offset(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    # When no zone is given, the workspace's (America/New_York) applies; an offset wins over the zone
    local = api.post("/tasks", {"title": "A", "due_at": "2030-01-15T09:00"}, token=token).body
    offset = api.post("/tasks", {"title": "B", "due_at": "2030-01-15T09:00+01:00", "timezone": "Europe/Paris"},
                      token=token).body
    # Then
    assert local["due_at"] == "2030-01-15T14:00:00Z" and local["timezone"] == "America/New_York"
    assert local["reminders"] == [1440, 60]
    assert offset["due_at"] == "2030-01-15T08:00:00Z" and offset["due_local"] == "2030-01-15T09:00:00+01:00"


def test_invalid_input_is_422_naming_the_field_and_writes_nothing(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    cases = [
        ({"title": "x", "timezone": "Mars/Olympus"}, "timezone"),
        ({"title": "x", "due_at": "tomorrow"}, "due_at"),
        ({"title": "x", "due_at": "2030-03-10T02:30", "timezone": "America/New_York"}, "due_at"),  # DST gap
        ({"title": "x", "assignee_id": UNKNOWN}, "assignee_id"),
        ({"title": "x", "related_to": {"type": "contact", "id": UNKNOWN}}, "related_to/id"),
        ({"title": "x", "related_to": {"type": "deal", "id": "nope"}}, "related_to/id"),
        ({"title": "x", "due_at": "2030-01-01T09:00", "recurrence": "FREQ=SOMETIMES"}, "recurrence"),
        ({"title": "x", "due_at": "2030-01-01T09:00", "recurrence": "FREQ=DAILY;INTERVAL=0"}, "recurrence"),
        ({"title": "x", "recurrence": "FREQ=DAILY"}, "recurrence"),
        ({"title": "x", "reminders": ["soon"]}, "reminders/0"),
        ({"title": "x", "reminders": [-5]}, "reminders/0"),
        ({"title": "   "}, "title"),
        ({"title": "x", "status": "finished"}, "status"),
        ({"description": "no title"}, "title"),
    ]
    for body, field in cases:
        reply = api.post("/tasks", body, token=token)
        assert reply.status == 422, (body, reply)
        assert field in [e["field"] for e in reply.body["error"]["details"]["errors"]], (body, reply)
    assert api.get("/tasks?view=team", token=token).body["items"] == []


def test_related_records(api: Api, owner: dict[str, Any], cloud: Any) -> None:
    token = owner["access_token"]
    contact = api.post("/contacts", {"first_name": "Ada"}, token=token).body
    # When a task relates to a contact of the workspace, or to a deal id (deals are not stored yet)
    on_contact = api.post("/tasks", {"title": "Call", "related_to": {"type": "contact", "id": contact["id"]}},
                          token=token)
    on_deal = api.post("/tasks", {"title": "Quote", "related_to": {"type": "deal", "id": UNKNOWN}}, token=token)
    # Then both are accepted, and the contact's task is on the contact's timeline
    assert on_contact.status == 201 and on_deal.status == 201, (on_contact, on_deal)
    activity = api.get(f"/contacts/{contact['id']}/activity", token=token).body["items"]
    assert "task.created" in [a["type"] for a in activity]


def test_views_sort_by_due_filter_and_paginate(api: Api, owner: dict[str, Any]) -> None:
    # Given tasks of the owner and a member, one undated, one overdue
    token = owner["access_token"]
    member = add_member(api, token)
    me, them = owner["user"]["id"], member["member"]["user_id"]
    made = {}
    for title, due, who in [("later", "2030-05-03T09:00Z", me), ("soon", "2030-05-01T09:00Z", me),
                            ("undated", None, me), ("past", "2020-01-01T09:00Z", them),
                            ("theirs", "2030-05-02T09:00Z", them)]:
        made[title] = api.post("/tasks", {"title": title, "due_at": due, "assignee_id": who}, token=token).body

    def titles(query: str) -> list[str]:
        reply = api.get(f"/tasks?{query}", token=token)
        assert reply.status == 200, reply
        return [t["title"] for t in reply.body["items"]]

    # Then each view is sorted by due date, undated last
    assert titles("view=mine") == ["soon", "later", "undated"]
    assert titles("view=team") == ["past", "soon", "theirs", "later", "undated"]
    assert titles("view=overdue") == ["past"]
    assert titles("view=team&due_after=2030-05-02T00:00Z") == ["theirs", "later"]
    assert titles("view=team&due_before=2030-05-02T09:00Z") == ["past", "soon"]
    assert titles("view=team&due_after=2030-05-01&due_before=2030-05-03") == ["soon", "theirs"]
    # And a member's view=mine shows only their tasks
    assert [t["title"] for t in api.get("/tasks?view=mine", token=member["access_token"]).body["items"]] == \
        ["past", "theirs"]
    # And pagination walks the view in order
    seen, cursor = [], None
    while True:
        reply = api.get("/tasks?view=team&limit=2" + (f"&cursor={cursor}" if cursor else ""), token=token)
        seen += [t["title"] for t in reply.body["items"]]
        cursor = reply.body["next_cursor"]
        if cursor is None:
            break
    assert seen == ["past", "soon", "theirs", "later", "undated"]
    # And a done task leaves the views; bad parameters are 422 naming them
    api.patch(f"/tasks/{made['soon']['id']}", {"status": "done"}, token=token)
    assert titles("view=mine") == ["later", "undated"]
    for query, field in [("view=all", "view"), ("due_after=yesterday", "due_after"), ("cursor=%%%", "cursor"),
                         ("due_after=2030-01-02&due_before=2030-01-01", "due_after")]:
        reply = api.get(f"/tasks?{query}", token=token)
        assert reply.status == 422 and reply.body["error"]["details"]["errors"][0]["field"] == field, reply


def test_default_view_shows_what_the_user_is_responsible_for(api: Api, owner: dict[str, Any]) -> None:
    # Given an unassigned task the owner created (as in the README) and one the owner assigned to a member
    token = owner["access_token"]
    member = add_member(api, token)
    them = member["member"]["user_id"]
    mine = api.post("/tasks", {"title": "Call back", "due_at": "2030-05-01T09:00Z"}, token=token).body
    api.post("/tasks", {"title": "Theirs", "assignee_id": them}, token=token)

    def default_view(who: str) -> list[str]:
        reply = api.get("/tasks", token=who)
        assert reply.status == 200, reply
        return [t["title"] for t in reply.body["items"]]

    # When each of them lists tasks without a view
    # Then the owner sees the unassigned task they created, and the member only what is assigned to them
    assert default_view(token) == ["Call back"]
    assert default_view(member["access_token"]) == ["Theirs"]
    # When the owner's task is assigned to the member / Then it moves to the member's list
    moved = api.patch(f"/tasks/{mine['id']}", {"assignee_id": them}, token=token)
    assert moved.status == 200, moved
    assert default_view(token) == []
    assert default_view(member["access_token"]) == ["Call back", "Theirs"]
    # When it is unassigned again / Then it is back with the owner who created it
    api.patch(f"/tasks/{mine['id']}", {"assignee_id": None}, token=token)
    assert default_view(token) == ["Call back"]


def test_completing_a_weekday_task_keeps_9am_across_the_dst_change(api: Api, owner: dict[str, Any]) -> None:
    # Given "every weekday at 9:00 New York", due Friday 8 March 2030 (DST starts Sunday 10 March)
    token = owner["access_token"]
    task = api.post("/tasks", {"title": "Stand-up", "due_at": "2030-03-08T09:00", "timezone": "America/New_York",
                               "recurrence": "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"}, token=token).body
    assert task["due_at"] == "2030-03-08T14:00:00Z"
    # When it is completed
    done = api.patch(f"/tasks/{task['id']}", {"status": "done"}, token=token)
    # Then the next occurrence is Monday at 9:00 local, now 13:00 UTC (EDT), in the same series
    assert done.status == 200, done
    assert done.body["status"] == "done" and done.body["completed_at"]
    following = api.get(f"/tasks/{done.body['next_occurrence_id']}", token=token).body
    assert following["due_local"] == "2030-03-11T09:00:00-04:00" and following["due_at"] == "2030-03-11T13:00:00Z"
    assert following["status"] == "open" and following["previous_occurrence_id"] == task["id"]
    assert following["series_start"] == task["series_start"] == task["due_at"]
    # And completing it again (reopen + done) does not create a second follower
    api.patch(f"/tasks/{task['id']}", {"status": "open"}, token=token)
    again = api.patch(f"/tasks/{task['id']}", {"status": "done"}, token=token).body
    assert again["next_occurrence_id"] == following["id"]
    assert len(api.get("/tasks?view=team", token=token).body["items"]) == 1


def test_count_limited_series_ends(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    task = api.post("/tasks", {"title": "Twice", "due_at": "2030-01-01T09:00Z", "timezone": "UTC",
                               "recurrence": "FREQ=DAILY;COUNT=2"}, token=token).body
    second = api.patch(f"/tasks/{task['id']}", {"status": "done"}, token=token).body["next_occurrence_id"]
    assert api.patch(f"/tasks/{second}", {"status": "done"}, token=token).body["next_occurrence_id"] is None


def test_update_records_changes_and_conflicts_are_not_silent(api: Api, owner: dict[str, Any], cloud: Any) -> None:
    token = owner["access_token"]
    task = api.post("/tasks", {"title": "Draft", "due_at": "2030-01-01T09:00Z"}, token=token).body
    updated = api.patch(f"/tasks/{task['id']}", {"title": "Final", "description": "v2", "due_at": None},
                        token=token)
    assert updated.status == 200 and updated.body["version"] == 2 and updated.body["due_at"] is None
    unchanged = api.patch(f"/tasks/{task['id']}", {"title": "Final"}, token=token)
    assert unchanged.body["version"] == 2
    event = recorded_events(cloud, "task.updated")[-1]
    assert event["changes"] == {"title": {"from": "Draft", "to": "Final"}, "description": {"from": None, "to": "v2"},
                                "due_at": {"from": "2030-01-01T09:00:00Z", "to": None}}


def test_assigning_notifies_the_assignee(api: Api, owner: dict[str, Any]) -> None:
    # Given a member
    token = owner["access_token"]
    member = add_member(api, token)
    # When the owner assigns them a task
    task = api.post("/tasks", {"title": "Send quote"}, token=token).body
    api.patch(f"/tasks/{task['id']}", {"assignee_id": member["member"]["user_id"]}, token=token)
    # Then they have one unread task_assigned notification linking to it; the owner has none
    inbox = api.get("/notifications", token=member["access_token"]).body
    assert inbox["unread_count"] == 1
    assert inbox["items"][0]["type"] == "task_assigned" and inbox["items"][0]["link"] == f"/tasks/{task['id']}"
    assert api.get("/notifications", token=token).body["unread_count"] == 0


def test_delete(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    task = api.post("/tasks", {"title": "Gone"}, token=token).body
    assert api.delete(f"/tasks/{task['id']}", token=token).status == 204
    assert api.get(f"/tasks/{task['id']}", token=token).status == 404
    assert api.delete(f"/tasks/{task['id']}", token=token).status == 404
    assert api.get("/tasks?view=team", token=token).body["items"] == []


def test_bulk_is_all_or_nothing_on_validation(api: Api, owner: dict[str, Any]) -> None:
    # Given two tasks in workspace A and one in workspace B
    token = owner["access_token"]
    other = sign_up(api, "Other")
    ids = [api.post("/tasks", {"title": f"T{i}"}, token=token).body["id"] for i in range(2)]
    foreign = api.post("/tasks", {"title": "B"}, token=other["access_token"]).body["id"]
    # When a bulk completion names a foreign and an unknown id
    reply = api.post("/tasks/bulk", {"action": "complete", "task_ids": [*ids, foreign, UNKNOWN]}, token=token)
    # Then it is 422 listing both as not found, and nothing was applied
    assert reply.status == 422, reply
    assert reply.body["error"]["details"]["not_found"] == [foreign, UNKNOWN]
    assert [e["field"] for e in reply.body["error"]["details"]["errors"]] == ["task_ids/2", "task_ids/3"]
    assert all(api.get(f"/tasks/{i}", token=token).body["status"] == "open" for i in ids)
    assert api.get(f"/tasks/{foreign}", token=other["access_token"]).body["status"] == "open"


def test_bulk_assign_reschedule_complete(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    member = add_member(api, token)
    paris = api.post("/tasks", {"title": "P", "timezone": "Europe/Paris"}, token=token).body
    york = api.post("/tasks", {"title": "Y", "timezone": "America/New_York"}, token=token).body
    ids = [paris["id"], york["id"]]
    # When assigning both to the member
    assigned = api.post("/tasks/bulk", {"action": "assign", "task_ids": ids,
                                        "assignee_id": member["member"]["user_id"]}, token=token)
    assert assigned.status == 200, assigned
    assert [r["result"] for r in assigned.body["results"]] == ["updated", "updated"]
    assert api.get("/notifications/unread-count", token=member["access_token"]).body["unread_count"] == 2
    # And rescheduling both to 09:00 wall time: each in its own zone
    moved = api.post("/tasks/bulk", {"action": "reschedule", "task_ids": ids, "due_at": "2030-01-10T09:00"},
                     token=token).body
    assert [r["task"]["due_at"] for r in moved["results"]] == ["2030-01-10T08:00:00Z", "2030-01-10T14:00:00Z"]
    # And a reschedule missing due_at, or to a time that does not exist in one task's zone, changes nothing
    assert api.post("/tasks/bulk", {"action": "reschedule", "task_ids": ids}, token=token).status == 422
    gap = api.post("/tasks/bulk", {"action": "reschedule", "task_ids": ids, "due_at": "2030-03-10T02:30"},
                   token=token)
    assert gap.status == 422 and [e["id"] for e in gap.body["error"]["details"]["errors"]] == [york["id"]]
    assert api.get(f"/tasks/{paris['id']}", token=token).body["due_at"] == "2030-01-10T08:00:00Z"
    # And completing them twice: the second time nothing changes
    first = api.post("/tasks/bulk", {"action": "complete", "task_ids": ids}, token=token).body
    second = api.post("/tasks/bulk", {"action": "complete", "task_ids": ids}, token=token).body
    assert first["updated"] == 2 and second["updated"] == 0
    assert [r["result"] for r in second["results"]] == ["unchanged", "unchanged"]


def test_task_events_match_their_schemas(api: Api, owner: dict[str, Any], cloud: Any) -> None:
    token = owner["access_token"]
    contact = api.post("/contacts", {"first_name": "Ada"}, token=token).body
    task = api.post("/tasks", {"title": "Call", "due_at": "2030-01-01T09:00Z", "recurrence": "FREQ=DAILY",
                               "related_to": {"type": "contact", "id": contact["id"]}}, token=token).body
    api.patch(f"/tasks/{task['id']}", {"priority": "urgent"}, token=token)
    api.patch(f"/tasks/{task['id']}", {"status": "done"}, token=token)
    api.delete(f"/tasks/{task['id']}", token=token)
    events = recorded_events(cloud, "task.")
    types = [e["type"] for e in events]  # ids order events across milliseconds; completion's two share one
    assert types[:2] == ["task.created", "task.updated"] and types[4:] == ["task.deleted"]
    assert sorted(types[2:4]) == ["task.completed", "task.created"]
    for event in events:
        assert schema_errors(event) == [], event


def test_samples_in_events_folder_match_their_schemas() -> None:
    for prefix in ("task.", "note."):
        for sample in sorted((ROOT / "events" / "eventbridge").glob(f"{prefix}*.json")):
            event = json.loads(sample.read_text())
            assert event["source"] == "leadpilot." + prefix.rstrip(".") + "s"
            assert schema_errors(event["detail"]) == [], sample.name


def test_reassign_contact_moves_every_task_once(api: Api, owner: dict[str, Any]) -> None:
    # Given two tasks on contact A
    token = owner["access_token"]
    a, b = (api.post("/contacts", {"first_name": n}, token=token).body["id"] for n in ("A", "B"))
    ids = [api.post("/tasks", {"title": f"T{i}", "related_to": {"type": "contact", "id": a}}, token=token).body["id"]
           for i in range(2)]
    settings = get_settings()
    bind_tables(settings)
    # When the merge moves them to B, twice
    moved = reassign_contact(settings, owner["workspace"]["id"], a, b)
    again = reassign_contact(settings, owner["workspace"]["id"], a, b)
    # Then both moved once and now relate to B
    assert (moved, again) == (2, 0)
    assert all(api.get(f"/tasks/{i}", token=token).body["related_to"] == {"type": "contact", "id": b} for i in ids)


def test_a_contacts_tasks_are_listed_for_its_profile(api: Api, owner: dict[str, Any]) -> None:
    # Given a contact with three related tasks (one done) and a task about someone else
    token = owner["access_token"]
    ada = api.post("/contacts", {"first_name": "Ada"}, token=token).body["id"]
    bob = api.post("/contacts", {"first_name": "Bob"}, token=token).body["id"]
    made = [api.post("/tasks", {"title": f"Ada {n}", "related_to": {"type": "contact", "id": ada}}, token=token).body
            for n in range(3)]
    api.post("/tasks", {"title": "Bob's", "related_to": {"type": "contact", "id": bob}}, token=token)
    api.patch(f"/tasks/{made[0]['id']}", {"status": "done"}, token=token)
    # When the contact's tasks are read two at a time
    first = api.get(f"/tasks?contact_id={ada}&limit=2", token=token)
    second = api.get(f"/tasks?contact_id={ada}&limit=2&cursor={first.body['next_cursor']}", token=token)
    # Then they are its tasks, done ones included, newest first, and nobody else's
    assert first.status == 200 and second.status == 200, (first, second)
    titles = [t["title"] for t in first.body["items"] + second.body["items"]]
    assert titles == ["Ada 2", "Ada 1", "Ada 0"] and second.body["next_cursor"] is None
    assert second.body["items"][0]["status"] == "done"


def test_tasks_of_an_unknown_contact_are_a_404_naming_it(api: Api, owner: dict[str, Any]) -> None:
    # When the tasks of a contact this workspace does not have are asked for, or of a malformed id
    missing = api.get(f"/tasks?contact_id={UNKNOWN}", token=owner["access_token"])
    malformed = api.get("/tasks?contact_id=nope", token=owner["access_token"])
    # Then the answers say which parameter is wrong
    assert missing.status == 404 and missing.body["error"]["details"]["field"] == "contact_id"
    assert malformed.status in (400, 422) and "contact_id" in str(malformed.body["error"])
