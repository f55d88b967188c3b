"""Saved text templates: checked when saved, previewed with segments, used by POST /sms and /sms/bulk; a
text keeps the body it was queued with when the template changes later."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.conftest import sign_up
from tests.integration.messaging_helpers import configure_sandbox, setup_workspace
from tests.support.apps import Api


@pytest.fixture
def sms_cloud(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    yield from configure_sandbox(cloud, monkeypatch)


def test_a_saved_template_is_previewed_sent_and_edited_safely(sms_cloud: Any, api: Api,
                                                              owner: dict[str, Any]) -> None:
    # Given a workspace with a contact and a saved template
    token = owner["access_token"]
    contact_id = setup_workspace(api, token)["contact"]["id"]
    created = api.post("/sms-templates", {"name": "Reminder", "body": "Hi {{first_name|there}}, see you soon!"},
                       token=token)
    assert created.status == 201, created
    template = created.body
    assert template["variables"] == ["contact.first_name"]
    assert template["segments"]["encoding"] == "GSM-7" and template["segments"]["segments"] == 1

    # When it is previewed for the contact and sent
    preview = api.post("/sms/preview", {"template_id": template["id"], "contact_id": contact_id}, token=token)
    sent = api.post("/sms", {"contact_id": contact_id, "template_id": template["id"]}, token=token)

    # Then both use its body with the contact's name
    assert preview.status == 200 and preview.body["text"] == "Hi Ada, see you soon!", preview
    assert sent.status == 202 and sent.body["body"] == "Hi Ada, see you soon!", sent

    # When the template is edited afterwards
    edited = api.patch(f"/sms-templates/{template['id']}", {"body": "Hello {{first_name|there}}!"}, token=token)

    # Then the queued text keeps what it was queued with, and the template lists its new version
    assert edited.status == 200 and edited.body["version"] == 2
    assert api.get(f"/sms/{sent.body['id']}", token=token).body["body"] == "Hi Ada, see you soon!"
    assert [t["name"] for t in api.get("/sms-templates", token=token).body["items"]] == ["Reminder"]
    assert api.delete(f"/sms-templates/{template['id']}", token=token).status == 204
    assert api.get(f"/sms-templates/{template['id']}", token=token).status == 404


def test_bad_templates_and_requests_name_the_field(sms_cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    contact_id = setup_workspace(api, token)["contact"]["id"]
    unknown = api.post("/sms-templates", {"name": "X", "body": "Hi {{favourite_colour}}"}, token=token)
    blank = api.post("/sms-templates", {"name": "X", "body": "   "}, token=token)
    template_id = api.post("/sms-templates", {"name": "Ok", "body": "Hi"}, token=token).body["id"]
    both = api.post("/sms", {"contact_id": contact_id, "body": "Hi", "template_id": template_id}, token=token)
    neither = api.post("/sms", {"contact_id": contact_id}, token=token)
    missing = api.post("/sms", {"contact_id": contact_id, "template_id": "01M80A45J90JMESM0AR82N1PFF"}, token=token)

    assert unknown.status == 422 and unknown.body["error"]["details"]["errors"][0]["field"] == "body", unknown
    assert blank.status == 422 and blank.body["error"]["details"]["errors"][0]["field"] == "body"
    assert both.status == 422 and both.body["error"]["details"]["errors"][0]["field"] == "template_id"
    assert neither.status == 422 and neither.body["error"]["details"]["errors"][0]["field"] == "body"
    assert missing.status == 404 and missing.body["error"]["details"]["field"] == "template_id"
    assert api.get(f"/conversations/{contact_id}/messages", token=token).body["items"] == []


def test_another_workspace_cannot_send_with_a_template_it_does_not_own(sms_cloud: Any, api: Api,
                                                                       owner: dict[str, Any]) -> None:
    template_id = api.post("/sms-templates", {"name": "Mine", "body": "Secret offer"},
                           token=owner["access_token"]).body["id"]
    other = sign_up(api, "Other")["access_token"]
    contact_id = setup_workspace(api, other, phone="+14155550124")["contact"]["id"]
    reply = api.post("/sms", {"contact_id": contact_id, "template_id": template_id}, token=other)
    assert reply.status == 404 and "Secret offer" not in reply.raw
