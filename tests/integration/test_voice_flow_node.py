"""The AI call flow node: a compiled flow places the call and takes the edge of how it went — voicemail, or
answered with the analysed outcome label."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.test_automation_steps_helpers import contact_tags, enroll, run_to_end, tagged_flow
from tests.integration.test_voice_outbound import zone_at
from tests.integration.voice_helpers import analyse, number, simulator, voice_cloud
from tests.support.apps import Api
from tests.support.http_stub import Stub


@pytest.fixture
def online(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Stub]]:
    with voice_cloud(cloud, monkeypatch) as stubs:
        yield stubs


def call_flow() -> dict[str, Any]:
    tags = {"on_answered": "answered", "on_voicemail": "voicemail", "on_no_answer": "no-answer",
            "on_interested": "interested"}
    nodes = [{"id": "call", "type": "ai_call", "purpose": "Follow up with {{contact.first_name}}",
              "consent": "existing_customer", "outcomes": ["interested"]},
             *({"id": nid, "type": "add_tag", "tag": tag} for nid, tag in tags.items()),
             {"id": "done", "type": "end"}]
    edges = [*({"from": "call", "to": nid, "label": nid.removeprefix("on_")} for nid in tags),
             *({"from": nid, "to": "done"} for nid in tags)]
    return tagged_flow("call-me", nodes, edges)


def _enrolled(cloud: Any, api: Api, token: str) -> tuple[str, str]:
    api.post("/contact-fields", {"key": "timezone", "label": "Time zone", "type": "text"}, token=token)
    person = {"first_name": "Ada", "phone": "+14155550101", "custom_fields": {"timezone": zone_at(12)}}
    _, contact_id, run_id = enroll(cloud, api, token, call_flow(), person)
    return contact_id, run_id


def test_an_answered_call_takes_the_edge_of_its_analysed_outcome(
        cloud: Any, online: tuple[Any, Stub], api: Api, owner: dict[str, Any]) -> None:
    # Given a flow whose AI call node has an "interested" edge, and a contact enrolled in it
    chat, gateway = online
    token, ws = owner["access_token"], owner["workspace"]["id"]
    number(api, token)
    contact_id, run_id = _enrolled(cloud, api, token)
    sim = simulator(api, gateway)
    done: list[str] = []

    def pick_up() -> None:
        placed = api.get(f"/calls?contact_id={contact_id}", token=token).body["items"]
        if placed and not done:
            # When the contact picks up, talks to the agent, hangs up, and the call is analysed
            call = sim.answer(placed[0], ws, answered_by="human")
            assert call.relay is not None and call.relay.prompt("Yes, I'm interested")
            sim.status(placed[0]["provider_sid"], "completed", duration=20,
                       url=sim.hook("status", ws, placed[0]["id"]))
            assert analyse(cloud) == 1
            done.append(placed[0]["id"])

    run = run_to_end(cloud, api, token, run_id, between=pick_up)

    # Then the run took the "interested" edge, and the agent knew why it called
    assert run["status"] == "succeeded", run
    assert "interested" in contact_tags(api, token, contact_id)
    assert not {"answered", "voicemail", "no-answer"} & set(contact_tags(api, token, contact_id))
    system = next(r for r in chat.requests if r.get("stream"))["messages"][0]["content"]
    assert "Follow up with Ada" in system
    assert api.get(f"/calls/{done[0]}", token=token).body["outcome"] == "interested"


def test_a_voicemail_takes_the_voicemail_edge(
        cloud: Any, online: tuple[Any, Stub], api: Api, owner: dict[str, Any]) -> None:
    # Given a contact enrolled in the flow
    _, gateway = online
    token, ws = owner["access_token"], owner["workspace"]["id"]
    number(api, token)
    contact_id, run_id = _enrolled(cloud, api, token)
    sim = simulator(api, gateway)

    def machine() -> None:
        placed = api.get(f"/calls?contact_id={contact_id}", token=token).body["items"]
        if placed and placed[0]["status"] == "queued":
            # When an answering machine picks up and the call ends
            sim.answer(placed[0], ws, answered_by="machine_end_beep")
            sim.status(placed[0]["provider_sid"], "completed", duration=25,
                       url=sim.hook("status", ws, placed[0]["id"]))

    run = run_to_end(cloud, api, token, run_id, between=machine)

    # Then the run took the voicemail edge
    assert run["status"] == "succeeded", run
    assert contact_tags(api, token, contact_id) == ["call-me", "voicemail"]
