"""What an open dashboard receives for a domain event: ids and a few fields, never content."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from leadpilot.errors import DomainError
from leadpilot.live.messages import message_of, reply_to

SAMPLES = Path(__file__).resolve().parents[2] / "events" / "eventbridge"


def _detail(event_type: str) -> dict:
    return json.loads((SAMPLES / f"{event_type}.json").read_text())["detail"]


def test_a_stage_change_names_the_deal_its_stages_and_its_version() -> None:
    # Given the sample pipeline.stage_changed event
    event = _detail("pipeline.stage_changed")
    # When it becomes a live message
    message = message_of(event)
    # Then it carries the type, the event id and the ids a board needs to refetch, and nothing else of the deal
    data = event["data"]
    assert message["type"] == "pipeline.stage_changed" and message["id"] == event["id"]
    assert message["data"] == {"id": data["id"], "pipeline_id": data["pipeline_id"], "stage_id": data["stage_id"],
                               "contact_id": data["contact_id"], "owner_id": data["owner_id"], "status": "open",
                               "version": data["version"], "from_stage_id": data["from_stage_id"],
                               "to_stage_id": data["to_stage_id"], "from_pipeline_id": data["from_pipeline_id"]}


@pytest.mark.parametrize("event_type", ["sms.received", "email.replied", "note.created", "contact.updated"])
def test_no_message_content_or_personal_data_goes_on_the_socket(event_type: str) -> None:
    # Given an event whose data holds a message body, a name, an address or a phone number
    event = _detail(event_type)
    # When it becomes a live message
    text = json.dumps(message_of(event))
    # Then none of the event's text fields but ids and the allowed few are in it
    kept = message_of(event)["data"]
    assert all(key == "id" or key.endswith("_id") or key in {"status", "version", "direction", "tag", "node"}
               for key in kept)
    for key in ("body", "from", "to", "email", "phone", "first_name", "subject"):
        value = event["data"].get(key)
        if isinstance(value, str) and value:
            assert value not in text, key


def test_a_merge_names_both_contacts_by_id() -> None:
    # Given contact.merged, whose data nests the kept contact and the duplicate
    event = _detail("contact.merged")
    # When it becomes a live message / Then each nested record is its id
    data = message_of(event)["data"]
    assert data["contact_id"] == event["data"]["contact"]["id"]
    assert data["duplicate_id"] == event["data"]["duplicate"]["id"]


def test_a_run_step_names_its_run_node_and_status() -> None:
    # Given the sample automation.step_recorded event / When it becomes a live message
    data = message_of(_detail("automation.step_recorded"))["data"]
    # Then the run inspector can colour the node without a refetch
    assert {key: data[key] for key in ("run_id", "flow_id", "node", "action", "status")} == {
        "run_id": "3Q2V9D1K7M4N6P8R0S2T4V6W8X", "flow_id": "01M80GQ4A1B2C3D4E5F6G7H8J9", "node": "text",
        "action": "send_sms", "status": "done"}


def test_a_ping_gets_a_pong() -> None:
    # Given a browser's keep-alive / When it is answered / Then it is a pong
    assert reply_to('{"action": "ping"}') == {"type": "pong"}


@pytest.mark.parametrize("body,field", [('{"action": "subscribe"}', "action"), ("{}", "action"), ("[1]", "action"),
                                        ("not json", "(body)"), ('{"action": "ping", "x": NaN}', "(body)")])
def test_anything_else_sent_on_the_socket_is_a_4xx_naming_the_field(body: str, field: str) -> None:
    # Given something that is not a ping / When it is answered
    with pytest.raises(DomainError) as raised:
        reply_to(body)
    # Then it is a client error that names the field
    assert 400 <= raised.value.status < 500
    assert field in json.dumps(raised.value.details)
