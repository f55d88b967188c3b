"""`kill -9` of the whole local cloud in the middle of flows, a bulk send and an import loses nothing: after a
start on the same data dir every run ends once, every text is sent once and the import completes. Its cloud parks
waits of 5 s or more (infra.local.sfn_waits) and callback tasks unanswered for 5 s (infra.local.sfn_callbacks):
the runs in the 12 s delay and those waiting for a reply are parked when the kill lands, and a parked run can be
paused, resumed and cancelled."""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import LocalCloudProcess, _free_port, until

# Its own xdist group (and its own cloud): on another worker of a parallel run it goes beside the other e2e
# modules instead of after them.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("crash")]
DEMO = {"email": "owner@demo.leadpilot.test", "password": "demo-password-2026"}
SPEED = "86400"  # a day of flow time per second
TAG = {"event": "contact.tag_added", "filters": [{"var": "trigger.data.tag", "op": "eq", "value": "crash"}]}
# A text, a Wait state of 12 days (12 s) the kill lands in, then a second text.
DELAY_FLOW = {"name": "Text, wait, text", "trigger": TAG,
              "nodes": [{"id": "start", "type": "trigger"}, {"id": "one", "type": "send_sms", "body": "Step one"},
                        {"id": "pause", "type": "delay", "days": 12},
                        {"id": "two", "type": "send_sms", "body": "Step two"}, {"id": "done", "type": "end"}],
              "edges": [{"from": "start", "to": "one"}, {"from": "one", "to": "pause"},
                        {"from": "pause", "to": "two"}, {"from": "two", "to": "done"}]}
# A callback task (wait for a reply) the kill lands in; the contact replies after the restart.
REPLY_FLOW = {"name": "Wait for a reply", "trigger": TAG,
              "nodes": [{"id": "start", "type": "trigger"},
                        {"id": "await", "type": "wait_for_reply", "timeout": {"days": 365}},
                        {"id": "yes", "type": "end"}, {"id": "no", "type": "end"}],
              "edges": [{"from": "start", "to": "await"}, {"from": "await", "to": "yes", "label": "reply"},
                        {"from": "await", "to": "no", "label": "timeout"}]}
ROWS = 400  # two chunks of the jobs queue
CSV = "First Name,Email\n" + "".join(f"Crash{i},crash{i}@import.test\n" for i in range(ROWS))


@pytest.fixture(scope="module")
def crash_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudProcess]:
    """A time-scaled local cloud of its own: this module kills it."""
    base = tmp_path_factory.mktemp("crash-cloud")
    cloud = LocalCloudProcess(base / "data", _free_port(), base, env={"LEADPILOT_TIME_SCALE": SPEED,
                                                                      "LEADPILOT_PARK_WAITS_AFTER_S": "3"})
    try:
        cloud.start()
        yield cloud
    finally:
        cloud.stop()



def _ok(cloud: LocalCloudProcess, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    status, answer = cloud.call(method, path, body, token)
    assert status in (200, 201, 202), (method, path, status, answer)
    return answer


def test_a_kill_9_mid_flow_mid_send_and_mid_import_loses_nothing(crash_cloud: LocalCloudProcess) -> None:
    cloud = crash_cloud
    token = _ok(cloud, "POST", "/auth/login", DEMO)["access_token"]
    _ok(cloud, "POST", "/phone-numbers", {"number": "+14155553000"}, token)  # where replies are sent to
    flows = [_ok(cloud, "POST", "/flows", flow, token)["id"] for flow in (DELAY_FLOW, REPLY_FLOW)]
    for flow_id in flows:
        _ok(cloud, "POST", f"/flows/{flow_id}/publish", token=token)
    people = [_ok(cloud, "POST", "/contacts", {"first_name": f"Crash{n}", "phone": f"+1415555{3100 + n}"}, token)
              for n in range(8)]
    phones = {p["id"]: p["phone"] for p in people}
    # Given two runs for each of the first four contacts (one texting then in a Wait state, one waiting on a
    # callback), under way ...
    for person in people[:4]:
        _ok(cloud, "POST", f"/contacts/{person['id']}/tags", {"add": ["crash"]}, token)
    # ... a bulk text to all eight now and another due in 20 days (20 s: it sits delayed in the queue) ...
    later = (datetime.now(UTC) + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    bulk = [_ok(cloud, "POST", "/sms/bulk", {"contact_ids": list(phones), "body": body, **extra}, token)
            for body, extra in (("Sale today", {}), ("Sale tomorrow", {"send_at": later}))]
    texts = {item["message_id"] for reply in bulk for item in reply["items"]}
    assert len(texts) == 16, bulk
    # ... and an import of 400 rows in two chunks, just queued
    job = _ok(cloud, "POST", "/imports", {"csv": CSV}, token)

    def mid_way() -> bool:
        """Every run started, none ended, and the kill will land inside the Wait state for some of them."""
        runs = [r for flow_id in flows for r in _ok(cloud, "GET", f"/flows/{flow_id}/runs", token=token)["items"]]
        sent = [m["body"][:8] for m in _ok(cloud, "GET", "/dev/sms/outbox?limit=500", token=token)["items"]]
        return (len(runs) == 8 and all(r["status"] == "running" for r in runs)
                and "Step one" in sent and "Step two" not in sent)

    def replies_parked() -> bool:
        """moto's journal holds the four reply waits (parked after 3 s unanswered), not continued. Only parks at
        the reply node count: a text that takes over 3 s to send (the SMS worker is busy with the bulk send) parks
        its callback task too, and is no reply wait."""
        journal = cloud.data_dir / "moto" / "sfn-waits.jsonl"
        live: dict[str, tuple[str, str]] = {}
        for line in journal.read_text().splitlines() if journal.exists() else []:
            record = json.loads(line) if line.endswith("}") else {"op": "being written"}
            if record["op"] == "park":
                live[record["arn"]] = (record.get("kind", "wait"), record.get("state", ""))
            elif record["op"] == "woke":
                live.pop(record["arn"], None)
        return list(live.values()).count(("task", "await")) == 4

    until(lambda: replies_parked() and mid_way(), 40, "the runs are under way, the reply waits parked")

    # When everything is killed with SIGKILL (the cloud, moto, DynamoDB Local) and started on the same data dir
    cloud.kill_all()
    cloud.start()
    token = _ok(cloud, "POST", "/auth/login", DEMO)["access_token"]

    # Then the import completes with every row, counted once
    def imported() -> Any:
        found = _ok(cloud, "GET", f"/jobs/{job['id']}", token=token)
        return found if found["finished_at"] else None

    done = until(imported, 120, "the import finishes")
    assert (done["status"], done["succeeded"], done["failed"]) == ("completed", ROWS, 0), done

    # And every run ends, once: those in the Wait state go on to their end, those waiting for a reply take it
    for person in people[:4]:
        _ok(cloud, "POST", "/dev/sms/inbound", {"from": phones[person["id"]], "body": "Yes please"}, token)

    def ended() -> list[dict[str, Any]] | None:
        runs = [r for flow_id in flows for r in _ok(cloud, "GET", f"/flows/{flow_id}/runs", token=token)["items"]]
        return runs if len(runs) == 8 and all(r["status"] != "running" for r in runs) else None

    runs = until(ended, 120, "every run ends")
    assert Counter((r["flow_id"], r["status"], r["outcome"]) for r in runs) == {
        (flows[0], "succeeded", "done"): 4, (flows[1], "succeeded", "yes"): 4}, runs

    # And every text went out exactly once: each bulk text by its id, each flow step once per contact
    def all_sent() -> list[dict[str, Any]] | None:
        items: list[dict[str, Any]] = _ok(cloud, "GET", "/dev/sms/outbox?limit=500", token=token)["items"]
        return items if len(items) >= 16 + 8 else None

    outbox = until(all_sent, 120, "every text is sent")
    assert {m["message_id"] for m in outbox if m["body"].startswith("Sale")} == texts
    flow_texts = Counter((m["to"], m["body"][:8]) for m in outbox if m["body"].startswith("Step"))
    assert flow_texts == {(phones[p["id"]], step): 1 for p in people[:4] for step in ("Step one", "Step two")}
    replies = [r for r in runs if r["flow_id"] == flows[1]]
    assert all(r["executions"] == 1 for r in replies), replies  # each waited through the kill, parked, not restarted
    assert len(outbox) == 24, outbox
    for message_id in texts:
        assert _ok(cloud, "GET", f"/sms/{message_id}", token=token)["status"] in ("sent", "delivered")


def test_a_parked_run_can_be_paused_resumed_and_cancelled(crash_cloud: LocalCloudProcess) -> None:
    cloud = crash_cloud
    token = _ok(cloud, "POST", "/auth/login", DEMO)["access_token"]
    flow_id = _ok(cloud, "POST", "/flows", {**DELAY_FLOW, "name": "Text, wait, text (controls)"}, token)["id"]
    _ok(cloud, "POST", f"/flows/{flow_id}/publish", token=token)
    people = [_ok(cloud, "POST", "/contacts", {"first_name": f"Parked{n}", "phone": f"+1415555{3200 + n}"}, token)
              for n in range(2)]
    # Given two runs parked in their 12-day delay (12 s) after their first text
    enrolled = _ok(cloud, "POST", f"/flows/{flow_id}/enrollments", {"contact_ids": [p["id"] for p in people]}, token)
    paused_id, cancelled_id = (r["run_id"] for r in enrolled["results"])

    def texts(phone: str) -> list[str]:
        return [m["body"] for m in _ok(cloud, "GET", "/dev/sms/outbox?limit=500", token=token)["items"]
                if m["to"] == phone]

    until(lambda: all("Step one" in texts(p["phone"]) for p in people), 40, "both runs wait")

    # When one is paused and the other cancelled while parked
    paused = _ok(cloud, "POST", f"/runs/{paused_id}/pause", token=token)
    cancelled = _ok(cloud, "POST", f"/runs/{cancelled_id}/cancel", token=token)

    # Then the paused one remembers the delay it was in and when that delay ends; the other is over
    assert (paused["status"], paused["resume_node"]) == ("paused", "pause"), paused
    assert paused["resume_until"], paused
    assert cancelled["status"] == "cancelled", cancelled
    # And when the paused one is resumed it waits out the rest of its delay, then goes on once
    assert _ok(cloud, "POST", f"/runs/{paused_id}/resume", token=token)["status"] == "running"
    done = until(lambda: (r := _ok(cloud, "GET", f"/runs/{paused_id}", token=token))["status"] != "running" and r,
                  60, "the resumed run ends")
    assert (done["status"], done["outcome"]) == ("succeeded", "done"), done
    assert Counter(texts(people[0]["phone"])) == {"Step one": 1, "Step two": 1}
    # And the cancelled one never sent its second text
    assert texts(people[1]["phone"]) == ["Step one"]
