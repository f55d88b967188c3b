"""Every function admits the dashboard's origin (DASHBOARD_ORIGIN from the template) on its replies, errors too."""
from __future__ import annotations

from typing import Any

import pytest

from leadpilot.settings import get_settings
from tests.support.apps import Api, template_routes

PASSWORD = "correct-horse-battery"


@pytest.fixture
def dashboard(cloud: Any) -> str:
    """The origin the template gives every function: the distribution's domain unless DashboardOrigin is set."""
    origin = str(cloud.function("ContactsFunction").environment["DASHBOARD_ORIGIN"])
    assert origin.startswith("https://") and origin.endswith(".cloudfront.net")
    return origin


def test_every_function_with_routes_admits_the_dashboard(api: Api, dashboard: str) -> None:
    # Given one listing route of each function that serves HTTP (no path parameter, no token: a 401)
    routes: dict[str, str] = {}
    for route in template_routes():
        if route.method == "GET" and "{" not in route.path and not route.path.startswith(("/dev/", "/e/")):
            routes.setdefault(route.function, route.path)
    assert len(routes) >= 10
    for function, path in routes.items():
        # When the dashboard calls it
        reply = api.get(path, headers={"Origin": dashboard})
        # Then the dashboard's script may read the reply, whatever its status
        assert reply.headers.get("access-control-allow-origin") == dashboard, (function, path, reply)
        assert "Origin" in reply.headers.get("vary", ""), (function, path)


def test_the_dashboard_reads_successes_and_the_fields_an_error_names(api: Api, owner: dict[str, Any],
                                                                      dashboard: str) -> None:
    # Given the dashboard's origin on a log-in, a bad sign-up and a call without a token
    sent = {"Origin": dashboard}
    login = api.post("/auth/login", {"email": owner["user"]["email"], "password": PASSWORD}, headers=sent)
    invalid = api.post("/auth/signup", {"email": "nope"}, headers=sent)
    anonymous = api.get("/me", headers=sent)
    # Then each reply is the API's own, readable by the dashboard
    assert login.status == 200 and login.headers["access-control-allow-origin"] == dashboard
    assert invalid.status == 422 and invalid.headers["access-control-allow-origin"] == dashboard
    assert anonymous.status == 401 and anonymous.headers["access-control-allow-origin"] == dashboard
    assert "Retry-After" in anonymous.headers["access-control-expose-headers"]


def test_another_site_and_a_server_get_no_cors_grant(api: Api, owner: dict[str, Any], dashboard: str) -> None:
    # Given a page of another site, and a caller that sends no Origin (curl, a server)
    other = api.get("/me", token=owner["access_token"], headers={"Origin": "https://evil.example"})
    server = api.get("/me", token=owner["access_token"])
    # Then both are answered, but no browser page may read the first, and the second carries no CORS header
    assert other.status == 200 and "access-control-allow-origin" not in other.headers
    assert other.headers["vary"] == "Origin"
    assert server.status == 200 and not any(name.startswith("access-control-") for name in server.headers)


def test_a_custom_dashboard_origin_replaces_the_distribution(api: Api, owner: dict[str, Any], dashboard: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a stack deployed with DashboardOrigin=https://app.example.com
    monkeypatch.setenv("DASHBOARD_ORIGIN", "https://app.example.com")
    get_settings.cache_clear()
    # When the custom domain and the distribution's own domain call the API
    custom = api.get("/me", token=owner["access_token"], headers={"Origin": "https://app.example.com"})
    distribution = api.get("/me", token=owner["access_token"], headers={"Origin": dashboard})
    # Then only the configured origin is admitted
    assert custom.headers.get("access-control-allow-origin") == "https://app.example.com"
    assert "access-control-allow-origin" not in distribution.headers
