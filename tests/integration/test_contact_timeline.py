"""The contact timeline: newest first, filtered by type and time, written by any capability."""
from __future__ import annotations

from typing import Any

from leadpilot.events.outbox import publish_now
from leadpilot.events.record import event_item
from leadpilot.settings import get_settings
from tests.support.apps import Api


def test_timeline_filters_by_type_and_time_and_pages(api: Api, owner: dict[str, Any]) -> None:
    # Given a contact with changes, and an event another capability wrote onto its timeline
    token = owner["access_token"]
    contact = api.post("/contacts", {"first_name": "Ada"}, token=token).body
    for company in ("A", "B", "C"):
        api.patch(f"/contacts/{contact['id']}", {"company": company}, token=token)
    item = event_item(owner["workspace"]["id"], {"type": "user", "id": "u"}, "deal.created", {"deal_id": "d1"},
                      contact_id=contact["id"])
    item.save()
    publish_now(get_settings(), [item])
    url = f"/contacts/{contact['id']}/timeline"
    # When it is read whole, by type, and in pages
    whole = api.get(url, token=token).body["items"]
    only = api.get(url + "?types=contact.updated,deal.created", token=token).body["items"]
    first = api.get(url + "?limit=2", token=token).body
    second = api.get(url + f"?limit=2&cursor={first['next_cursor']}", token=token).body
    # Then it is newest first, includes other capabilities' events and pages without gaps
    assert [e["type"] for e in whole] == ["deal.created"] + ["contact.updated"] * 3 + ["contact.created"]
    assert [e["type"] for e in only] == ["deal.created"] + ["contact.updated"] * 3
    assert [e["id"] for e in first["items"] + second["items"]] == [e["id"] for e in whole[:4]]
    assert whole[0]["data"] == {"deal_id": "d1"}
    # And a time range excludes what is outside it
    assert api.get(url + "?to=2000-01-01", token=token).body["items"] == []
    assert len(api.get(url + f"?from={whole[0]['occurred_at'][:10]}", token=token).body["items"]) == 5
    # And the old activity route still answers the same entries
    assert [e["id"] for e in api.get(f"/contacts/{contact['id']}/activity", token=token).body["items"]] == \
        [e["id"] for e in whole]


def test_bad_timeline_parameters_are_422(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    contact = api.post("/contacts", {"first_name": "Ada"}, token=token).body
    for query, field in (("types=DROP TABLE", "types"), ("from=yesterday", "from"), ("to=99999-01-01", "to")):
        reply = api.get(f"/contacts/{contact['id']}/timeline?{query}", token=token)
        assert reply.status == 422 and reply.body["error"]["details"]["errors"][0]["field"] == field, reply
    assert api.get("/contacts/01M80A45J90JMESM0AR82N1PFF/timeline", token=token).status == 404
