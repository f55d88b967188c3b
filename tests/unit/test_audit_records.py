"""What the audit log and the event envelope take from the request being served, and what they never keep."""
from __future__ import annotations

import pytest

from leadpilot import request_context
from leadpilot.audit.log import changed, filters_from, without_secrets
from leadpilot.errors import ValidationFailed
from leadpilot.events.envelope import domain_event

ADMIN = {"type": "user", "id": "01M80A45J90JMESM0AR82N1PAA", "email": "support@leadpilot.test"}
USER = {"type": "user", "id": "01M80A45J90JMESM0AR82N1PUU", "email": "ada@acme.test"}
WS = "01M80A45J90JMESM0AR82N1PWS"


def test_secrets_never_reach_an_entry_at_any_depth() -> None:
    # Given changes holding secrets beside ordinary fields, nested and in lists
    changes = {"name": {"before": "a", "after": "b"}, "password": {"before": "x", "after": "y"},
               "credentials": {"auth_token": "t"}, "provider": {"after": {"account_sid": "AC1", "api_key": "sk"}},
               "hooks": [{"secret": "s", "url": "https://x.test"}], "key": "lpk_1"}
    # When they are cleaned
    kept = without_secrets(changes)
    # Then only the ordinary fields are left
    assert kept == {"name": {"before": "a", "after": "b"}, "provider": {"after": {"account_sid": "AC1"}},
                    "hooks": [{"url": "https://x.test"}]}


def test_changed_lists_only_the_fields_that_differ() -> None:
    assert changed({"name": "A", "timezone": "UTC"}, {"name": "B", "timezone": "UTC", "region": "US"}) == {
        "name": {"before": "A", "after": "B"}, "region": {"before": None, "after": "US"}}


def test_an_event_made_while_impersonating_names_the_admin_and_the_user() -> None:
    user_actor = {"type": "user", "id": USER["id"]}
    # Given a request served for an admin impersonating a user
    with request_context.serving("203.0.113.9"):
        request_context.act(ADMIN, USER, "01M80A45J90JMESM0AR82N1PII")
        # When events are made as the user, and by the system
        as_user = domain_event("e1", "contact.created", WS, user_actor, {})
        by_system = domain_event("e2", "contact.updated", WS, {"type": "system", "id": "automation"}, {})
        seen = request_context.current()
    # Then the user's becomes the admin's with the user as subject; the system's keeps its actor, with the subject
    assert as_user["actor"] == {"type": "user", "id": ADMIN["id"]}
    assert as_user["subject"] == {"type": "user", "id": USER["id"]}
    assert by_system["actor"] == {"type": "system", "id": "automation"} and by_system["subject"] == as_user["subject"]
    assert seen.source_ip == "203.0.113.9" and seen.impersonation_id == "01M80A45J90JMESM0AR82N1PII"
    # And once the request is over nothing of it remains: an event names whom it is given, with no subject
    after = domain_event("e3", "contact.created", WS, user_actor, {})
    assert after["actor"] == user_actor and "subject" not in after
    assert request_context.current() == request_context.Caller()


def test_the_action_filter_takes_every_recorded_action_name_and_nothing_else() -> None:
    # Given action names as the log records them: two parts, and a platform action's three
    for action in ("auth.login", "support.impersonation_started", "platform.workspace.suspended"):
        # When a filter names one, Then it is taken as given
        assert filters_from(action, None, None, None).action == action
    # And anything else is a 422 naming the parameter
    for bad in ("auth", "DROP TABLE", "a.b.c.d", "auth..login", "auth.login."):
        with pytest.raises(ValidationFailed) as refused:
            filters_from(bad, None, None, None)
        assert refused.value.details["errors"][0]["field"] == "action", bad
