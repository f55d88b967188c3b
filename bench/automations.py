"""Automation engine benchmarks (issue 4): three figures.

enroll   Enrolments per second for one trigger event that matches 1,000 contacts: a schedule firing whose
         audience is the whole workspace, fanned out in chunks through the triggers queue and enrolled by the
         trigger consumer (contacts read, filters checked, run + enrolment written in one transaction, one
         named execution started). In-process moto, every resource from template.yaml. Ratio: the same
         enrolments done with only the raw calls they need (BatchGetItem per 25 contacts, TransactWriteItems
         of 2 items, StartExecution).
states   State transitions per flow node: states the compiler emits per node for the golden flows, and the
         states an execution actually entered per node it visited (the follow-up flow run to the end).
latency  Latency from a domain event to the flow's first action on the local cloud (moto server + function
         host): tag added through the API -> contact.tag_added on the bus -> rule -> triggers queue ->
         trigger consumer -> execution -> actions queue -> action worker -> text queued in the conversation.
         Ratio: the same path's bare hops (PutEvents -> the rule's queue -> ReceiveMessage) on that cloud.

Run: python -m bench.automations [enroll|states|latency|all] [--contacts 1000] [--n 10]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

REPO = Path(__file__).resolve().parents[1]
END_ONLY = {"nodes": [{"id": "start", "type": "trigger"}, {"id": "done", "type": "end"}],
            "edges": [{"from": "start", "to": "done"}]}


def _env() -> None:
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
                       "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "WARNING"}.items():
        os.environ[key] = value
    os.environ.pop("AWS_ENDPOINT_URL", None)


@contextmanager
def _in_process_cloud() -> Iterator[Any]:
    """In-process moto with every resource of template.yaml, its environment set as the functions get it."""
    from moto import mock_aws

    from infra.local.moto_main import patch_dynamodb
    from infra.local.provision import provision
    from leadpilot.automation.runs.config import runtime_config
    from leadpilot.settings import get_settings
    from tests.support.apps import TEMPLATE

    _env()
    patch_dynamodb()
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        deployment = provision(TEMPLATE, {"Stage": "bench", "JwtSecret": "bench-secret-0123456789abcdef0123456789"})
        for key, value in deployment.function("ContactsFunction").environment.items():
            if key != "POWERTOOLS_SERVICE_NAME":
                os.environ[key] = value
        os.environ["LEADPILOT_RATE_LIMIT_WORKSPACE"] = "0"  # seeding a thousand contacts is not what is measured
        get_settings.cache_clear()
        runtime_config.cache_clear()
        yield deployment


def enroll(contacts: int) -> dict[str, float]:
    """Enrolments per second for one schedule firing over `contacts` contacts (in-process moto)."""
    from leadpilot.automation.runs.config import runtime_config
    from leadpilot.automation.triggers import schedules
    from leadpilot.automation.triggers.triggers import STATUS_CHANGE
    from leadpilot.settings import get_settings
    from tests.integration.conftest import drain_queue
    from tests.support.apps import Api, load_module

    with _in_process_cloud() as deployment:
        api = Api()
        owner = api.post("/auth/signup", {"workspace_name": "Bench", "email": "b@bench.test", "name": "B",
                                          "password": "bench-password-123", "timezone": "UTC"}).body
        token, ws = owner["access_token"], owner["workspace"]["id"]
        seeded = time.perf_counter()
        for i in range(contacts):
            assert api.post("/contacts", {"first_name": f"C{i}"}, token=token).status == 201
        print(f"  seeded {contacts} contacts in {time.perf_counter() - seeded:.0f} s")
        flow = api.post("/flows", {"name": "Daily", "trigger": {"event": "schedule", "schedule": "0 9 * * *"},
                                   **END_ONLY}, token=token).body
        assert api.post(f"/flows/{flow['id']}/publish", token=token).status == 201
        item = next(iter(schedules.ScheduleItem.query(f"WS#{ws}#FLOW#{flow['id']}")))
        fire_at = datetime.strptime(item.next_fire_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        consumer = load_module("functions/automations").on_trigger
        boto3.client("sqs").purge_queue(QueueUrl=deployment.resources["AutomationTriggersQueue"].url)  # seeding's
        ended: list[dict[str, Any]] = []  # the runs' status-change events, which share the queue with the chunks

        def enrolling(event: dict[str, Any], context: Any) -> dict[str, Any]:
            """The trigger consumer for the chunk messages; each run's end (its flow has no step) is set aside:
            closing runs is not enrolment, and is measured after it."""
            chunks = [r for r in event["Records"] if STATUS_CHANGE not in r["body"]]
            ended.extend(r for r in event["Records"] if STATUS_CHANGE in r["body"])
            return consumer({"Records": chunks}, context) if chunks else {"batchItemFailures": []}

        start = time.perf_counter()
        fired = schedules.fire_due(get_settings(), runtime_config(), fire_at + timedelta(seconds=1))
        handled = drain_queue(deployment, "AutomationTriggersQueue", enrolling, rounds=10_000) - len(ended)
        elapsed = time.perf_counter() - start
        assert fired["contacts_queued"] == contacts, fired
        print(f"  one firing: {fired['contacts_queued']} contacts queued in {handled} chunk messages")
        closing = time.perf_counter()
        for n in range(0, len(ended), 10):  # as the event source mapping would hand them over
            assert consumer({"Records": ended[n:n + 10]}, None) == {"batchItemFailures": []}
        drain_queue(deployment, "AutomationTriggersQueue", consumer, rounds=10_000)  # ends not yet reported above
        closed_s = time.perf_counter() - closing
        metrics = api.get(f"/flows/{flow['id']}/metrics", token=token).body
        assert metrics["completed"] == contacts, metrics
        print(f"  every run ended and was closed by its status-change event: {len(ended)} events handled after "
              f"enrolment, {closed_s:.1f} s ({contacts / closed_s:.0f} runs closed/s)")
        runs = api.get(f"/flows/{flow['id']}/runs?limit=100", token=token).body

        raw_elapsed = _raw_enrolments(deployment, ws, contacts)
        api_rate, raw_rate = contacts / elapsed, contacts / raw_elapsed
        print(f"enrolments for one trigger matching {contacts} contacts: {elapsed:.1f} s, {api_rate:.0f}/s; "
              f"raw calls {raw_rate:.0f}/s; ratio {raw_rate / api_rate:.2f}  (first page of runs: "
              f"{len(runs['items'])} listed)")
        return {"enrolments_per_s": api_rate, "raw_per_s": raw_rate, "ratio": raw_rate / api_rate}


def _raw_enrolments(deployment: Any, ws: str, contacts: int) -> float:
    """The same enrolments with only the calls they need, same moto, one machine of the same shape."""
    ddb, sfn = boto3.client("dynamodb"), boto3.client("stepfunctions")
    crm = deployment.resources["CrmTable"].name
    machine = sfn.create_state_machine(
        name="bench-raw", roleArn=os.environ["AUTOMATION_ROLE_ARN"],
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}))["stateMachineArn"]
    pages = ddb.get_paginator("query").paginate(
        TableName=crm, KeyConditionExpression="PK = :pk AND begins_with(SK, :c)",
        ExpressionAttributeValues={":pk": {"S": f"WS#{ws}#CONTACTS"}, ":c": {"S": "CONTACT#"}})
    ids = [item["SK"]["S"][len("CONTACT#"):] for page in pages for item in page["Items"]]
    start = time.perf_counter()
    for chunk_start in range(0, len(ids), 25):
        chunk = ids[chunk_start:chunk_start + 25]
        ddb.batch_get_item(RequestItems={crm: {"Keys": [{"PK": {"S": f"WS#{ws}#CONTACTS"}, "SK": {"S": f"CONTACT#{c}"}}
                                                        for c in chunk]}})
        for cid in chunk:
            run = f"raw{cid}"
            ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": crm, "Item": {"PK": {"S": f"WS#{ws}#FLOW#raw"}, "SK": {"S": f"CONTACT#{cid}"},
                                                    "run_id": {"S": run}},
                         "ConditionExpression": "attribute_not_exists(PK)"}},
                {"Put": {"TableName": crm, "Item": {"PK": {"S": f"WS#{ws}#RUN#{run}"}, "SK": {"S": "RUN"},
                                                    "GSI1PK": {"S": f"WS#{ws}#FLOW_RUNS#raw"}, "GSI1SK": {"S": run}},
                         "ConditionExpression": "attribute_not_exists(PK)"}}])
            sfn.start_execution(stateMachineArn=machine, name=run, input="{}")
    return time.perf_counter() - start


def states() -> dict[str, float]:
    """States per node, compiled (golden flows) and executed (the follow-up flow, no reply, to the end)."""
    from leadpilot.automation.flows.compiler import compile_flow, states_per_node
    from leadpilot.automation.flows.validate import validate_flow

    golden = sorted((REPO / "state_machines" / "golden").glob("*.flow.json"))
    total_nodes = total_states = 0
    for path in golden:
        flow = validate_flow(json.loads(path.read_text()))
        figures = states_per_node(flow, compile_flow(flow, action_queue_url="https://q", time_scale=1,
                                                     flow_id="F", version=1))
        total_nodes += int(figures["nodes"])
        total_states += int(figures["node_states"])
        print(f"  {path.name:40s} {figures['nodes']:3d} nodes -> {figures['node_states']:3d} states "
              f"({figures['states_per_node']:.2f} per node)")
    compiled = total_states / total_nodes
    print(f"compiled: {compiled:.2f} states per node over {len(golden)} golden flows")
    executed = _executed_transitions()
    print(f"executed: {executed:.2f} state transitions per node visited (follow-up flow, no reply, 1+4 texts)")
    return {"compiled_states_per_node": compiled, "executed_transitions_per_node": executed}


def _executed_transitions() -> float:
    from tests.integration.test_automation_runtime_helpers import deliver, drive, follow_up_flow, trigger_envelopes
    from tests.support.apps import Api

    os.environ["LEADPILOT_TIME_SCALE"] = "259200"
    with _in_process_cloud() as deployment:
        api = Api()
        owner = api.post("/auth/signup", {"workspace_name": "Bench", "email": "s@bench.test", "name": "S",
                                          "password": "bench-password-123"}).body
        token, ws = owner["access_token"], owner["workspace"]["id"]
        flow = api.post("/flows", follow_up_flow(), token=token).body
        api.post(f"/flows/{flow['id']}/publish", token=token)
        contact = api.post("/contacts", {"first_name": "Ada", "phone": "+14155550101"}, token=token).body
        trigger_envelopes(deployment)
        api.post(f"/contacts/{contact['id']}/tags", {"add": ["new-lead"]}, token=token)
        deliver(trigger_envelopes(deployment))
        run = api.get(f"/flows/{flow['id']}/runs", token=token).body["items"][0]
        drive(deployment, api, token, run["id"], ws, contact["id"], limit_s=60)
        sfn = boto3.client("stepfunctions")
        arn = next(e["executionArn"] for m in sfn.list_state_machines()["stateMachines"]
                   for e in sfn.list_executions(stateMachineArn=m["stateMachineArn"])["executions"])
        events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        entered = sum(1 for e in events if e["type"].endswith("StateEntered"))
        # nodes visited: intro, 5 loop checks, 4 x (await + nudge), last_wait, owner_task, handed_over
        visited = 1 + 5 + 4 * 2 + 1 + 1 + 1
        os.environ.pop("LEADPILOT_TIME_SCALE", None)
        return entered / visited


def latency(n: int) -> dict[str, float]:
    """Event -> first action on the local cloud, median over n tagged contacts; and the bare bus hops."""
    from bench.contacts_api import _http
    from infra.local.cloud import LocalCloud

    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    flow_doc = {"name": "Greet", "trigger": {"event": "contact.tag_added", "reentry": True},
                "nodes": [{"id": "start", "type": "trigger"},
                          {"id": "hello", "type": "send_sms", "body": "Hi {{contact.first_name|there}}"},
                          {"id": "done", "type": "end"}],
                "edges": [{"from": "start", "to": "hello"}, {"from": "hello", "to": "done"}]}
    with tempfile.TemporaryDirectory() as data, LocalCloud(data, port=0, seed=False) as cloud:
        url = cloud.api_url
        owner = _http(f"{url}/auth/signup", "POST", {"workspace_name": "Lat", "email": "l@bench.test",
                                                     "password": "bench-password-123", "name": "L"})
        token = owner["access_token"]
        flow = _http(f"{url}/flows", "POST", flow_doc, token)
        _http(f"{url}/flows/{flow['id']}/publish", "POST", {}, token)
        samples = []
        for i in range(n):
            contact = _http(f"{url}/contacts", "POST", {"first_name": f"L{i}", "phone": f"+1415555{3000 + i}"}, token)
            time.sleep(0.5)
            start = time.perf_counter()
            _http(f"{url}/contacts/{contact['id']}/tags", "POST", {"add": ["go"]}, token)
            while not _first_text(url, token, contact["id"]):
                if time.perf_counter() - start > 60:
                    raise TimeoutError("no first action within 60 s")
                time.sleep(0.02)
            samples.append(time.perf_counter() - start)
        bare = _bare_hops(cloud, n)
    median, hops = statistics.median(samples) * 1000, statistics.median(bare) * 1000
    print(f"event -> first action on the local cloud: median {median:.0f} ms, max {max(samples) * 1000:.0f} ms "
          f"over {n}; bare bus->queue->receive {hops:.0f} ms; ratio {median / hops:.1f}")
    return {"median_ms": median, "bare_ms": hops}


def _first_text(url: str, token: str, contact_id: str) -> bool:
    """The flow's first text is in the contact's conversation (queued through the messaging send path)."""
    from bench.contacts_api import _http

    return bool(_http(f"{url}/conversations/{contact_id}/messages", "GET", token=token)["items"])


def _bare_hops(cloud: Any, n: int) -> list[float]:
    """PutEvents onto the bus -> a rule -> a fresh queue -> a long-polled ReceiveMessage, on the same cloud."""
    events, sqs = boto3.client("events"), boto3.client("sqs")
    bus = cloud.deployment.resources["EventBus"].name
    queue = sqs.create_queue(QueueName="bench-hops")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="bench-hops", EventBusName=bus, EventPattern=json.dumps({"detail-type": ["bench.hop"]}))
    events.put_targets(Rule="bench-hops", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
    out = []
    for _ in range(n):
        start = time.perf_counter()
        events.put_events(Entries=[{"EventBusName": bus, "Source": "bench", "DetailType": "bench.hop", "Detail": "{}"}])
        while True:
            got = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", [])
            if got:
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=got[0]["ReceiptHandle"])
                break
        out.append(time.perf_counter() - start)
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser()
    parser.add_argument("which", nargs="?", default="all", choices=["enroll", "states", "latency", "all"])
    parser.add_argument("--contacts", type=int, default=1000)
    parser.add_argument("--n", type=int, default=10)
    args = parser.parse_args(argv)
    if args.which == "all":  # each on its own AWS, so each in its own process (bench/isolated.py)
        from bench import isolated

        sizes = ["--contacts", str(args.contacts), "--n", str(args.n)]
        return {which: isolated.run("automations", [which, *sizes])[which] for which in ("states", "enroll", "latency")}
    _env()
    run = {"states": states, "enroll": lambda: enroll(args.contacts), "latency": lambda: latency(args.n)}
    return {args.which: run[args.which]()}


if __name__ == "__main__":
    main()
