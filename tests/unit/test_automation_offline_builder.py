"""The offline flow builder and the strict schema sent to OpenAI (no network, no AWS)."""
from __future__ import annotations

from typing import Any

import pytest

from leadpilot.automation.ai import offline_builder
from leadpilot.automation.ai.strict_schema import from_strict, strict_flow_schema
from leadpilot.automation.flows.compiler import compile_flow
from leadpilot.automation.flows.validate import validate_flow
from leadpilot.errors import ValidationFailed


def built(prompt: str) -> tuple[str, dict[str, Any]]:
    pattern, doc = offline_builder.build(prompt)
    compile_flow(validate_flow(doc), action_queue_url="https://q", flow_id="f", version=1)  # valid and compilable
    return pattern, doc


def nodes_of(doc: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [n for n in doc["nodes"] if n["type"] == kind]


@pytest.mark.parametrize(("text", "expected"), [
    ("every 3 days", {"days": 3}), ("every day", {"days": 1}), ("every two weeks", {"days": 14}),
    ("every 6 hours", {"hours": 6}), ("2 days apart", {"days": 2}), ("whenever", {"days": 5}),
])
def test_interval_reads_every_n_units(text: str, expected: dict[str, int]) -> None:
    assert offline_builder.interval(text, {"days": 5}) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("at most 4 times", 4), ("up to two follow-ups", 2), ("5 times", 5), ("no more than 99 times", 20),
    ("twice", 2), ("until they reply", 3),
])
def test_times_reads_the_count_with_a_cap(text: str, expected: int) -> None:
    assert offline_builder.times(text, 3) == expected


def test_follow_up_reads_interval_count_channel_and_tag() -> None:
    # When a follow-up is described with all its numbers
    pattern, doc = built('Email leads tagged "webinar" every 2 days until they reply, at most 5 times, '
                         "then create a task for the owner")

    # Then the flow uses them
    assert pattern == "follow_up_until_reply"
    assert doc["trigger"] == {"event": "contact.tag_added",
                              "filters": [{"var": "trigger.data.tag", "op": "eq", "value": "webinar"}]}
    assert nodes_of(doc, "loop")[0]["max_iterations"] == 5
    assert all(w["timeout"] == {"days": 2} and w["channel"] == "email" for w in nodes_of(doc, "wait_for_reply"))
    assert nodes_of(doc, "send_email") and not nodes_of(doc, "send_sms")
    assert nodes_of(doc, "create_task")[0]["assignee"] == "owner"


@pytest.mark.parametrize("prompt", ["Text new leads every 3 days until they reply, at most 4 times",
                                    "Follow up every day until reply, then create a task to call them"])
def test_follow_up_ends_name_their_exit(prompt: str) -> None:
    # When a follow-up flow is built, with or without a task at the end
    _, doc = built(prompt)
    flow = validate_flow(doc)

    # Then a reply leads to the end "replied" and running out of follow-ups to the end "max_follow_ups"
    ends = {n["id"]: n["outcome"] for n in nodes_of(doc, "end")}
    assert ends == {"replied": "replied", "max_follow_ups": "max_follow_ups"}
    assert {flow.outgoing(w["id"])["reply"] for w in nodes_of(doc, "wait_for_reply")} == {"replied"}
    after_last = flow.outgoing("last_wait")["timeout"]
    assert flow.outgoing(after_last).get("next", after_last) == "max_follow_ups"


def test_follow_up_defaults_to_sms_every_three_days_for_new_contacts() -> None:
    _, doc = built("Create a flow that follows up until reply")
    assert doc["trigger"] == {"event": "contact.created"}
    assert nodes_of(doc, "wait_for_reply")[0]["timeout"] == {"days": 3} and nodes_of(doc, "send_sms")
    assert not nodes_of(doc, "create_task")


def test_welcome_series_has_the_asked_number_of_messages_and_gaps() -> None:
    pattern, doc = built("Send a welcome series of 4 emails, 3 days apart")
    assert pattern == "welcome_series"
    assert len(nodes_of(doc, "send_email")) == 4
    assert [d["days"] for d in nodes_of(doc, "delay")] == [3, 3, 3]


def test_stage_change_notifies_the_owner_by_task() -> None:
    pattern, doc = built("Let me know with a task when a deal moves to another stage")
    assert pattern == "stage_change_notification" and doc["trigger"]["event"] == "pipeline.stage_changed"
    assert nodes_of(doc, "create_task")[0]["assignee"] == "owner"


def test_appointment_reminders_wait_until_before_the_start() -> None:
    pattern, doc = built("Remind contacts of their appointment 2 days and 3 hours before")
    assert pattern == "appointment_reminders"
    assert [d["until"] for d in nodes_of(doc, "delay")] == [
        {"field": "trigger.data.starts_at", "before": {"days": 2}},
        {"field": "trigger.data.starts_at", "before": {"hours": 3}}]


def test_an_unknown_sentence_is_refused_with_the_known_patterns() -> None:
    with pytest.raises(ValidationFailed) as raised:
        offline_builder.build("Book a table for two")
    assert raised.value.details["errors"][0]["field"] == "prompt"
    assert len(raised.value.details["patterns"]) == len(offline_builder.PATTERNS)


def _objects(schema: Any) -> list[dict[str, Any]]:
    if isinstance(schema, dict):
        found = [schema] if schema.get("type") == "object" else []
        return found + [o for v in schema.values() for o in _objects(v)]
    if isinstance(schema, list):
        return [o for v in schema for o in _objects(v)]
    return []


def _keywords(schema: Any) -> set[str]:
    """The schema keywords used anywhere (property names under `properties` are not keywords)."""
    if isinstance(schema, list):
        return {k for v in schema for k in _keywords(v)}
    if not isinstance(schema, dict):
        return set()
    found = set(schema) - {"properties"}
    found |= {k for v in schema.get("properties", {}).values() for k in _keywords(v)}
    return found | {k for key, v in schema.items() if key != "properties" for k in _keywords(v)}


def test_the_strict_schema_obeys_openai_strict_mode() -> None:
    # Given the schema derived from flow.json
    schema = strict_flow_schema()

    # Then every object is closed with every property required, and no unsupported keyword remains
    objects = _objects(schema)
    assert objects and all(o["additionalProperties"] is False and set(o["required"]) == set(o["properties"])
                           for o in objects)
    assert not _keywords(schema) & {"oneOf", "allOf", "if", "then", "not", "minLength", "maxLength",
                                    "propertyNames", "uniqueItems", "$ref", "format", "minProperties"}


def test_a_strict_answer_turns_back_into_a_valid_flow() -> None:
    # Given an answer in the strict shape: optional fields null, maps as key/value pairs
    answer = {"name": "Hook", "description": None, "trigger": {"event": "contact.created", "filters": None,
                                                               "reentry": None},
              "nodes": [{"id": "start", "type": "trigger", "name": None},
                        {"id": "call", "type": "webhook", "name": None, "url": "https://example.com/x",
                         "method": None, "body": None, "signed": True,
                         "headers": [{"key": "X-Token", "value": "abc"}],
                         "response_mapping": [{"key": "plan", "value": "$.plan"}]},
                        {"id": "done", "type": "end", "name": None, "outcome": None}],
              "edges": [{"from": "start", "to": "call", "label": None}, {"from": "call", "to": "done", "label": None}]}

    # When it is converted
    doc = from_strict(answer)

    # Then it is a valid flow document with real maps
    validate_flow(doc)
    call = doc["nodes"][1]
    assert call["headers"] == {"X-Token": "abc"} and call["response_mapping"] == {"plan": "$.plan"}
    assert "method" not in call and "description" not in doc
