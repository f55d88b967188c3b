"""The function host: HTTP gateway, SQS pollers and scheduler, against moto in-process.

Handlers are tiny apps written into tmp_path, so these tests do not depend on functions/**.
"""

from __future__ import annotations

import http.client
import json
import os
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra.local.gateway import MAX_BODY_BYTES, WORKERS
from infra.local.host import FunctionHost
from infra.local.model import ApiRoute, Deployment, FunctionSpec, Resource, ScheduleSpec, SqsSource

WEB_APP = """
import os
from chalice import Chalice, Response

IMPORTED_WITH = {"shared": os.environ.get("PROBE_SHARED"), "service": os.environ.get("POWERTOOLS_SERVICE_NAME")}
app = Chalice(app_name="probe")


@app.route("/items/{item_id}", methods=["GET"])
def get_item(item_id):
    request = app.current_request
    context = app.lambda_context
    return {"item_id": item_id, "query": dict(request.query_params or {}), "resource": request.path,
            "function": context.function_name, "remaining_ms": context.get_remaining_time_in_millis(),
            "request_id": context.aws_request_id, "imported_with": IMPORTED_WITH}


@app.route("/items", methods=["POST"])
def create_item():
    return Response(body={"echo": app.current_request.json_body}, status_code=201, headers={"X-Probe": "yes"})
"""

WORKER = """
def on_batch(event, context):
    failed = [r["messageId"] for r in event["Records"] if r["body"].startswith("fail")]
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}


def explode(event, context):
    raise RuntimeError("this handler always fails")


def tick(event, context):
    return {"event": event, "function": context.function_name}
"""


def _write(directory: Path, source: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "app.py").write_text(textwrap.dedent(source))
    return directory


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Moto in-process; os.environ, sys.path and sys.modules are restored afterwards."""
    saved_env, saved_path, saved_modules = dict(os.environ), list(sys.path), set(sys.modules)
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_ENDPOINT_URL", "POWERTOOLS_SERVICE_NAME", "LEADPILOT_TIME_SCALE"):
        monkeypatch.delenv(key, raising=False)
    with mock_aws():
        yield
    os.environ.clear()
    os.environ.update(saved_env)
    sys.path[:] = saved_path
    for name in set(sys.modules) - saved_modules:
        del sys.modules[name]


def _queue(name: str, visibility: int = 30, dlq: Resource | None = None) -> Resource:
    sqs = boto3.client("sqs", region_name="us-east-1")
    attributes = {"VisibilityTimeout": str(visibility)}
    if dlq is not None:
        attributes["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": dlq.arn, "maxReceiveCount": 2})
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return Resource(name, "AWS::SQS::Queue", name, arn, url)


@pytest.fixture
def make_host(aws: None, tmp_path: Path) -> Iterator[Callable[..., FunctionHost]]:
    """Builds a started FunctionHost over a hand-made deployment; stops it afterwards."""
    hosts: list[FunctionHost] = []

    def make(functions: list[FunctionSpec], queues: list[Resource] = (), **start: bool) -> FunctionHost:
        deployment = Deployment(
            stage="test", parameters={}, resources={q.logical_id: q for q in queues}, functions=functions
        )
        host = FunctionHost(deployment, "127.0.0.1", 0)
        host.start(**start)
        hosts.append(host)
        return host

    yield make
    for host in hosts:
        host.stop()


@pytest.fixture
def web(tmp_path: Path) -> list[FunctionSpec]:
    code = _write(tmp_path / "web", WEB_APP)
    routes = [ApiRoute("Get", "/items/{item_id}", "GET"), ApiRoute("Create", "/items", "POST")]
    worker = _write(tmp_path / "worker", WORKER)
    return [
        FunctionSpec(
            "WebFunction",
            code,
            "app.app",
            {"PROBE_SHARED": "s", "POWERTOOLS_SERVICE_NAME": "web"},
            api_routes=routes,
            timeout=29,
        ),
        FunctionSpec(
            "BrokenFunction",
            worker,
            "app.explode",
            {"PROBE_SHARED": "s", "POWERTOOLS_SERVICE_NAME": "b"},
            api_routes=[ApiRoute("Boom", "/boom", "GET")],
        ),
    ]


def _request(url: str, method: str = "GET", body: Any = None) -> tuple[int, dict[str, str], Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_gateway_builds_an_event_chalice_routes(
    make_host: Callable[..., FunctionHost], web: list[FunctionSpec]
) -> None:
    # Given a Chalice app behind the gateway
    host = make_host(web, scheduler=False, pollers=False)
    # When a path with a parameter and a query string is requested
    status, _, body = _request(f"{host.api_url}/items/a%20b?tag=x&tag=y")
    # Then Chalice routed it on the resource path, with decoded parameters and a Lambda context
    assert status == 200
    assert body["item_id"] == "a b" and body["resource"] == "/items/{item_id}"
    assert body["query"] == {"tag": "y"}
    assert body["function"] == "leadpilot-local-WebFunction" and 0 < body["remaining_ms"] <= 29000
    # And the environment was in place before the import, without the conflicting service name
    assert body["imported_with"] == {"shared": "s", "service": None}
    # When a JSON body is posted / Then status, headers and body come back as the app set them
    status, headers, body = _request(f"{host.api_url}/items", "POST", {"name": "n"})
    assert status == 201 and headers["X-Probe"] == "yes" and body == {"echo": {"name": "n"}}


def test_gateway_error_shapes(make_host: Callable[..., FunctionHost], web: list[FunctionSpec]) -> None:
    # Given the gateway
    host = make_host(web, scheduler=False, pollers=False)
    # When the path is unknown, the method wrong, or the handler raises
    not_found = _request(f"{host.api_url}/nothing")
    not_allowed = _request(f"{host.api_url}/items", "DELETE")
    failed = _request(f"{host.api_url}/boom")
    # Then each answer has the LeadPilot error shape and the right status
    assert not_found[0] == 404 and not_found[2]["error"]["code"] == "not_found"
    assert not_allowed[0] == 405 and not_allowed[2]["error"]["code"] == "method_not_allowed"
    assert not_allowed[1]["Allow"] == "POST"
    assert failed[0] == 502 and failed[2]["error"]["code"] == "internal_error"
    assert set(failed[2]["error"]) == {"code", "message", "details"}


def test_gateway_rejects_bodies_over_10_mib(make_host: Callable[..., FunctionHost], web: list[FunctionSpec]) -> None:
    # Given the gateway / When a body one byte over API Gateway's limit is posted
    host = make_host(web, scheduler=False, pollers=False)
    connection = http.client.HTTPConnection("127.0.0.1", int(host.api_url.rsplit(":", 1)[1]), timeout=10)
    connection.request("POST", "/items", body=b"x" * (MAX_BODY_BYTES + 1))
    response = connection.getresponse()
    # Then it is refused with 413 before reaching the function
    assert response.status == 413 and json.loads(response.read())["error"]["code"] == "payload_too_large"
    connection.close()


def test_dict_responses_are_json_like_api_gateways(
    make_host: Callable[..., FunctionHost], web: list[FunctionSpec]
) -> None:
    # Given a Chalice route that returns a plain dict (Chalice sets no Content-Type for it)
    host = make_host(web, scheduler=False, pollers=False)
    # When it is called through the gateway
    status, headers, _ = _request(f"{host.api_url}/items/1")
    # Then the response says it is JSON, as API Gateway's REST proxy default does
    assert status == 200 and headers["Content-Type"] == "application/json"
    # And a type the function sets itself is kept as it is
    status, headers, _ = _request(f"{host.api_url}/items", "POST", {"name": "n"})
    assert status == 201 and headers["Content-Type"] == "application/json"


def test_a_burst_of_100_connections_is_answered_by_a_bounded_pool(
    make_host: Callable[..., FunctionHost], web: list[FunctionSpec]
) -> None:
    # Given the gateway
    host = make_host(web, scheduler=False, pollers=False)
    port = int(host.api_url.rsplit(":", 1)[1])
    burst = 100
    ready = threading.Barrier(burst)

    def one(index: int) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        ready.wait()  # every client connects at the same moment
        try:
            connection.request("GET", f"/items/{index}")
            response = connection.getresponse()
            return response.status if json.loads(response.read())["item_id"] == str(index) else -1
        finally:
            connection.close()

    # When 100 clients connect and ask at once
    with ThreadPoolExecutor(burst) as clients:
        statuses = list(clients.map(one, range(burst)))
    # Then every one of them gets its own answer, none is reset
    assert statuses == [200] * burst
    # And the gateway served them with at most its pool of worker threads
    workers = [t for t in threading.enumerate() if t.name.startswith("gateway_")]
    assert 0 < len(workers) <= WORKERS


def test_health_lists_functions_and_queues(make_host: Callable[..., FunctionHost], web: list[FunctionSpec]) -> None:
    # Given a host with a queue / When /_local/health is read
    queue = _queue("health-q")
    host = make_host(web, [queue], scheduler=False, pollers=False)
    status, _, body = _request(f"{host.api_url}/_local/health")
    # Then it lists the functions and the queue depth
    assert status == 200 and body["status"] == "ok"
    assert body["functions"] == ["WebFunction", "BrokenFunction"]
    assert body["queues"]["health-q"] == {"url": queue.url, "visible": 0, "in_flight": 0}


def test_a_function_that_fails_to_import_does_not_stop_the_others(
    make_host: Callable[..., FunctionHost], web: list[FunctionSpec], tmp_path: Path
) -> None:
    # Given a function whose module raises at import next to a good one
    bad = _write(tmp_path / "bad", "raise ImportError('missing dependency')\n")
    host = make_host(
        [*web, FunctionSpec("BadFunction", bad, "app.app", api_routes=[ApiRoute("X", "/bad", "GET")])],
        scheduler=False,
        pollers=False,
    )
    # When both are called / Then the good one works, the bad one gives 502, and health says why
    assert _request(f"{host.api_url}/items/1")[0] == 200
    assert _request(f"{host.api_url}/bad")[0] == 502
    health = _request(f"{host.api_url}/_local/health")[2]
    assert health["status"] == "degraded" and "missing dependency" in health["load_errors"]["BadFunction"]


def _send(queue: Resource, *bodies: str) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    for body in bodies:
        sqs.send_message(QueueUrl=queue.url, MessageBody=body)


def _counts(queue: Resource) -> tuple[int, int]:
    attributes = boto3.client("sqs", region_name="us-east-1").get_queue_attributes(
        QueueUrl=queue.url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"]), int(
        attributes["Attributes"]["ApproximateNumberOfMessagesNotVisible"]
    )


def test_partial_batch_failure_keeps_only_the_failed_message(
    make_host: Callable[..., FunctionHost], tmp_path: Path
) -> None:
    # Given a consumer that reports failures for bodies starting with "fail", with a BatchSize over SQS's 10
    queue = _queue("batch-q")
    worker = _write(tmp_path / "worker", WORKER)
    source = SqsSource("Batch", queue.url, queue.arn, 25, ("ReportBatchItemFailures",), batching_window_s=1)
    host = make_host(
        [FunctionSpec("Consumer", worker, "app.on_batch", sqs_sources=[source])],
        [queue],
        gateway=False,
        pollers=False,
        scheduler=False,
    )
    _send(queue, "ok-1", "fail-2", *(f"ok-{n}" for n in range(3, 23)))
    # When the poller takes one batch
    received = host.pollers[0].poll_once(wait_seconds=0)
    # Then all 22 were delivered in it (gathered from several receives) and only the failed one is left (in
    # flight until its timeout)
    assert received == 22
    assert _counts(queue) == (0, 1)


def test_a_batching_window_gathers_messages_that_arrive_after_the_first(
    make_host: Callable[..., FunctionHost], tmp_path: Path
) -> None:
    # Given a consumer with BatchSize 3 and a batching window, and one message on its queue
    queue = _queue("window-q")
    worker = _write(tmp_path / "worker", WORKER)
    source = SqsSource("Batch", queue.url, queue.arn, 3, ("ReportBatchItemFailures",), batching_window_s=30)
    host = make_host([FunctionSpec("Consumer", worker, "app.on_batch", sqs_sources=[source])], [queue],
                     gateway=False, pollers=False, scheduler=False)
    _send(queue, "ok-1")
    received: list[int] = []
    poll = threading.Thread(target=lambda: received.append(host.pollers[0].poll_once(wait_seconds=0)))
    # When the poller has taken the first and two more arrive within the window
    poll.start()
    _send(queue, "ok-2", "ok-3")
    poll.join(timeout=60)
    # Then one invocation got all three (the batch filled before the window ended) and none is left
    assert received == [3]
    assert _counts(queue) == (0, 0)


PREFETCH_WORKER = """
import json
import os
import time

import boto3

FIRST = []


def on_batch(event, context):
    if not FIRST:  # the first batch: wait (5 s at most) for the next one to be taken meanwhile
        sqs = boto3.client("sqs", region_name="us-east-1")
        deadline, in_flight = time.monotonic() + 5, 0
        while in_flight < 4 and time.monotonic() < deadline:
            attributes = sqs.get_queue_attributes(QueueUrl=os.environ["PROBE_QUEUE_URL"],
                                                  AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
            in_flight = int(attributes["Attributes"]["ApproximateNumberOfMessagesNotVisible"])
            time.sleep(0.05)
        FIRST.append(in_flight)
    with open(os.environ["PROBE_OUT"], "a") as out:
        out.write(json.dumps({"in_flight_during_first": FIRST[0], "records": len(event["Records"])}) + "\\n")
"""


def test_a_queue_with_a_backlog_has_its_next_batch_taken_while_one_is_handled(
    make_host: Callable[..., FunctionHost], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given six messages waiting on a queue whose mapping takes two at a time
    queue = _queue("backlog-q")
    out = tmp_path / "batches.jsonl"
    monkeypatch.setenv("PROBE_QUEUE_URL", queue.url)
    monkeypatch.setenv("PROBE_OUT", str(out))
    _send(queue, *(f"m{i}" for i in range(6)))
    worker = _write(tmp_path / "worker", PREFETCH_WORKER)
    # When the host polls it
    make_host([FunctionSpec("Consumer", worker, "app.on_batch",
                            sqs_sources=[SqsSource("Backlog", queue.url, queue.arn, 2)])], [queue],
              gateway=False, scheduler=False)
    # (the handler writes its line before it returns, and the poller deletes the batch after: wait for both)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (sum(b["records"] for b in _lines(out)) < 6 or _counts(queue) != (0, 0)):
        time.sleep(0.1)
    # Then while the first batch was being handled the next one had been taken already (4 in flight), as Lambda's
    # mapping scales its pollers with a backlog; every message was handled once and deleted
    batches = _lines(out)
    assert sum(b["records"] for b in batches) == 6
    assert batches[0]["in_flight_during_first"] >= 4
    assert _counts(queue) == (0, 0)


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_a_batch_received_as_the_cloud_stops_goes_back_at_once(
    make_host: Callable[..., FunctionHost], tmp_path: Path
) -> None:
    # Given a consumer's queue holding two messages, and a cloud that has begun to stop
    queue = _queue("stopping-q")
    worker = _write(tmp_path / "worker", WORKER)
    source = SqsSource("Batch", queue.url, queue.arn, 10, ("ReportBatchItemFailures",))
    host = make_host([FunctionSpec("Consumer", worker, "app.on_batch", sqs_sources=[source])], [queue],
                     gateway=False, pollers=False, scheduler=False)
    _send(queue, "fail-1", "fail-2")  # a handler run would leave them in flight until their visibility timeout
    stopping = threading.Event()
    stopping.set()
    # When the poller receives them after the stop began
    handled = host.pollers[0].poll_once(wait_seconds=0, stop=stopping)
    # Then no handler ran and both are visible again at once, for the next start, and the poller is idle
    assert handled == 0 and _counts(queue) == (2, 0)
    assert host.pollers[0].busy is False


def test_handler_exception_redelivers_then_dead_letters(make_host: Callable[..., FunctionHost], tmp_path: Path) -> None:
    # Given a queue with a 1 s visibility timeout and maxReceiveCount 2, consumed by a handler that raises
    dlq = _queue("explode-dlq")
    queue = _queue("explode-q", visibility=1, dlq=dlq)
    worker = _write(tmp_path / "worker", WORKER)
    source = SqsSource("Explode", queue.url, queue.arn, 10, ("ReportBatchItemFailures",))
    make_host(
        [FunctionSpec("Exploder", worker, "app.explode", sqs_sources=[source])],
        [queue, dlq],
        gateway=False,
        scheduler=False,
    )
    # When a message arrives and the poller thread keeps failing on it
    _send(queue, "doomed")
    deadline = time.monotonic() + 15
    while _counts(dlq)[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    # Then moto moved it to the DLQ after the redrive policy's receive count, and the queue is empty
    assert _counts(dlq) == (1, 0)
    assert _counts(queue) == (0, 0)


def test_successful_batch_without_partial_reporting_deletes_all(
    make_host: Callable[..., FunctionHost], tmp_path: Path
) -> None:
    # Given a consumer without ReportBatchItemFailures whose answer names a message
    queue = _queue("plain-q")
    worker = _write(tmp_path / "worker", WORKER)
    source = SqsSource("Plain", queue.url, queue.arn, 10)
    host = make_host(
        [FunctionSpec("Plain", worker, "app.on_batch", sqs_sources=[source])],
        [queue],
        gateway=False,
        pollers=False,
        scheduler=False,
    )
    _send(queue, "fail-but-ignored", "ok")
    # When a batch is processed / Then the answer is ignored and every message deleted
    assert host.pollers[0].poll_once(wait_seconds=0) == 2
    assert _counts(queue) == (0, 0)


def test_scheduler_fires_and_fire_schedule(
    make_host: Callable[..., FunctionHost], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a function on rate(1 minute), with time scaled 60x so it fires every few seconds
    monkeypatch.setenv("LEADPILOT_TIME_SCALE", "60")
    worker = _write(tmp_path / "worker", WORKER)
    schedule = ScheduleSpec("Tick", "rate(1 minute)", "arn:aws:events:us-east-1:123456789012:rule/tick")
    spec = FunctionSpec("Ticker", worker, "app.tick", schedules=[schedule])
    host = make_host([spec], gateway=False, pollers=False, scheduler=False)
    # When fired by hand / Then the handler gets the EventBridge Scheduled Event
    result = host.fire_schedule("Ticker")
    assert result["function"] == "leadpilot-local-Ticker"
    assert result["event"]["detail-type"] == "Scheduled Event" and result["event"]["resources"] == [schedule.rule_arn]
    # When the scheduler thread runs for a while / Then it fires on its own, within seconds
    calls: list[Any] = []
    original = host.scheduler._invoke
    host.scheduler._invoke = lambda logical_id, event: calls.append(event) or original(logical_id, event)
    host.start(gateway=False, pollers=False, scheduler=True)
    deadline = time.monotonic() + 15
    while not calls and time.monotonic() < deadline:
        time.sleep(0.1)
    host.stop()
    assert calls and calls[0]["source"] == "aws.events"
    # And stopping ends the scheduler thread (it waits on the stop event, not out its sleep)
    assert host._threads == []
