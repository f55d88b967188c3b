"""What the flow builder reads besides the flow: the flow document's JSON Schema and the published versions."""
from __future__ import annotations

from typing import Any

from tests.integration.test_automation_runs import flow_of
from tests.support.apps import Api


def _text_flow(body: str) -> dict[str, Any]:
    return flow_of([{"id": "text", "type": "send_sms", "body": body}, {"id": "done", "type": "end"}],
                   [("text", "done")])


def test_the_flow_schema_names_every_node_type_and_its_settings(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # When a signed-in user asks for the flow document's schema
    reply = api.get("/flows/schema", token=owner["access_token"])
    # Then it is the JSON Schema the API validates flows with: node types and each type's settings
    assert reply.status == 200, reply
    node_types = reply.body["properties"]["nodes"]["items"]["$ref"]
    assert node_types == "#/$defs/node"
    assert "wait_for_reply" in reply.body["$defs"]["node"]["properties"]["type"]["enum"]
    assert reply.body["$defs"]["send_sms"]["required"] == ["body"]
    # and it needs credentials like any other read
    assert api.get("/flows/schema").status == 401


def test_versions_list_each_publish_newest_first_with_its_document(cloud: Any, api: Api,
                                                                  owner: dict[str, Any]) -> None:
    # Given a flow published, changed and published again
    token = owner["access_token"]
    flow_id = api.post("/flows", _text_flow("First text"), token=token).body["id"]
    assert api.get(f"/flows/{flow_id}/versions", token=token).body == {"items": [], "next_cursor": None}
    assert api.post(f"/flows/{flow_id}/publish", token=token).status == 201
    assert api.patch(f"/flows/{flow_id}", {"nodes": _text_flow("Second text")["nodes"]}, token=token).status == 200
    assert api.post(f"/flows/{flow_id}/publish", token=token).status == 201

    # When its versions are listed one per page
    first = api.get(f"/flows/{flow_id}/versions?limit=1", token=token)
    second = api.get(f"/flows/{flow_id}/versions?limit=1&cursor={first.body['next_cursor']}", token=token)

    # Then the newest comes first, each with the document it was published with and who published it
    assert first.status == 200, first
    assert [first.body["items"][0]["version"], second.body["items"][0]["version"]] == [2, 1]
    assert first.body["items"][0]["document"]["nodes"][1]["body"] == "Second text"
    assert second.body["items"][0]["document"]["nodes"][1]["body"] == "First text"
    assert second.body["items"][0]["published_by"] == owner["user"]["id"]
    assert second.body["next_cursor"] is None


def test_versions_of_an_unknown_flow_and_a_bad_cursor_are_refused(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a flow
    token = owner["access_token"]
    flow_id = api.post("/flows", _text_flow("Hi"), token=token).body["id"]
    # When an unknown flow's versions, or a forged cursor, are asked for / Then a 4xx names the field
    missing = api.get("/flows/01J0000000000000000000000Z/versions", token=token)
    forged = api.get(f"/flows/{flow_id}/versions?cursor=bm9wZQ", token=token)
    assert missing.status == 404 and missing.body["error"]["details"]["field"] == "flow_id"
    assert forged.status == 422 and forged.body["error"]["details"]["errors"][0]["field"] == "cursor"
