"""Usage metering: exact counters under concurrent charges, plan limits refusing with a clear 429."""
from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

from leadpilot import usage
from leadpilot.errors import ValidationFailed
from leadpilot.settings import get_settings
from tests.integration.messaging_helpers import configure_sandbox, drain_sends, setup_workspace
from tests.support.apps import Api


@pytest.fixture
def sms_cloud(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    yield from configure_sandbox(cloud, monkeypatch)


def _put(api: Api, body: dict[str, Any], token: str) -> Any:
    return api.call("PUT", "/usage/limits", body, token=token)


def test_concurrent_charges_never_pass_the_limit_and_count_exactly(sms_cloud: Any, api: Api,
                                                                   owner: dict[str, Any]) -> None:
    # Given a daily limit of 25 emails
    token, ws = owner["access_token"], owner["workspace"]["id"]
    assert _put(api, {"limits": {"emails": {"day": 25}}}, token).status == 200
    settings = get_settings()

    def one(_: int) -> bool:
        try:
            usage.charge(settings, ws, "emails", 1)
            return True
        except usage.LimitReached:
            return False

    # When 60 sends charge one email each from 12 threads at once
    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(one, range(60)))

    # Then exactly 25 were allowed and the counters say 25, today and this month
    assert results.count(True) == 25
    counters = api.get("/usage", token=token).body["counters"]["emails"]
    assert counters["day"]["used"] == 25 and counters["month"]["used"] == 25 and counters["day"]["remaining"] == 0


def test_a_text_over_the_limit_is_refused_with_the_counter_named(sms_cloud: Any, api: Api,
                                                                 owner: dict[str, Any]) -> None:
    # Given a monthly allowance of 2 segments (plan limit overridden) and a contact
    token = owner["access_token"]
    contact_id = setup_workspace(api, token)["contact"]["id"]
    assert _put(api, {"limits": {"sms_segments": {"month": 2}}}, token).status == 200

    # When three one-segment texts are asked for
    replies = [api.post("/sms", {"contact_id": contact_id, "body": f"Text {n}"}, token=token) for n in range(3)]

    # Then the third is a 429 naming the counter, and only two are queued
    assert [r.status for r in replies] == [202, 202, 429]
    error = replies[2].body["error"]
    assert error["code"] == "usage_limit_reached" and error["details"]["counter"] == "sms_segments.month"
    assert error["details"]["limit"] == 2 and error["details"]["used"] == 2
    assert drain_sends(sms_cloud) == 2

    # When an add-on of 10 segments is bought
    assert _put(api, {"addons": {"sms_segments": 10}}, token).status == 200

    # Then the text goes through
    assert api.post("/sms", {"contact_id": contact_id, "body": "Text 3"}, token=token).status == 202
    shown = api.get("/usage", token=token).body["counters"]["sms_segments"]
    assert shown["month"] == {"used": 3, "limit": 12, "remaining": 9} and shown["addon"] == 10


def test_refund_returns_the_charge_to_its_day_and_month(sms_cloud: Any, owner: dict[str, Any], api: Api) -> None:
    # Given three AI tokens charged
    ws, token = owner["workspace"]["id"], owner["access_token"]
    charge = usage.charge(get_settings(), ws, "ai_tokens", 300, now=datetime.now(UTC))

    # When the operation is refused later and refunded
    usage.refund(get_settings(), ws, "ai_tokens", charge.amount, charged_at=charge.at)

    # Then nothing is counted, and bad kinds or amounts are refused
    assert api.get("/usage", token=token).body["counters"]["ai_tokens"]["day"]["used"] == 0
    with pytest.raises(ValidationFailed):
        usage.charge(get_settings(), ws, "faxes", 1)
    with pytest.raises(ValidationFailed):
        usage.charge(get_settings(), ws, "emails", -1)


def test_only_owners_and_admins_change_limits_and_bad_bodies_are_422(sms_cloud: Any, api: Api,
                                                                     owner: dict[str, Any]) -> None:
    # Given an API key (no role) and the owner
    token = owner["access_token"]
    key = api.post("/workspace/api-keys", {"name": "ci", "scopes": ["write"]}, token=token).body["key"]

    # When limits are changed with the key, or with invalid bodies
    with_key = _put(api, {"plan": "growth"}, key)
    bad_kind = _put(api, {"limits": {"faxes": {"day": 1}}}, token)
    bad_plan = _put(api, {"plan": "platinum"}, token)
    negative = _put(api, {"addons": {"emails": -5}}, token)

    # Then each is refused, and the owner's valid change applies
    assert with_key.status == 403
    assert bad_kind.status == 422 and bad_kind.body["error"]["details"]["errors"][0]["field"] == "limits/faxes"
    assert bad_plan.status == 422 and negative.status == 422
    growth = _put(api, {"plan": "growth"}, token).body
    assert growth["plan"] == "growth" and growth["counters"]["sms_segments"]["month"]["limit"] == 10_000
