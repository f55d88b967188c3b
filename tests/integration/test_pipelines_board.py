"""Board, forecast, deal lists and contact reassignment inside moto."""
from __future__ import annotations

from typing import Any

import pytest

from leadpilot.settings import get_settings
from tests.integration.conftest import sign_up
from tests.support.apps import Api


@pytest.fixture
def sales(api: Api, owner: dict[str, Any]) -> dict[str, Any]:
    token = owner["access_token"]
    pipeline = api.post("/pipelines", {"name": "Sales"}, token=token).body
    contacts = [api.post("/contacts", {"first_name": n}, token=token).body["id"] for n in ("Ada", "Bob")]
    return {"token": token, "owner": owner, "pid": pipeline["id"], "contacts": contacts,
            "stages": {s["name"]: s["id"] for s in pipeline["stages"]}}


def _deal(api: Api, sales: dict[str, Any], stage: str, value: Any, contact: int = 0, **extra: Any) -> dict[str, Any]:
    body = {"name": f"{stage} {value}", "pipeline_id": sales["pid"], "stage_id": sales["stages"][stage],
            "contact_id": sales["contacts"][contact], "value": value, **extra}
    reply = api.post("/deals", body, token=sales["token"])
    assert reply.status == 201, reply
    return reply.body


def test_board_lists_stages_in_order_with_open_deals_counts_and_weighted_sums(api: Api, sales: dict[str, Any]) -> None:
    # Given deals in several stages, one won while still in an open stage, and one in another currency
    for value in (100, "250.50", 49.5):
        _deal(api, sales, "Qualified", value)
    hidden = _deal(api, sales, "Qualified", 1000)
    api.patch(f"/deals/{hidden['id']}", {"version": 1, "status": "won"}, token=sales["token"])
    _deal(api, sales, "Proposal", 80, currency="EUR")
    _deal(api, sales, "Won", 500)
    # When the board is read
    board = api.get(f"/pipelines/{sales['pid']}/board", token=sales["token"]).body
    # Then stages come in order, with their open deals (won/lost stages show their own) and sums per currency
    assert [s["name"] for s in board["stages"]] == ["Lead in", "Qualified", "Proposal", "Negotiation", "Won", "Lost"]
    qualified, proposal, won = board["stages"][1], board["stages"][2], board["stages"][4]
    assert (qualified["count"], qualified["value"], qualified["weighted_value"]) == (3, {"USD": "400"}, {"USD": "100"})
    assert len(qualified["deals"]) == 3 and not qualified["has_more"] and qualified["next_cursor"] is None
    assert all(d["status"] == "open" and d["days_in_stage"] == 0 for d in qualified["deals"])
    assert (proposal["value"], proposal["weighted_value"]) == ({"EUR": "80"}, {"EUR": "40"})
    assert (won["count"], won["value"], [d["status"] for d in won["deals"]]) == (1, {"USD": "500"}, ["won"])
    # And totals by status include the deal won in an open stage
    assert board["totals"]["open"] == {"count": 4, "value": {"EUR": "80", "USD": "400"},
                                       "weighted_value": {"EUR": "40", "USD": "100"}}
    assert board["totals"]["won"]["count"] == 2 and board["totals"]["won"]["value"] == {"USD": "1500"}


def test_board_caps_deals_per_stage_and_the_list_pages_the_rest(api: Api, sales: dict[str, Any]) -> None:
    ids = [_deal(api, sales, "Lead in", i)["id"] for i in range(7)]
    board = api.get(f"/pipelines/{sales['pid']}/board?limit=3", token=sales["token"]).body
    column = board["stages"][0]
    assert (len(column["deals"]), column["has_more"], column["count"], column["value"]) == (3, True, 7, {"USD": "21"})
    # When the rest of the column is paged through the list, from the cursor the board gives
    seen, cursor = [d["id"] for d in column["deals"]], column["next_cursor"]
    while True:
        url = f"/deals?pipeline_id={sales['pid']}&stage_id={sales['stages']['Lead in']}&status=open&limit=3"
        reply = api.get(url + (f"&cursor={cursor}" if cursor else ""), token=sales["token"]).body
        seen += [d["id"] for d in reply["items"]]
        if not (cursor := reply["next_cursor"]):
            break
    assert seen == ids


def test_forecast_by_expected_close_month_with_won_deals_apart(api: Api, sales: dict[str, Any]) -> None:
    _deal(api, sales, "Proposal", 100, expected_close_date="2027-01-10")
    _deal(api, sales, "Negotiation", 200, expected_close_date="2027-01-31")
    _deal(api, sales, "Lead in", 300, expected_close_date="2027-03-01")
    _deal(api, sales, "Lead in", 50)
    won = _deal(api, sales, "Won", 999, expected_close_date="2027-01-15")
    forecast = api.get(f"/pipelines/{sales['pid']}/forecast", token=sales["token"]).body
    months = {m["month"]: m for m in forecast["months"]}
    assert months["2027-01"]["open"] == {"count": 2, "value": {"USD": "300"}, "weighted_value": {"USD": "200"}}
    assert months["2027-03"]["open"]["weighted_value"] == {"USD": "30"}
    assert forecast["no_close_date"] == {"count": 1, "value": {"USD": "50"}, "weighted_value": {"USD": "5"}}
    won_month = won["closed_at"][:7]
    assert months[won_month]["won"] == {"count": 1, "value": {"USD": "999"}}


def test_list_filters_by_status_owner_contact_and_pipeline(api: Api, sales: dict[str, Any]) -> None:
    token = sales["token"]
    a = _deal(api, sales, "Lead in", 1)
    b = _deal(api, sales, "Proposal", 2, contact=1)
    c = _deal(api, sales, "Lost", 3, lost_reason="timing")
    other = api.post("/pipelines", {"name": "Other"}, token=token).body
    d = api.post("/deals", {"name": "d", "pipeline_id": other["id"], "contact_id": sales["contacts"][1],
                            "owner_id": None}, token=token).body

    def ids(query: str) -> list[str]:
        reply = api.get(f"/deals{query}", token=token)
        assert reply.status == 200, (query, reply)
        return sorted(i["id"] for i in reply.body["items"])

    owner_id = sales["owner"]["user"]["id"]
    assert ids("") == sorted(x["id"] for x in (a, b, c, d))
    assert ids("?status=lost") == [c["id"]]
    assert ids(f"?pipeline_id={sales['pid']}") == sorted(x["id"] for x in (a, b, c))
    assert ids(f"?pipeline_id={sales['pid']}&status=open") == sorted(x["id"] for x in (a, b))
    assert ids(f"?owner_id={owner_id}") == sorted(x["id"] for x in (a, b, c))
    assert ids(f"?contact_id={sales['contacts'][1]}") == sorted(x["id"] for x in (b, d))
    assert ids(f"?contact_id={sales['contacts'][1]}&pipeline_id={other['id']}") == [d["id"]]
    for query, field in (("?status=maybe", "status"), (f"?stage_id={sales['stages']['Won']}", "pipeline_id"),
                         ("?cursor=!!", "cursor"), ("?limit=0", "limit")):
        reply = api.get(f"/deals{query}", token=token)
        assert reply.status == 422 and reply.body["error"]["details"]["errors"][0]["field"] == field, (query, reply)
    assert api.get("/deals?owner_id=nope", token=token).status == 400


def test_a_cursor_cannot_reach_another_workspace(api: Api, sales: dict[str, Any]) -> None:
    # Given a cursor taken from workspace A's list
    for i in range(3):
        _deal(api, sales, "Lead in", i)
    cursor = api.get("/deals?limit=1", token=sales["token"]).body["next_cursor"]
    # When workspace B uses it
    other = sign_up(api, "Other")
    reply = api.get(f"/deals?limit=1&cursor={cursor}", token=other["access_token"])
    # Then B sees only its own (no) deals
    assert reply.status == 200 and reply.body["items"] == []


def test_reassign_contact_moves_every_deal_once(api: Api, sales: dict[str, Any]) -> None:
    from leadpilot.db.base import bind_tables
    from leadpilot.pipelines import reassign_contact

    # Given three deals of Ada and one of Bob
    token = sales["token"]
    ada, bob = sales["contacts"]
    deals = [_deal(api, sales, "Lead in", i) for i in range(3)]
    _deal(api, sales, "Proposal", 9, contact=1)
    settings = get_settings()
    bind_tables(settings)
    ws = sales["owner"]["workspace"]["id"]
    # When Ada's deals are reassigned to Bob, twice (a retried merge)
    assert reassign_contact(settings, ws, ada, bob) == 3
    assert reassign_contact(settings, ws, ada, bob) == 0
    # Then Bob has all four, each deal's version moved on once, and the board sums did not change
    listed = api.get(f"/deals?contact_id={bob}", token=token).body["items"]
    assert len(listed) == 4 and api.get(f"/deals?contact_id={ada}", token=token).body["items"] == []
    assert all(api.get(f"/deals/{d['id']}", token=token).body["version"] == 2 for d in deals)
    board = api.get(f"/pipelines/{sales['pid']}/board", token=token).body
    assert board["totals"]["open"]["count"] == 4 and board["totals"]["open"]["value"] == {"USD": "12"}
    activity = api.get(f"/contacts/{bob}/activity", token=token).body["items"]
    assert [a["type"] for a in activity].count("deal.updated") == 3
