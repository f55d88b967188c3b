"""Contact search: prefix on name/email/phone/company, filters, sorting, cursor pages; saved segments."""
from __future__ import annotations

from typing import Any

import pytest

from leadpilot.contacts import search as search_module
from tests.support.apps import Api

PEOPLE = [
    {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@engines.test", "phone": "4155550101",
     "company": "Analytical Engines", "source": "web", "tags": ["vip", "lead"], "custom_fields": {"seats": 12}},
    {"first_name": "Adam", "last_name": "Smith", "email": "adam@wealth.test", "company": "Pin Factory",
     "source": "import", "tags": ["lead"], "custom_fields": {"seats": 3}},
    {"first_name": "Zoë", "last_name": "Ådams", "email": "zoe@example.test", "phone": "4155550199",
     "source": "web", "tags": ["vip"], "do_not_contact": True},
    {"first_name": "Grace", "last_name": "Hopper", "email": "grace@navy.test", "company": "Navy", "source": "web"},
]


@pytest.fixture
def people(api: Api, owner: dict[str, Any]) -> dict[str, str]:
    token = owner["access_token"]
    api.post("/contact-fields", {"key": "seats", "label": "Seats", "type": "number"}, token=token)
    ids = {}
    for body in PEOPLE:
        reply = api.post("/contacts", body, token=token)
        assert reply.status == 201, reply
        ids[body["first_name"]] = reply.body["id"]
    return ids


def _names(api: Api, token: str, query: str) -> list[str]:
    reply = api.get(f"/contacts/search?{query}", token=token)
    assert reply.status == 200, reply
    return [c["first_name"] for c in reply.body["items"]]


def test_prefix_matches_names_emails_phones_and_companies(api: Api, owner: dict[str, Any],
                                                          people: dict[str, str]) -> None:
    token = owner["access_token"]
    # When searching by a prefix (case and accents do not matter)
    assert _names(api, token, "q=ada&sort=name") == ["Ada", "Adam", "Zoë"]  # Zoë Ådams by last name
    assert _names(api, token, "q=ADA%20LOV") == ["Ada"]
    assert _names(api, token, "q=grace@") == ["Grace"]
    assert _names(api, token, "q=pin%20fac") == ["Adam"]
    assert _names(api, token, "q=415555") == ["Zoë", "Ada"]  # national digits, newest first by default
    assert _names(api, token, "q=%2B1415555019") == ["Zoë"]
    assert _names(api, token, "q=nobody") == []


def test_filters_combine(api: Api, owner: dict[str, Any], people: dict[str, str]) -> None:
    token = owner["access_token"]
    assert _names(api, token, "tags_all=vip,lead") == ["Ada"]
    assert _names(api, token, "tags_any=vip&sort=created_at") == ["Ada", "Zoë"]
    assert _names(api, token, "tags_none=vip&sort=created_at") == ["Adam", "Grace"]
    assert _names(api, token, "source=import") == ["Adam"]
    assert _names(api, token, "do_not_contact=true") == ["Zoë"]
    assert _names(api, token, "cf.seats=gte:10") == ["Ada"]
    assert _names(api, token, "q=ada&do_not_contact=false&sort=name") == ["Ada", "Adam"]
    assert _names(api, token, "created_from=2000-01-01&created_to=2000-12-31") == []
    assert len(_names(api, token, "created_from=2000-01-01")) == 4


def test_sorting_and_cursor_pages(api: Api, owner: dict[str, Any], people: dict[str, str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    token = owner["access_token"]
    assert _names(api, token, "sort=name") == ["Ada", "Adam", "Grace", "Zoë"]
    assert _names(api, token, "sort=-name") == ["Zoë", "Grace", "Adam", "Ada"]
    # When the walk budget is tiny, pages may be short but the cursor still reaches every match
    monkeypatch.setattr(search_module, "EVAL_BUDGET", 1)
    for sort in ("created_at", "-updated_at", "name", "-score", "last_activity_at"):
        seen, cursor = [], None
        for _ in range(20):
            reply = api.get(f"/contacts/search?sort={sort}&source=web&limit=1"
                            + (f"&cursor={cursor}" if cursor else ""), token=token).body
            seen += [c["first_name"] for c in reply["items"]]
            cursor = reply["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == ["Ada", "Grace", "Zoë"], sort
    # And a cursor from another sort order is refused
    first = api.get("/contacts/search?sort=name&limit=1", token=token).body
    assert api.get(f"/contacts/search?sort=score&cursor={first['next_cursor']}", token=token).status == 422


def test_bad_search_parameters_are_422(api: Api, owner: dict[str, Any], people: dict[str, str]) -> None:
    token = owner["access_token"]
    for query, field in (("sort=email", "sort"), ("score_min=high", "score_min"),
                         ("cf.nope=eq:1", "custom_fields/nope"), ("do_not_contact=maybe", "do_not_contact"),
                         ("created_from=soon", "created_at/from"),
                         ("cursor=abc", "cursor"), ("cf.seats=gte:many", "cf.seats")):
        reply = api.get(f"/contacts/search?{query}", token=token)
        assert reply.status == 422, (query, reply)
        assert reply.body["error"]["details"]["errors"][0]["field"] == field, (query, reply)


def test_segments_store_a_filter_and_evaluate_it_live(api: Api, owner: dict[str, Any],
                                                      people: dict[str, str]) -> None:
    token = owner["access_token"]
    # Given a saved segment of web leads sorted by name
    body = {"name": "Web VIPs", "filter": {"tags": {"any": ["vip"]}, "source": ["web"]}, "sort": "name"}
    segment = api.post("/segments", body, token=token)
    assert segment.status == 201, segment
    url = f"/segments/{segment.body['id']}"
    assert [c["first_name"] for c in api.get(url + "/contacts", token=token).body["items"]] == ["Ada", "Zoë"]
    # When a contact changes, the segment follows without being saved again
    api.post(f"/contacts/{people['Grace']}/tags", {"add": ["vip"]}, token=token)
    assert [c["first_name"] for c in api.get(url + "/contacts", token=token).body["items"]] == ["Ada", "Grace", "Zoë"]
    # And it can be renamed, listed and deleted; invalid filters are refused naming the field
    assert api.patch(url, {"name": "VIPs"}, token=token).body["name"] == "VIPs"
    assert [s["name"] for s in api.get("/segments", token=token).body["items"]] == ["VIPs"]
    bad = api.post("/segments", {"name": "x", "filter": {"score": {"min": "a"}}}, token=token)
    assert bad.status == 422 and bad.body["error"]["details"]["errors"][0]["field"] == "filter/score/min"
    unknown = api.patch(url, {"filter": {"custom_fields": [{"key": "nope", "op": "exists"}]}}, token=token)
    assert unknown.status == 422
    assert api.delete(url, token=token).status == 204
    assert api.get(url, token=token).status == 404
