"""Pure parts of SMS: configuration, the public webhook URL, plan limits, due times."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from leadpilot.errors import ConfigurationError
from leadpilot.sms.config import load_config, sandbox_token
from leadpilot.sms.send import due_time
from leadpilot.sms.webhooks import public_url
from leadpilot.usage.plans import plan_limits

SECRET = "a-jwt-secret-of-at-least-thirty-two-chars"


class _Params(dict[str, list[str]]):
    def getlist(self, name: str) -> list[str]:
        return self[name]


def _request(host: str, path: str, stage_path: str, proto: str | None = "https", query: Any = None) -> Any:
    headers = {"host": host, **({"x-forwarded-proto": proto} if proto else {})}
    return SimpleNamespace(headers=headers, path=path, query_params=query,
                           context={"resourcePath": path, "path": stage_path})


def test_no_twilio_credentials_means_the_sandbox_with_a_derived_token() -> None:
    # Given only the JWT secret
    config = load_config({"LEADPILOT_JWT_SECRET": SECRET})

    # Then SMS runs in the sandbox, signed with a token derived from (and different from) the secret
    assert config.sandbox and config.webhook_auth_token == sandbox_token(SECRET) != SECRET
    assert sandbox_token(SECRET) != sandbox_token(SECRET + "x")


def test_twilio_credentials_switch_the_provider_and_half_a_credential_fails() -> None:
    config = load_config({"LEADPILOT_JWT_SECRET": SECRET, "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "tok"})
    assert not config.sandbox and config.webhook_auth_token == "tok"
    with pytest.raises(ConfigurationError):
        load_config({"LEADPILOT_JWT_SECRET": SECRET, "TWILIO_ACCOUNT_SID": "AC1"})
    with pytest.raises(ConfigurationError):
        load_config({"LEADPILOT_JWT_SECRET": SECRET, "LEADPILOT_TIME_SCALE": "0"})


def test_the_public_url_is_the_configured_base_plus_the_route() -> None:
    config = load_config({"LEADPILOT_JWT_SECRET": SECRET, "PUBLIC_BASE_URL": "https://api.acme.test/"})
    request = _request("abc.execute-api.us-east-1.amazonaws.com", "/webhooks/twilio/sms", "/prod/webhooks/twilio/sms")
    assert public_url(config, request) == "https://api.acme.test/webhooks/twilio/sms"
    assert public_url(config, request, "/webhooks/twilio/status") == "https://api.acme.test/webhooks/twilio/status"


def test_without_a_base_the_url_is_the_one_the_caller_sent() -> None:
    # requestContext.path is the path as sent: the stage on the execute-api domain, none on a custom domain mapped
    # at its root or on the local gateway
    config = load_config({"LEADPILOT_JWT_SECRET": SECRET})
    aws = _request("abc.execute-api.us-east-1.amazonaws.com", "/webhooks/twilio/sms", "/prod/webhooks/twilio/sms")
    custom = _request("api.acme.test", "/webhooks/twilio/sms", "/webhooks/twilio/sms")
    local = _request("127.0.0.1:3000", "/webhooks/twilio/sms", "/webhooks/twilio/sms", proto="http",
                     query=_Params(a=["1", "2"]))
    assert public_url(config, aws) == "https://abc.execute-api.us-east-1.amazonaws.com/prod/webhooks/twilio/sms"
    assert public_url(config, aws, "/webhooks/twilio/status").endswith("/prod/webhooks/twilio/status")
    assert public_url(config, custom) == "https://api.acme.test/webhooks/twilio/sms"
    assert public_url(config, local) == "http://127.0.0.1:3000/webhooks/twilio/sms?a=1&a=2"


def test_plan_limits_take_overrides_and_monthly_addons() -> None:
    assert plan_limits("starter", {}, {}, "sms_segments") == {"day": 500, "month": 2000}
    assert plan_limits("starter", {"sms_segments": {"day": None}}, {"sms_segments": 500}, "sms_segments") == {
        "day": None, "month": 2500}
    assert plan_limits("unknown-plan", {}, {}, "emails") == plan_limits("starter", {}, {}, "emails")


def test_time_scale_shortens_waits_and_never_goes_back() -> None:
    now = datetime(2026, 11, 22, tzinfo=UTC)
    assert due_time(now, now + timedelta(days=3), 259200) == now + timedelta(seconds=1)
    assert due_time(now, now - timedelta(hours=1), 1) == now
