"""The dashboard's origin: read from DASHBOARD_ORIGIN, admitted by CORS, and no other origin with it."""
from __future__ import annotations

import pytest

from leadpilot.api.middleware import cors_headers
from leadpilot.errors import ConfigurationError
from leadpilot.settings import load_settings

ENV = {"LEADPILOT_JWT_SECRET": "s" * 40, "IDENTITY_TABLE": "i", "CRM_TABLE": "c", "EVENT_BUS_NAME": "b"}
DASHBOARD = "https://d111abcdef8.cloudfront.net"


def test_the_origin_is_kept_as_browsers_send_it() -> None:
    # Given origins as people write them: a trailing slash, capitals, a port
    cases = {DASHBOARD + "/": DASHBOARD, "HTTPS://App.Example.com": "https://app.example.com",
             "http://127.0.0.1:5173": "http://127.0.0.1:5173", "": ""}
    for raw, origin in cases.items():
        # When the settings are read / Then the origin is the Origin header's spelling
        assert load_settings({**ENV, "DASHBOARD_ORIGIN": raw}).dashboard_origin == origin, raw
    assert load_settings(ENV).dashboard_origin == ""


def test_a_value_that_is_no_origin_fails_at_cold_start() -> None:
    # Given values a browser never sends as Origin: a path, a wildcard, another scheme, credentials, a list
    for raw in ("https://app.example.com/app", "*", "ftp://app.example.com", "app.example.com",
                "https://user@app.example.com", "https://a.example.com,https://b.example.com"):
        # When the settings are read / Then the configuration error names the variable
        with pytest.raises(ConfigurationError, match="DASHBOARD_ORIGIN"):
            load_settings({**ENV, "DASHBOARD_ORIGIN": raw})


def test_the_dashboard_origin_may_read_the_reply_and_its_retry_after() -> None:
    # Given a request from the dashboard / When its reply's CORS headers are chosen
    headers = cors_headers(DASHBOARD, DASHBOARD)
    # Then that origin, and no wildcard, may read it, Retry-After included; caches key on Origin
    assert headers["Access-Control-Allow-Origin"] == DASHBOARD
    assert "Retry-After" in headers["Access-Control-Expose-Headers"]
    assert headers["Vary"] == "Origin"
    assert "Access-Control-Allow-Credentials" not in headers  # bearer tokens, never cookies


def test_another_origin_gets_no_access_and_no_origin_gets_nothing() -> None:
    # Given a page of another site, a request without Origin, and a stack with no dashboard origin
    # When their replies' CORS headers are chosen / Then none admits the caller
    assert cors_headers("https://evil.example", DASHBOARD) == {"Vary": "Origin"}
    assert cors_headers(DASHBOARD + ".evil.example", DASHBOARD) == {"Vary": "Origin"}
    assert cors_headers(None, DASHBOARD) == {}
    assert cors_headers(DASHBOARD, "") == {}
