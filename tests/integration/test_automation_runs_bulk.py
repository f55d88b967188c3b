"""Runs listed by flow, status and contact; bulk controls; per-flow metrics (moto in-process)."""
from __future__ import annotations

from typing import Any

from tests.integration.conftest import sign_up
from tests.integration.test_automation_runs import enrol, in_state, published, waiting_flow, work
from tests.support.apps import Api


def three_waiting_runs(cloud: Any, api: Api, token: str) -> tuple[str, list[str], dict[str, str]]:
    """A published waiting flow with three runs parked in its delay: (flow id, run ids newest first, run by contact)."""
    flow_id = published(api, token, waiting_flow())
    contacts = [enrol(cloud, api, token, {"first_name": name, "phone": f"+1415555014{i}"})
                for i, name in enumerate(["Ann", "Ben", "Cat"])]
    listed = api.get(f"/flows/{flow_id}/runs", token=token).body["items"]
    work(cloud, until=in_state(api, token, [r["id"] for r in listed], "pause_here"))
    assert len(listed) == 3 and {r["status"] for r in listed} == {"running"}
    return flow_id, [r["id"] for r in listed], {c: next(r["id"] for r in listed if r["contact_id"] == c)
                                                for c in contacts}


def test_bulk_controls_listings_and_metrics(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given three runs waiting in a flow's delay
    token = owner["access_token"]
    flow_id, run_ids, by_contact = three_waiting_runs(cloud, api, token)

    # When every running run is paused in bulk
    paused = api.post(f"/flows/{flow_id}/runs/bulk", {"action": "pause", "status": "running"}, token=token)

    # Then each run has its result, and the listings by status and by contact follow
    assert paused.status == 200, paused
    assert (paused.body["matched"], paused.body["succeeded"], paused.body["more"]) == (3, 3, False)
    assert {r["run_id"] for r in paused.body["results"]} == set(run_ids)
    assert all(r["status"] == "paused" and r["current_node"] == "pause_here" for r in paused.body["results"])
    assert len(api.get(f"/flows/{flow_id}/runs?status=paused", token=token).body["items"]) == 3
    assert api.get(f"/flows/{flow_id}/runs?status=running", token=token).body["items"] == []
    contact_id, run_id = next(iter(by_contact.items()))
    mine = api.get(f"/runs?contact_id={contact_id}", token=token).body["items"]
    assert [(r["id"], r["status"]) for r in mine] == [(run_id, "paused")]
    assert api.get(f"/runs?contact_id={contact_id}&status=running", token=token).body["items"] == []

    # When two of them (and an id of no run) are resumed by id, and the rest cancelled by status
    unknown = "01M80A45J90JMESM0AR82N1PFF"
    resumed = api.post(f"/flows/{flow_id}/runs/bulk", {"action": "resume", "run_ids": [*run_ids[:2], unknown]},
                       token=token)
    cancelled = api.post(f"/flows/{flow_id}/runs/bulk", {"action": "cancel", "status": "paused"}, token=token)

    # Then the unknown id has its own error, the others moved, and the counters equal the records
    assert resumed.status == 200 and resumed.body["succeeded"] == 2, resumed
    assert [r["error"]["code"] for r in resumed.body["results"] if not r["ok"]] == ["not_found"]
    assert [r["run_id"] for r in cancelled.body["results"]] == [run_ids[2]] and cancelled.body["succeeded"] == 1
    metrics = api.get(f"/flows/{flow_id}/metrics", token=token).body
    assert (metrics["enrolled"], metrics["active"], metrics["completed"], metrics["failed"]) == (3, 2, 0, 0)
    assert metrics["by_status"] == {"running": 2, "paused": 0, "succeeded": 0, "failed": 0, "cancelled": 1,
                                    "timed_out": 0}
    assert metrics["nodes"]["first"] == {"entered": 3, "failed": 0}
    statuses = sorted(r["status"] for r in api.get(f"/flows/{flow_id}/runs", token=token).body["items"])
    assert statuses == ["cancelled", "running", "running"]


def test_runs_are_paged_with_a_cursor(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given three runs of a flow
    token = owner["access_token"]
    flow_id, run_ids, _ = three_waiting_runs(cloud, api, token)

    # When they are listed two at a time, by flow and by status
    first = api.get(f"/flows/{flow_id}/runs?limit=2", token=token).body
    second = api.get(f"/flows/{flow_id}/runs?limit=2&cursor={first['next_cursor']}", token=token).body
    by_status = api.get(f"/flows/{flow_id}/runs?status=running&limit=2", token=token).body
    rest = api.get(f"/flows/{flow_id}/runs?status=running&limit=2&cursor={by_status['next_cursor']}",
                   token=token).body

    # Then the pages hold every run once, newest first, and the last page has no cursor
    assert [r["id"] for r in first["items"] + second["items"]] == run_ids
    assert second["next_cursor"] is None
    assert [r["id"] for r in by_status["items"] + rest["items"]] == run_ids and rest["next_cursor"] is None


def test_bulk_and_list_requests_are_checked(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a published flow
    token = owner["access_token"]
    flow_id = published(api, token, waiting_flow())

    # When bulk and list requests miss what they need
    no_selection = api.post(f"/flows/{flow_id}/runs/bulk", {"action": "pause"}, token=token)
    no_node = api.post(f"/flows/{flow_id}/runs/bulk", {"action": "restart", "status": "failed"}, token=token)
    too_many = api.post(f"/flows/{flow_id}/runs/bulk", {"action": "cancel", "run_ids": [
        f"01M80A45J90JMESM0AR82N{i:04d}" for i in range(101)]}, token=token)
    bad_status = api.get(f"/flows/{flow_id}/runs?status=asleep", token=token)
    bad_workspace_status = api.get("/runs?status=asleep", token=token)

    # Then each is a 422 naming the field
    for reply, field in ((no_node, "node"), (too_many, "run_ids"), (bad_status, "status"),
                         (bad_workspace_status, "status")):
        assert reply.status == 422, reply
        assert reply.body["error"]["details"]["errors"][0]["field"] == field, reply
    assert no_selection.status == 422, no_selection
    # And a filter that is not an id is a 400 naming it
    for query, field in (("flow_id=nope", "flow_id"), ("contact_id=nope", "contact_id")):
        reply = api.get(f"/runs?{query}", token=token)
        assert reply.status == 400 and reply.body["error"]["details"]["field"] == field, reply


def test_the_workspaces_runs_are_listed_and_filtered(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given three runs waiting in one flow's delay, one of them paused, and a second flow with no runs
    token = owner["access_token"]
    flow_id, run_ids, by_contact = three_waiting_runs(cloud, api, token)
    other_flow = published(api, token, {**waiting_flow(), "name": "Other"})
    paused_id = run_ids[1]
    assert api.post(f"/runs/{paused_id}/pause", token=token).status == 200

    def listed(query: str = "") -> list[tuple[str, str]]:
        reply = api.get(f"/runs{query}", token=token)
        assert reply.status == 200, reply
        return [(r["id"], r["status"]) for r in reply.body["items"]]

    # When the runs are listed without a contact / Then every run of the workspace is there, newest first
    assert [run_id for run_id, _ in listed()] == run_ids
    # And status, flow and contact each narrow the list
    assert listed("?status=paused") == [(paused_id, "paused")]
    assert [run_id for run_id, _ in listed("?status=running")] == [run_ids[0], run_ids[2]]
    assert [run_id for run_id, _ in listed(f"?flow_id={flow_id}")] == run_ids
    assert listed(f"?flow_id={other_flow}") == []
    contact_id = next(c for c, r in by_contact.items() if r == paused_id)
    assert listed(f"?contact_id={contact_id}&flow_id={flow_id}") == [(paused_id, "paused")]
    assert listed(f"?contact_id={contact_id}&flow_id={other_flow}") == []
    # And the list is paged with a cursor that ends on the last page
    first = api.get("/runs?limit=2", token=token).body
    second = api.get(f"/runs?limit=2&cursor={first['next_cursor']}", token=token).body
    assert [r["id"] for r in first["items"] + second["items"]] == run_ids and second["next_cursor"] is None
    # And another workspace sees none of them
    other = sign_up(api, "Else")
    assert api.get("/runs", token=other["access_token"]).body["items"] == []


def test_bulk_by_status_pages_with_a_cursor_when_runs_keep_the_status(cloud: Any, api: Api,
                                                                       owner: dict[str, Any]) -> None:
    # Given three runs waiting in a delay
    token = owner["access_token"]
    flow_id, run_ids, _ = three_waiting_runs(cloud, api, token)

    # When their delay is skipped in bulk, two at a time (skipped runs stay running)
    first = api.post(f"/flows/{flow_id}/runs/bulk", {"action": "skip", "status": "running", "limit": 2}, token=token)
    second = api.post(f"/flows/{flow_id}/runs/bulk", {"action": "skip", "status": "running", "limit": 2,
                                                      "cursor": first.body["next_cursor"]}, token=token)

    # Then every run was skipped once: each is on its second execution
    assert (first.body["matched"], first.body["more"], second.body["matched"], second.body["more"]) == (
        2, True, 1, False), (first, second)
    runs = api.get(f"/flows/{flow_id}/runs", token=token).body["items"]
    assert sorted(r["id"] for r in runs) == sorted(run_ids) and {r["executions"] for r in runs} == {2}

