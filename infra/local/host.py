"""The function host: loads every handler of the deployment and feeds it AWS-shaped events."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3

from infra.local.gateway import Gateway
from infra.local.model import Deployment, FunctionSpec
from infra.local.one_off import OneOffSchedules
from infra.local.scheduler import Scheduler
from infra.local.sqs_poller import SqsPoller

log = logging.getLogger("infra.local.host")
# Every function shares this process (Lambda gives each its own): a thread in a CPU-bound stretch (a sweep parsing
# a page of 100 items) holds the GIL for Python's default 5 ms switch interval each time a request's thread comes
# back from a socket read, and a request makes a dozen of those. 0.5 ms keeps a sweep from doubling the latency of
# the requests beside it (bench/maintenance.py) for a little more switching.
SWITCH_INTERVAL_S = 0.0005
Handler = Callable[[Any, Any], Any]


class FunctionLoadError(RuntimeError):
    """The function's module could not be imported (the traceback is in the message)."""


class LambdaContext:
    """The context object the Lambda Python runtime passes to a handler."""

    def __init__(self, spec: FunctionSpec, log_stream_name: str) -> None:
        self.function_name = spec.function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = spec.arn
        self.memory_limit_in_mb = spec.memory_size
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{spec.function_name}"
        self.log_stream_name = log_stream_name
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + spec.timeout

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function's Timeout."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def shared_environment(functions: Iterable[FunctionSpec]) -> dict[str, str]:
    """Variables of all functions, minus keys whose values differ between functions."""
    merged: dict[str, str] = {}
    conflicting: set[str] = set()
    for spec in functions:
        for key, value in spec.environment.items():
            if merged.setdefault(key, value) != value:
                conflicting.add(key)
    return {key: value for key, value in merged.items() if key not in conflicting}


def time_scale_from_env() -> float:
    """LEADPILOT_TIME_SCALE as a positive float (default 1)."""
    raw = os.environ.get("LEADPILOT_TIME_SCALE", "1")
    scale = float(raw)
    if scale <= 0:
        raise ValueError(f"LEADPILOT_TIME_SCALE must be positive, got {raw!r}")
    return scale


class FunctionHost:
    """Hosts every function of a deployment: HTTP gateway, SQS pollers and scheduler."""

    def __init__(
        self, deployment: Deployment, host: str = "127.0.0.1", port: int = 3000, *, python_paths: Sequence[Path] = ()
    ) -> None:
        self.deployment = deployment
        self._handlers: dict[str, Handler] = {}
        self._load_errors: dict[str, str] = {}
        # Like Lambda, each function gets its own copy of its module (functions that share a CodeUri
        # do not share globals: Chalice keeps the current request on the app object), and one
        # invocation at a time, like one warm instance. A long queue worker therefore never holds up
        # the HTTP routes of the same module.
        self._function_locks: dict[str, threading.Lock] = {}
        self._log_streams: dict[str, str] = {}
        self._load(python_paths)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.gateway = Gateway(self, host, port)
        session = boto3.session.Session(region_name=deployment.region)  # made and used here, in one thread
        self.pollers = [
            SqsPoller(self.invoke, spec.logical_id, source, deployment.region, session)
            for spec in deployment.functions
            for source in spec.sqs_sources
            if source.enabled
        ]
        self.scheduler = Scheduler(self.invoke, deployment, time_scale_from_env())
        self.one_off = OneOffSchedules(deployment)

    # ------------------------------------------------------------ loading
    def _load(self, python_paths: Sequence[Path]) -> None:
        os.environ.update(shared_environment(self.deployment.functions))
        os.environ["AWS_REGION"] = self.deployment.region
        for path in python_paths:
            _prepend_sys_path(path)
        for spec in self.deployment.functions:
            path = spec.module_path.resolve()
            self._function_locks[spec.logical_id] = threading.Lock()
            module = _import_module(path, spec.code_uri, spec.logical_id)
            if isinstance(module, str):
                self._load_errors[spec.logical_id] = module
            elif not callable(getattr(module, spec.attribute, None)):
                self._load_errors[spec.logical_id] = f"{path} has no callable {spec.attribute!r}"
            else:
                self._handlers[spec.logical_id] = getattr(module, spec.attribute)
            stream = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
            self._log_streams[spec.logical_id] = stream
        for logical_id, error in self._load_errors.items():
            log.error("function %s failed to load:\n%s", logical_id, error)

    @property
    def load_errors(self) -> dict[str, str]:
        """Functions whose module failed to import, with the reason."""
        return dict(self._load_errors)

    # ------------------------------------------------------------ invoking
    def invoke(self, logical_id: str, event: Any) -> Any:
        """Invoke a function synchronously, as Lambda's RequestResponse invocation would."""
        spec = self.deployment.function(logical_id)
        if logical_id in self._load_errors:
            raise FunctionLoadError(f"{logical_id} is not loaded: {self._load_errors[logical_id]}")
        # Lambda hands the handler a freshly decoded event and serializes what it returns.
        payload = json.loads(json.dumps(event))
        context = LambdaContext(spec, self._log_streams[logical_id])
        started = time.monotonic()
        with self._function_locks[logical_id]:
            result = self._handlers[logical_id](payload, context)
        elapsed = time.monotonic() - started
        if elapsed > spec.timeout:
            log.warning(
                "%s ran %.1f s, over its Timeout of %d s (AWS would have stopped it)", logical_id, elapsed, spec.timeout
            )
        try:
            return json.loads(json.dumps(result))
        except (TypeError, ValueError) as error:
            raise TypeError(f"{logical_id} returned a value Lambda cannot serialize") from error

    def fire_schedule(self, logical_id: str, event_name: str | None = None) -> Any:
        """Invoke a function with the event its Schedule event would send now."""
        return self.scheduler.fire(logical_id, event_name)

    # ------------------------------------------------------------ lifecycle
    @property
    def api_url(self) -> str:
        """Base URL of the HTTP gateway (valid once started)."""
        return self.gateway.url

    def start(self, *, gateway: bool = True, pollers: bool = True, scheduler: bool = True) -> None:
        """Start the gateway, the pollers of each SQS event source and the scheduler thread."""
        self._stop = threading.Event()  # a poller of an earlier start still in its long poll keeps the set one
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        if gateway:
            self.gateway.start()
        runners: list[tuple[str, Callable[[threading.Event], None]]] = []
        if pollers:
            runners += [(f"sqs-{poller.name}", poller.run) for poller in self.pollers]
            runners += [(f"sqs-{poller.name}", poller.run_helper) for poller in self.pollers
                        for _ in range(poller.helpers)]  # same name: a stop waits for them as for the poller
        if scheduler and self.scheduler.has_entries:
            runners.append(("scheduler", self.scheduler.run))
        if scheduler and self.one_off.groups:
            runners.append(("one-off-schedules", self.one_off.run))
        for name, target in runners:
            thread = threading.Thread(target=target, args=(self._stop,), name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Stop everything: wait for the batches being handled and the scheduler's firing, not for idle long polls
        (those threads end when their poll returns, without taking a batch)."""
        self._stop.set()
        self.gateway.stop()
        idle = {f"sqs-{poller.name}" for poller in self.pollers if not poller.busy}
        waited = [thread for thread in self._threads if thread.name not in idle]
        for thread in waited:
            thread.join(timeout=5)
        self._threads = [thread for thread in waited if thread.is_alive()]
        if self._threads:
            log.warning("threads still running after stop: %s", [t.name for t in self._threads])

    def health(self) -> dict[str, Any]:
        """What GET /_local/health returns: functions, load errors and queue depths."""
        sqs = boto3.session.Session(region_name=self.deployment.region).client("sqs")
        queues = {}
        for logical_id, queue in self.deployment.queues.items():
            attributes = sqs.get_queue_attributes(
                QueueUrl=queue.url,
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )
            counts = attributes["Attributes"]
            queues[logical_id] = {
                "url": queue.url,
                "visible": int(counts.get("ApproximateNumberOfMessages", 0)),
                "in_flight": int(counts.get("ApproximateNumberOfMessagesNotVisible", 0)),
            }
        body: dict[str, Any] = {
            "status": "degraded" if self._load_errors else "ok",
            "functions": [spec.logical_id for spec in self.deployment.functions],
            "queues": queues,
        }
        if self._load_errors:
            body["load_errors"] = {key: error.strip().splitlines()[-1] for key, error in self._load_errors.items()}
        return body


def _prepend_sys_path(path: Path) -> None:
    text = str(path.resolve())
    if text not in sys.path:
        sys.path.insert(0, text)


def _import_module(path: Path, code_uri: Path, logical_id: str) -> ModuleType | str:
    """Import a handler file for one function under a unique name; on failure return the traceback text."""
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:8]
    name = f"_leadpilot_fn_{logical_id}_{code_uri.name}_{path.stem}_{digest}".replace("-", "_")
    # Lambda puts the code directory on sys.path, so sibling modules (chalicelib) import.
    _prepend_sys_path(code_uri)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        return f"cannot load {path}"
    module = importlib.util.module_from_spec(spec)
    # Registered before executing so dataclasses and pickling can find the module.
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception:
        del sys.modules[name]
        return traceback.format_exc()
    return module
