"""The real local cloud (`python -m infra.local up`) as a subprocess, driven over HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
READY = "LEADPILOT READY "
START_TIMEOUT = 120.0  # a loaded 2-core machine has taken over a minute
STOP_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LocalCloudProcess:
    """One `python -m infra.local up` process; restartable on the same data dir and port."""

    def __init__(self, data_dir: Path, port: int, log_dir: Path, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.env = dict(env or {})
        self.port = port
        self.log_dir = log_dir
        self.url = ""
        self.log_path = log_dir / "cloud-0.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._starts = 0

    def start(self) -> None:
        """Start and wait for the READY line (the output goes to a file so no pipe can fill up)."""
        self.log_path = self.log_dir / f"cloud-{self._starts}.log"
        self._starts += 1
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        env.pop("AWS_ENDPOINT_URL", None)
        env.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
        # AWS's DynamoDB Local, as `make dev` runs it: without java or the jar the start fails instead of quietly
        # falling back to moto (LEADPILOT_DYNAMODB=moto runs these tests on moto's DynamoDB).
        env.setdefault("LEADPILOT_DYNAMODB", "local")
        with open(self.log_path, "wb") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "infra.local", "up", "--port", str(self.port), "--data-dir", str(self.data_dir)],
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            for line in self.log_path.read_text(errors="replace").splitlines():
                if line.startswith(READY):
                    self.url = line[len(READY) :].split()[0]  # another thread's output may follow on the line
                    return
            if self._process.poll() is not None:
                break
            time.sleep(0.2)
        output = self.log_path.read_text(errors="replace")[-4000:]
        self.stop()
        raise RuntimeError(f"the local cloud did not become ready; its output ends with:\n{output}")

    def stop(self) -> int | None:
        """Ctrl-C it and wait; kill only if it hangs. Returns the exit code."""
        process, self._process = self._process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                return process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGUSR1)  # every thread's stack into the log, then the kill
                time.sleep(2)
                process.kill()
                process.wait()
                stacks = self.log_path.read_text(errors="replace")[-12000:]
                raise RuntimeError(f"the local cloud did not stop within {STOP_TIMEOUT:.0f} s of Ctrl-C; its output "
                                   f"ends with every thread's stack:\n{stacks}") from None
        return process.returncode

    def signal(self, number: int) -> None:
        """Send the running cloud's process a signal."""
        assert self._process is not None, "the local cloud is not running"
        self._process.send_signal(number)

    def kill(self) -> None:
        """SIGKILL, as a crash or an OOM kill would: nothing is saved and its servers are left running."""
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()

    def kill_all(self) -> None:
        """SIGKILL the whole local cloud at once, as `kill -9` of everything or a power cut of the process tree
        would: the cloud and its servers (moto, DynamoDB Local), each in its own process group."""
        groups = []
        for name in ("moto.pid", "dynamodb.pid"):
            try:
                groups.append(int((self.data_dir / name).read_text().strip()))
            except (OSError, ValueError):
                continue
        if self._process is not None:
            self._process.send_signal(signal.SIGKILL)
        for group in groups:
            try:
                os.killpg(group, signal.SIGKILL)
            except ProcessLookupError:
                continue
        self.kill()

    @property
    def aws_endpoint(self) -> str:
        """The moto server behind this cloud (from its banner), for checks the API does not offer."""
        return self._banner_url("AWS endpoint")

    @property
    def dynamodb_endpoint(self) -> str:
        """Where this cloud's DynamoDB answers (from its banner)."""
        return self._banner_url("DynamoDB")

    def _banner_url(self, label: str) -> str:
        for line in self.log_path.read_text(errors="replace").splitlines():
            if line.startswith(f"  {label} "):
                return line.split(label, 1)[1].split()[0]
        raise RuntimeError(f"the local cloud printed no {label} line")

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def restart(self) -> None:
        """Stop cleanly (exit code 0 required) and start again with the same data dir."""
        code = self.stop()
        assert code == 0, f"the local cloud exited with {code}; see {self.log_path}"
        self.start()

    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
        """One JSON request; returns (status, decoded body)."""
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        return status, json.loads(raw) if raw else None


def until(check: Callable[[], Any], limit_s: float, what: str) -> Any:
    """Poll `check` every half second until it answers something truthy (returned); fail saying `what` did not
    happen, with the last answer, after `limit_s` seconds."""
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"{what}: not within {limit_s} s (last: {check()})")


@pytest.fixture(scope="session")
def _shared_local_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudProcess]:
    """A local cloud at real time, shared by the e2e modules that need no time scale (each starts the JVM of
    DynamoDB Local, moto and the function host: seconds a module would otherwise pay again). Always stopped at
    the end."""
    base = tmp_path_factory.mktemp("local-cloud")
    # A local webhook receiver the browser tests start (dashboard/e2e/pages/webhooks.ts) may be reached.
    receiver = f"127.0.0.1:{_free_port()}"
    cloud = LocalCloudProcess(base / "data", _free_port(), base, env={"LEADPILOT_WEBHOOK_ALLOW": receiver})
    cloud.start()
    try:
        yield cloud
    finally:
        cloud.stop()


@pytest.fixture
def local_cloud(_shared_local_cloud: LocalCloudProcess) -> LocalCloudProcess:
    """The shared local cloud, running (tests that restart it leave it running; a worker stops it after the last
    test that needs it, and a later one starts it again on the same data)."""
    if not _shared_local_cloud.running:
        _shared_local_cloud.start()
    return _shared_local_cloud


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Stop the shared cloud when the worker's next test does not need it: the e2e modules run together (one
    xdist group), and the worker goes on with other tests meanwhile, where an idle cloud would keep taking about
    3 CPU-seconds a minute from them until the session ends."""
    if "local_cloud" not in item.fixturenames or (nextitem is not None and "local_cloud" in nextitem.fixturenames):
        return
    cloud = getattr(item, "funcargs", {}).get("local_cloud")
    if isinstance(cloud, LocalCloudProcess):
        cloud.stop()
