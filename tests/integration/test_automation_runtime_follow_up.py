"""End to end on moto: a published follow-up flow, triggered by a tag, driven by the real action worker."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from leadpilot.automation.runs.config import runtime_config
from tests.integration.test_automation_runtime_helpers import (
    THREE_DAYS_IN_ONE_SECOND,
    deliver,
    drive,
    follow_up_flow,
    texts,
    trigger_envelopes,
)
from tests.support.apps import Api


@pytest.fixture
def fast_time(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LEADPILOT_TIME_SCALE", str(round(1 / THREE_DAYS_IN_ONE_SECOND)))  # a speed-up factor
    runtime_config.cache_clear()
    yield
    runtime_config.cache_clear()


def enrolled_lead(cloud: Any, api: Api, owner: dict[str, Any]) -> tuple[str, str, str]:
    """Publish the follow-up flow, tag a contact new-lead, deliver the tag event twice: (token, contact, run)."""
    token = owner["access_token"]
    flow = api.post("/flows", follow_up_flow(), token=token)
    assert flow.status == 201, flow
    published = api.post(f"/flows/{flow.body['id']}/publish", token=token)
    assert published.status == 201 and published.body["version"] == 1, published
    contact = api.post("/contacts", {"first_name": "Ada", "phone": "+14155550101"}, token=token).body
    trigger_envelopes(cloud)  # contact.created: no flow listens to it
    assert api.post(f"/contacts/{contact['id']}/tags", {"add": ["new-lead"]}, token=token).status == 200
    envelopes = trigger_envelopes(cloud)
    assert sorted(e["detail-type"] for e in envelopes) == ["contact.tag_added", "contact.updated"]
    deliver(envelopes)
    deliver(envelopes)  # the same event again (at-least-once delivery)
    runs = api.get(f"/flows/{flow.body['id']}/runs", token=token).body["items"]
    assert len(runs) == 1, runs
    return token, contact["id"], runs[0]["id"]


def test_no_reply_sends_one_plus_four_texts_then_creates_one_task(cloud: Any, api: Api, owner: dict[str, Any],
                                                                   fast_time: None) -> None:
    # Given a contact enrolled once in the follow-up flow, although its trigger event came twice
    token, contact_id, run_id = enrolled_lead(cloud, api, owner)
    ws = owner["workspace"]["id"]

    # When the action worker runs and the contact never replies
    run = drive(cloud, api, token, run_id, ws, contact_id)

    # Then exactly 1 + 4 texts went out, one task was created for the owner, and the run succeeded
    assert run["status"] == "succeeded", run
    sent = texts(ws, contact_id)
    assert len(sent) == 5 and sent[0]["body"] == "Hi Ada, any questions?" and sent[0]["to"] == "+14155550101"
    tasks = api.get("/tasks?view=team", token=token).body["items"]
    assert [t["title"] for t in tasks] == ["Call Ada"]
    assert tasks[0]["related_to"] == {"type": "contact", "id": contact_id}
    assert tasks[0]["assignee_id"] == owner["user"]["id"]


def test_a_reply_after_the_second_text_stops_the_follow_ups(cloud: Any, api: Api, owner: dict[str, Any],
                                                             fast_time: None) -> None:
    # Given a contact enrolled in the follow-up flow
    token, contact_id, run_id = enrolled_lead(cloud, api, owner)
    ws = owner["workspace"]["id"]

    # When the contact replies while the run waits after the second text
    run = drive(cloud, api, token, run_id, ws, contact_id, reply_after_texts=2)

    # Then no more texts are sent, no task is created, and the run ended on its "replied" path
    assert run["status"] == "succeeded", run
    assert len(texts(ws, contact_id)) == 2
    assert api.get("/tasks?view=team", token=token).body["items"] == []
    assert run["current_node"] == "await"
