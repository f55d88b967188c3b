"""Emails are metered: each queued email is charged, one over the plan is refused with the counter named,
and an email that will not go out gives its charge back."""
from __future__ import annotations

from typing import Any

from tests.integration.test_email_helpers import contact, deliver, send, verified_sender
from tests.support.apps import Api


def used(api: Api, token: str) -> int:
    return int(api.get("/usage", token=token).body["counters"]["emails"]["day"]["used"])


def test_an_email_over_the_daily_limit_is_refused_and_nothing_is_queued(cloud: Any, api: Api,
                                                                       owner: dict[str, Any]) -> None:
    # Given a verified sender, a contact and a daily allowance of 2 emails
    token = owner["access_token"]
    verified_sender(api, token)
    ada = contact(api, token)
    assert api.call("PUT", "/usage/limits", {"limits": {"emails": {"day": 2}}}, token=token).status == 200

    # When three emails are sent
    replies = [send(api, token, ada) for _ in range(3)]

    # Then two are queued, the third is a 429 naming the counter, and the counter says 2
    assert [r.status for r in replies] == [202, 202, 429], replies
    error = replies[2].body["error"]
    assert error["code"] == "usage_limit_reached" and "emails" in error["message"], error
    assert used(api, token) == 2
    assert deliver(cloud) == 2


def test_an_email_skipped_at_send_time_gives_its_charge_back(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given an email queued for a contact
    token = owner["access_token"]
    verified_sender(api, token)
    ada = contact(api, token)
    assert send(api, token, ada).status == 202
    assert used(api, token) == 1

    # When the contact asks not to be contacted before the worker sends it
    assert api.patch(f"/contacts/{ada}", {"do_not_contact": True}, token=token).status == 200
    deliver(cloud)

    # Then the email was not sent and the charge was refunded
    assert used(api, token) == 0
