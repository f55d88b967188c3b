"""AI Condition and AI Generate Message through a real compiled flow: offline rules, and the real openai client
against a local stub."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from leadpilot.automation.ai.provider import ai_config
from leadpilot.automation.runs.models import ActionMarkerItem
from tests.integration.test_automation_runtime_helpers import deliver, reply_envelope, texts, waiting
from tests.integration.test_automation_steps_helpers import contact_tags, enroll, run_to_end, tagged_flow
from tests.support.apps import Api
from tests.support.http_stub import Recorded, Reply, chat_completion, http_stub


@pytest.fixture(autouse=True)
def fresh_ai_config(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    ai_config.cache_clear()
    yield
    ai_config.cache_clear()


def reply_flow() -> dict[str, Any]:
    """Wait for a reply; if it is a yes, thank the contact with a written message, else tag not-interested."""
    return tagged_flow("ai", [
        {"id": "await", "type": "wait_for_reply", "channel": "sms", "timeout": {"days": 3}},
        {"id": "is_yes", "type": "ai_condition", "question": "Does the contact agree to a call?",
         "input": "{{nodes.await.text}}"},
        {"id": "write", "type": "ai_generate_message", "prompt": "Thank {{contact.first_name}} for agreeing",
         "channel": "sms", "save_as": "thanks"},
        {"id": "thank", "type": "send_sms", "body": "{{vars.thanks}}"},
        {"id": "refused", "type": "add_tag", "tag": "not-interested"},
        {"id": "done", "type": "end"},
    ], [{"from": "await", "to": "is_yes", "label": "reply"}, {"from": "await", "to": "done", "label": "timeout"},
        {"from": "is_yes", "to": "write", "label": "yes"}, {"from": "is_yes", "to": "refused", "label": "no"},
        {"from": "write", "to": "thank"}, {"from": "thank", "to": "done"}, {"from": "refused", "to": "done"}])


def play(cloud: Any, api: Api, owner: dict[str, Any], reply: str) -> tuple[str, str, dict[str, Any]]:
    """Enroll a contact, reply `reply` once the run waits, play to the end: (contact id, run id, run)."""
    token, ws = owner["access_token"], owner["workspace"]["id"]
    _, contact_id, run_id = enroll(cloud, api, token, reply_flow())
    sent: list[bool] = []

    def answer() -> None:
        if not sent and waiting(ws, contact_id):
            deliver([reply_envelope(ws, contact_id, reply)])
            sent.append(True)

    return contact_id, run_id, run_to_end(cloud, api, token, run_id, between=answer)


def step_output(owner: dict[str, Any], run_id: str, node: str) -> dict[str, Any]:
    marker = next(m for m in ActionMarkerItem.query(f"WS#{owner['workspace']['id']}#RUN#{run_id}") if m.node == node)
    return dict(json.loads(marker.output or "{}"))


def test_offline_a_yes_reply_gets_a_templated_thank_you(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given no OpenAI key, when the contact replies yes
    contact_id, run_id, run = play(cloud, api, owner, "Yes please, call me tomorrow")

    # Then the offline classifier said yes, the offline writer thanked Ada, and both say they were offline
    assert run["status"] == "succeeded", run
    decision = step_output(owner, run_id, "is_yes")
    assert decision["label"] == "yes" and decision["generator"] == "offline"
    written = step_output(owner, run_id, "write")
    assert written["generator"] == "offline" and "offline" in written["notice"]
    sent = texts(owner["workspace"]["id"], contact_id)
    assert [m["body"] for m in sent] == ["Hi Ada, thank you! We really appreciate it."]


def test_offline_a_refusal_takes_the_no_edge(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    contact_id, run_id, run = play(cloud, api, owner, "No thanks, I'm not interested")
    assert run["status"] == "succeeded", run
    assert step_output(owner, run_id, "is_yes")["label"] == "no"
    assert "not-interested" in contact_tags(api, owner["access_token"], contact_id)
    assert texts(owner["workspace"]["id"], contact_id) == []


def test_with_a_key_the_model_classifies_and_writes(cloud: Any, api: Api, owner: dict[str, Any],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # Given an OpenAI endpoint that says "yes" and then writes a message
    def script(request: Recorded, index: int) -> Reply:
        name = request.json()["response_format"]["json_schema"]["name"]
        if name == "leadpilot_classification":
            return chat_completion({"label": "yes", "reason": "they ask for a call"})
        return chat_completion({"text": "Thanks Ada, talk soon!"})

    with http_stub(script) as stub:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-stub")
        monkeypatch.setenv("OPENAI_BASE_URL", stub.url + "/v1")
        ai_config.cache_clear()

        # When the contact replies something the keyword rules would not understand
        contact_id, run_id, run = play(cloud, api, owner, "tomorrow at 10 works")

    # Then the model's label and text were used, and the requests carried strict schemas with the labels
    assert run["status"] == "succeeded", run
    assert step_output(owner, run_id, "is_yes") == {"label": "yes", "reason": "they ask for a call",
                                                     "generator": "openai", "model": "gpt-4o-mini"}
    assert [m["body"] for m in texts(owner["workspace"]["id"], contact_id)] == ["Thanks Ada, talk soon!"]
    classify = stub.requests[0].json()
    label_schema = classify["response_format"]["json_schema"]
    assert label_schema["strict"] is True and label_schema["schema"]["properties"]["label"]["enum"] == ["yes", "no"]
    assert "tomorrow at 10 works" in classify["messages"][-1]["content"]
    assert "Thank Ada for agreeing" in stub.requests[1].json()["messages"][-1]["content"]
    # and both steps' tokens (20 each) were charged to the run as ai_tokens
    usage = api.get("/usage", token=owner["access_token"]).body["counters"]["ai_tokens"]
    assert len(stub.requests) == 2 and usage["month"]["used"] == 40, usage
