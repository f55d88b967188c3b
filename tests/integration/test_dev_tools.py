"""The sandboxes' /dev/* routes: on in the local cloud, 404 in a deployed stage (template parameter DevTools)."""
from __future__ import annotations

from typing import Any

import pytest

from infra.local.template import Resolver, load_template
from leadpilot.settings import get_settings
from tests.support.apps import TEMPLATE, Api, template_routes

DEV_ROUTES = sorted({(r.method, r.path) for r in template_routes() if r.path.startswith("/dev/")})


def test_a_deployed_stage_has_dev_tools_off_by_default() -> None:
    # Given the template deployed with only the required parameters (what `make deploy` passes)
    resolver = Resolver(load_template(TEMPLATE), {"Stage": "prod", "JwtSecret": "s" * 40})

    # When the functions' environment is resolved
    env = resolver.resolve(resolver.template["Globals"]["Function"]["Environment"]["Variables"])

    # Then every function is told the dev tools are off
    assert env["LEADPILOT_DEV_TOOLS"] == "off"


def test_a_deployed_stage_answers_404_on_every_dev_route(cloud: Any, api: Api, owner: dict[str, Any],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a stage deployed with DevTools off, and a signed-in owner
    assert DEV_ROUTES, "the template declares /dev/* routes"
    monkeypatch.setenv("LEADPILOT_DEV_TOOLS", "off")
    get_settings.cache_clear()

    for method, path in DEV_ROUTES:
        # When the owner, and someone without credentials, call a /dev/* route
        signed_in = api.call(method, path, {}, token=owner["access_token"])
        anonymous = api.call(method, path, {})

        # Then both get a 404 in the one error shape, naming the path
        for reply in (signed_in, anonymous):
            assert reply.status == 404, (method, path, reply)
            assert reply.body["error"]["code"] == "not_found" and reply.body["error"]["details"] == {"field": "path"}


def test_the_local_cloud_serves_the_dev_routes(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given the local cloud's provisioning (DevTools on)
    assert cloud.parameters["DevTools"] == "on"
    token = owner["access_token"]

    # When the owner looks at the captured emails and the SMS simulator's outbox
    emails = api.get("/dev/emails", token=token)
    outbox = api.get("/dev/sms/outbox", token=token)

    # Then both answer with their (empty) lists
    assert emails.status == 200 and emails.body == {"items": [], "next_cursor": None}
    assert outbox.status == 200 and outbox.body == {"items": [], "next_cursor": None}


def test_the_local_cloud_makes_the_signed_in_user_a_platform_administrator(cloud: Any, api: Api,
                                                                            owner: dict[str, Any]) -> None:
    # Given a signed-in owner who is not a platform administrator (the browser tests need one on the local cloud)
    assert api.get("/platform/workspaces", token=owner["access_token"]).status == 403

    # When they ask the dev route to grant it, and log in again (the flag is read at login)
    granted = api.post("/dev/platform-admin", {}, token=owner["access_token"])
    login = api.post("/auth/login", {"email": owner["user"]["email"], "password": "correct-horse-battery"})

    # Then they are one from that login on: /me says so and the platform routes answer
    assert granted.status == 200 and granted.body == {"user_id": owner["user"]["id"], "platform_admin": True}
    token = login.body["access_token"]
    assert api.get("/me", token=token).body["platform_admin"] is True
    assert api.get("/platform/workspaces", token=token).status == 200
    # and without credentials the route grants nothing
    assert api.post("/dev/platform-admin", {}).status == 401
