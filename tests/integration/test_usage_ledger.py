"""The usage ledger: one entry per charge in the counters' transaction, repeats change nothing, sends and refunds
write entries with their cause, concurrent charges add up exactly, and reconciliation finds counters moved
outside the ledger."""
from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from leadpilot import usage
from leadpilot.db.base import bind_tables
from leadpilot.identity.platform import set_platform_admin
from leadpilot.settings import Settings, get_settings
from leadpilot.usage import ledger, reconcile
from leadpilot.usage.meter import counter_sk, usage_pk
from leadpilot.usage.models import LedgerEntryItem, UsageCounterItem
from tests.integration.messaging_helpers import configure_sandbox, drain_sends, setup_workspace
from tests.support.apps import Api

NOV = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)


def _settings() -> Settings:
    settings = get_settings()
    bind_tables(settings)
    return settings


def entries(workspace_id: str, month: str = "2026-11") -> list[LedgerEntryItem]:
    return [e for e in LedgerEntryItem.query(ledger.ledger_pk(workspace_id, month), LedgerEntryItem.SK.startswith("E#"),
                                             consistent_read=True) if isinstance(e, LedgerEntryItem)]


def counter(workspace_id: str, kind: str, period: str, value: str) -> int:
    try:
        return int(UsageCounterItem.get(usage_pk(workspace_id), counter_sk(kind, period, value)).used or 0)
    except UsageCounterItem.DoesNotExist:
        return 0


def test_a_repeated_charge_or_refund_changes_nothing_and_says_so(owner: dict[str, Any]) -> None:
    # Given a charge of 3 segments with a key and a cause
    settings, ws = _settings(), owner["workspace"]["id"]
    cause = {"type": "message", "id": "01M80A45J90JMESM0AR82N1PFF"}
    first = usage.charge(settings, ws, "sms_segments", 3, now=NOV, key="sms:m1", cause=cause)

    # When the same key is charged again, later and for another amount, and its refund is made twice
    again = usage.charge(settings, ws, "sms_segments", 5, now=datetime(2026, 11, 11, tzinfo=UTC), key="sms:m1")
    refunds = [usage.refund(settings, ws, "sms_segments", 3, charged_at=first.at, key="refund:sms:m1", cause=cause)
               for _ in range(2)]

    # Then the repeat answers the first charge and counted nothing; the refund counted once
    assert (first.repeat, again.repeat, again.amount, again.at) == (False, True, 3, first.at)
    assert refunds == [True, False]
    assert counter(ws, "sms_segments", "day", "2026-11-10") == 0 == counter(ws, "sms_segments", "month", "2026-11")
    assert counter(ws, "sms_segments", "day", "2026-11-11") == 0
    # and the ledger holds the charge and the refund, each with its key, cause, unit cost and cost
    found = sorted(entries(ws), key=lambda e: int(e.quantity))
    assert [(int(e.quantity), e.idempotency_key, e.cause_type, e.cause_id, int(e.unit_cost_micros),
             int(e.cost_micros)) for e in found] == [
        (-3, "refund:sms:m1", "message", cause["id"], 7_900, -23_700),
        (3, "sms:m1", "message", cause["id"], 7_900, 23_700)]
    assert all(e.usage_at == "2026-11-10T15:00:00.000Z" for e in found)


def test_a_refused_charge_writes_no_entry(api: Api, owner: dict[str, Any]) -> None:
    # Given a daily allowance of 2 emails, used up
    settings, ws, token = _settings(), owner["workspace"]["id"], owner["access_token"]
    assert api.call("PUT", "/usage/limits", {"limits": {"emails": {"day": 2}}}, token=token).status == 200
    usage.charge(settings, ws, "emails", 2, now=NOV, key="email:a")

    # When one more is charged
    try:
        usage.charge(settings, ws, "emails", 1, now=NOV, key="email:b")
        refused = False
    except usage.LimitReached:
        refused = True

    # Then it is refused, and the key stays free: nothing of it is in the ledger
    assert refused and [e.idempotency_key for e in entries(ws)] == ["email:a"]
    assert ledger.first_charge(ws, "email:b") is None


@pytest.fixture
def sms_cloud(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    yield from configure_sandbox(cloud, monkeypatch)


def test_sends_and_their_refunds_are_ledger_entries_with_their_cause(sms_cloud: Any, api: Api,
                                                                     owner: dict[str, Any]) -> None:
    # Given a workspace with a number and a contact with a phone
    ws, token = owner["workspace"]["id"], owner["access_token"]
    contact_id = setup_workspace(api, token)["contact"]["id"]

    # When a text is sent, and another is scheduled and then cancelled
    sent = api.post("/sms", {"contact_id": contact_id, "body": "Hello"}, token=token).body
    assert drain_sends(sms_cloud) == 1
    send_at = (datetime.now(UTC) + timedelta(days=15)).strftime("%Y-%m-%dT%H:%M:%SZ")
    later = api.post("/sms", {"contact_id": contact_id, "body": "Later", "send_at": send_at}, token=token).body
    assert api.post(f"/sms/{later['id']}/cancel", token=token).status == 200

    # Then the ledger has both charges and the refund, each caused by its message, keyed by it
    month = datetime.now(UTC).strftime("%Y-%m")
    found = {(e.idempotency_key, e.cause_type, e.cause_id, int(e.quantity)) for e in entries(ws, month)}
    assert found == {(f"sms:{sent['id']}", "message", sent["id"], 1), (f"sms:{later['id']}", "message", later["id"], 1),
                     (f"refund:sms:{later['id']}", "message", later["id"], -1)}
    assert api.get("/usage", token=token).body["counters"]["sms_segments"]["month"]["used"] == 1


def test_concurrent_charges_add_up_exactly_with_one_entry_per_key(owner: dict[str, Any]) -> None:
    # Given 24 distinct keys, each charged twice at once from 8 threads (48 charges)
    settings, ws = _settings(), owner["workspace"]["id"]
    keys = [f"sms:c{i}" for i in range(24)] * 2

    # When they all run together
    with ThreadPoolExecutor(max_workers=8) as pool:
        charges = list(pool.map(lambda k: usage.charge(settings, ws, "sms_segments", 2, now=NOV, key=k,
                                                       enforce=False), keys))

    # Then every key counted once: exact counters, one entry per key, 24 repeats reported
    assert sum(c.repeat for c in charges) == 24
    assert counter(ws, "sms_segments", "month", "2026-11") == 48 == counter(ws, "sms_segments", "day", "2026-11-10")
    found = entries(ws)
    assert sorted(e.idempotency_key for e in found) == sorted(set(keys))
    report = api_free_report(ws)
    assert report["rows"] == [{"period": "2026-11", "product": "sms_segments", "quantity": 48,
                               "cost_micros": 48 * 7_900, "billed_micros": 48 * 7_900}]


def api_free_report(workspace_id: str) -> dict[str, Any]:
    from leadpilot.usage import reports

    return reports.workspace_report(workspace_id, reports.report_range("2026-11", "2026-11", "month"))


def test_reconciliation_reports_a_counter_moved_outside_the_ledger(api: Api, owner: dict[str, Any]) -> None:
    # Given a platform administrator, and a workspace whose charges all went through the ledger
    settings, ws = _settings(), owner["workspace"]["id"]
    set_platform_admin(owner["user"]["email"])
    admin = api.post("/auth/login", {"email": owner["user"]["email"], "password": "correct-horse-battery"})
    token = admin.body["access_token"]
    usage.charge(settings, ws, "emails", 4, now=NOV, key="email:r1")
    assert reconcile.reconcile(settings, date(2026, 11, 10))["drifts"] == []

    # When its month counter is moved by hand (outside a charge), and the day is reconciled again
    UsageCounterItem(usage_pk(ws), counter_sk("emails", "month", "2026-11")).update(
        actions=[UsageCounterItem.used.add(3)])
    report = reconcile.reconcile(settings, date(2026, 11, 10))

    # Then the month's drift is reported, stored and readable by the platform administrator
    drift = {"workspace_id": ws, "product": "emails", "period": "month", "period_value": "2026-11",
             "counter": 7, "ledger": 4, "drift": 3}
    assert report["drifts"] == [drift] and report["workspaces_checked"] == 1
    stored = api.get("/platform/usage/reconciliation?date=2026-11-10", token=token)
    assert stored.status == 200 and stored.body["drifts"] == [drift], stored
    # and the administrator got an in-app notification about it
    notes = api.get("/notifications", token=token).body["items"]
    assert [n["type"] for n in notes] == ["usage_drift"] and "1 counters in 1 workspaces" in notes[0]["title"]
    # while a workspace owner who is not a platform administrator is refused
    other = api.post("/auth/signup", {"workspace_name": "Other", "email": "o@other.test",
                                      "password": "correct-horse-battery", "name": "O"}).body["access_token"]
    assert api.get("/platform/usage/reconciliation?date=2026-11-10", token=other).status == 403
    bad = api.get("/platform/usage/reconciliation?date=2026-13-01", token=token)
    assert bad.status == 422 and bad.body["error"]["details"]["errors"][0]["field"] == "date", bad
