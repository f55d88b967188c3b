"""POST /flows/generate: offline patterns without a key; the real openai client against a local stub with one."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from leadpilot.automation.ai.provider import ai_config
from tests.support.apps import Api
from tests.support.http_stub import Recorded, Reply, Stub, chat_completion, http_stub


@pytest.fixture(autouse=True)
def fresh_ai_config() -> Iterator[None]:
    ai_config.cache_clear()
    yield
    ai_config.cache_clear()


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    ai_config.cache_clear()
    yield
    ai_config.cache_clear()


def keyed(monkeypatch: pytest.MonkeyPatch, stub: Stub) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-stub")
    monkeypatch.setenv("OPENAI_BASE_URL", stub.url + "/v1")
    monkeypatch.setenv("OPENAI_MODEL", "gpt-4o-mini")
    ai_config.cache_clear()


def model_flow(*, with_end_edge: bool = True) -> dict[str, Any]:
    """A flow as the model answers in the strict schema: optional fields null, maps as key/value pairs."""
    edges = [{"from": "start", "to": "text", "label": None}, {"from": "text", "to": "mark", "label": None}]
    if with_end_edge:
        edges.append({"from": "mark", "to": "done", "label": None})
    return {"name": "Say hello", "description": None,
            "trigger": {"event": "contact.tag_added", "reentry": None,
                        "filters": [{"var": "trigger.data.tag", "op": "eq", "value": "hello"}]},
            "nodes": [{"id": "start", "type": "trigger", "name": None},
                      {"id": "text", "type": "send_sms", "name": None, "body": "Hi {{contact.first_name|there}}"},
                      {"id": "mark", "type": "update_contact", "name": None,
                       "fields": [{"key": "source", "value": "ai-flow"}]},
                      {"id": "done", "type": "end", "name": None, "outcome": None}],
            "edges": edges}


def test_offline_builder_saves_a_follow_up_draft_from_a_sentence(api: Api, owner: dict[str, Any],
                                                                  offline: None) -> None:
    # Given no OpenAI key
    token = owner["access_token"]

    # When a flow is asked for in plain words
    reply = api.post("/flows/generate", {"prompt": "Create a flow that follows up every 3 days until reply, "
                                                   "at most 4 times, by email, for contacts tagged webinar"},
                     token=token)

    # Then a draft that validates and compiles was saved, built offline from the numbers in the sentence
    assert reply.status == 201, reply
    assert reply.body["generator"] == "offline" and "offline" in reply.body["notice"]
    assert reply.body["pattern"] == "follow_up_until_reply"
    flow = reply.body["flow"]
    doc = flow["document"]
    assert flow["status"] == "draft" and api.get(f"/flows/{flow['id']}", token=token).status == 200
    assert doc["trigger"]["filters"][0]["value"] == "webinar"
    waits = [n for n in doc["nodes"] if n["type"] == "wait_for_reply"]
    assert waits and all(n["timeout"] == {"days": 3} and n["channel"] == "email" for n in waits)
    assert next(n for n in doc["nodes"] if n["type"] == "loop")["max_iterations"] == 4
    assert {n["type"] for n in doc["nodes"]} >= {"send_email", "wait_for_reply", "loop", "end"}
    assert reply.body["compiled"]["states"] > 0
    # and it can be published as it is
    assert api.post(f"/flows/{flow['id']}/publish", token=token).status == 201


@pytest.mark.parametrize(("prompt", "pattern", "trigger"), [
    ("Send a welcome series of 3 emails, 2 days apart", "welcome_series", "contact.created"),
    ("Notify me when a deal changes stage", "stage_change_notification", "pipeline.stage_changed"),
    ("Remind contacts of their appointment 1 day and 1 hour before by text", "appointment_reminders",
     "appointment.booked"),
])
def test_offline_builder_knows_the_common_patterns(api: Api, owner: dict[str, Any], offline: None, prompt: str,
                                                   pattern: str, trigger: str) -> None:
    # When one of the other known patterns is asked for
    reply = api.post("/flows/generate", {"prompt": prompt, "name": "Mine"}, token=owner["access_token"])

    # Then its draft is saved under the given name
    assert reply.status == 201, reply
    assert reply.body["pattern"] == pattern and reply.body["flow"]["name"] == "Mine"
    assert reply.body["flow"]["document"]["trigger"]["event"] == trigger


def test_offline_builder_refuses_an_unknown_sentence_listing_what_it_knows(api: Api, owner: dict[str, Any],
                                                                         offline: None) -> None:
    # When a sentence matches no pattern
    reply = api.post("/flows/generate", {"prompt": "Order pizza for the team on Fridays"},
                     token=owner["access_token"])

    # Then 422 names the prompt and lists the patterns; nothing was saved
    assert reply.status == 422, reply
    details = reply.body["error"]["details"]
    assert details["errors"][0]["field"] == "prompt" and details["generator"] == "offline"
    assert {p["pattern"] for p in details["patterns"]} == {"follow_up_until_reply", "welcome_series",
                                                           "stage_change_notification", "appointment_reminders"}
    assert api.get("/flows", token=owner["access_token"]).body["items"] == []


def test_a_request_without_a_prompt_is_refused(api: Api, owner: dict[str, Any], offline: None) -> None:
    reply = api.post("/flows/generate", {"name": "x"}, token=owner["access_token"])
    assert reply.status == 422 and "prompt" in reply.body["error"]["message"], reply


def test_openai_draft_is_retried_once_with_its_errors_then_saved(api: Api, owner: dict[str, Any],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # Given an OpenAI endpoint whose first draft lacks an edge and whose second is valid
    def script(request: Recorded, index: int) -> Reply:
        return chat_completion(model_flow(with_end_edge=index > 0))

    with http_stub(script) as stub:
        keyed(monkeypatch, stub)

        # When a flow is generated
        reply = api.post("/flows/generate", {"prompt": "Text hello to contacts tagged hello, then mark them"},
                         token=owner["access_token"])

    # Then the real client sent the strict flow schema, got the errors back once, and the fixed draft was saved
    assert reply.status == 201, reply
    assert reply.body["generator"] == "openai" and reply.body["attempts"] == 2
    first, second = (r.json() for r in stub.requests)
    assert stub.requests[0].path == "/v1/chat/completions"
    assert stub.requests[0].headers["authorization"] == "Bearer sk-test-stub"
    schema = first["response_format"]
    assert schema["type"] == "json_schema" and schema["json_schema"]["strict"] is True
    node_types = {v["properties"]["type"]["const"]
                  for v in schema["json_schema"]["schema"]["properties"]["nodes"]["items"]["anyOf"]}
    assert {"send_sms", "webhook", "human_handoff", "ai_condition", "wait_for_event"} <= node_types
    assert "missing outgoing edge" in second["messages"][-1]["content"]
    doc = reply.body["flow"]["document"]
    assert next(n for n in doc["nodes"] if n["id"] == "mark")["fields"] == {"source": "ai-flow"}
    assert all(None not in e.values() for e in doc["edges"]) and "description" not in doc
    # and the tokens of both calls (20 each) were metered as ai_tokens, on the platform's key
    usage = api.get("/usage", token=owner["access_token"]).body["counters"]["ai_tokens"]
    assert usage["day"]["used"] == 40 and usage["month"]["used"] == 40, usage


def test_openai_drafts_invalid_twice_give_422_with_the_errors(api: Api, owner: dict[str, Any],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # Given an OpenAI endpoint that keeps answering a flow with a dangling node
    with http_stub(lambda request, index: chat_completion(model_flow(with_end_edge=False))) as stub:
        keyed(monkeypatch, stub)

        # When a flow is generated
        reply = api.post("/flows/generate", {"prompt": "Text hello"}, token=owner["access_token"])

    # Then after exactly one retry the errors come back and nothing is saved
    assert reply.status == 422, reply
    assert len(stub.requests) == 2
    errors = reply.body["error"]["details"]["errors"]
    assert {"node": "mark", "field": "edges", "message": "missing outgoing edge labelled 'next'"} in errors
    assert api.get("/flows", token=owner["access_token"]).body["items"] == []


def test_an_openai_outage_is_a_503_not_a_500(api: Api, owner: dict[str, Any],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    with http_stub(lambda request, index: (500, {}, json.dumps({"error": {"message": "boom"}}).encode())) as stub:
        keyed(monkeypatch, stub)
        reply = api.post("/flows/generate", {"prompt": "Text hello"}, token=owner["access_token"])
    assert reply.status == 503 and reply.body["error"]["code"] == "ai_unavailable", reply
