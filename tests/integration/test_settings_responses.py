"""The settings routes' changes (PATCH, PUT, and creates the shared check skips) answer as the document says."""
from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from leadpilot.api import openapi
from tests.integration.conftest import sign_up
from tests.support.apps import Api


def _errors(method: str, path: str, status: int, body: Any) -> list[str]:
    document = openapi.document()
    schema = document["paths"][path][method.lower()]["responses"][str(status)]["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": document["components"]}, format_checker=FormatChecker())
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(body)]


def test_settings_changes_answer_as_the_document_says(api: Api) -> None:
    # Given a workspace with a second member
    token = sign_up(api, "Settings")["access_token"]
    invite = api.post("/workspace/invites", {"email": "second@settings.test", "role": "admin"}, token=token)
    joined = api.post("/auth/accept-invite", {"token": invite.body["token"], "password": "correct-horse-battery",
                                              "name": "Second"})
    assert joined.status == 200, joined
    user_id = joined.body["member"]["user_id"]
    changes: list[tuple[str, str, str, Any]] = [
        ("POST", "/workspace/invites", "/workspace/invites", {"email": "third@settings.test"}),
        ("POST", "/workspace/api-keys", "/workspace/api-keys", {"name": "Zapier", "scopes": ["write"]}),
        ("POST", "/phone-numbers", "/phone-numbers", {"number": "+14155550123"}),
        ("PATCH", "/workspace", "/workspace", {"name": "Renamed", "timezone": "Europe/Paris"}),
        ("PATCH", "/workspace/members/{user_id}", f"/workspace/members/{user_id}", {"role": "member"}),
        ("PUT", "/messaging/settings", "/messaging/settings",
         {"business_name": "Renamed Co", "quiet_hours": {"enabled": True, "start": "09:00", "end": "18:30"}}),
        ("PUT", "/email/sender", "/email/sender", {"email": "hello@settings.test", "name": "Renamed"}),
        ("PUT", "/usage/limits", "/usage/limits", {"limits": {"emails": {"month": 500, "day": None}}}),
        ("PATCH", "/notifications/preferences", "/notifications/preferences", {"mention": {"in_app": False}}),
    ]
    # When each is made / Then its answer matches the response schema of its route, with the secrets shown once
    for method, route, path, body in changes:
        reply = api.call(method, path, body, token=token)
        assert reply.status in (200, 201), (method, path, reply)
        assert _errors(method, route, reply.status, reply.body) == [], (method, path)
    key = api.get("/workspace/api-keys", token=token).body["items"][0]
    assert "key" not in key and key["name"] == "Zapier"
