"""Run moto's server as a child process, with Step Functions execution switched on."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import IO

from infra.local.processes import stop_stale, terminate_group

log = logging.getLogger("infra.local.moto")
STATE_ENV = "LEADPILOT_MOTO_STATE"  # read by infra.local.moto_main: where SQS and S3 are kept
SFN_CONFIG = {"stepfunctions": {"execute_state_machine": True}}
# moto brings parked executions back before it answers (infra.local.sfn_waits): a few ms each, about 6 KB of
# journal each, so a start waits this much longer per MB of journal (10,000 waiting runs: ~60 MB, ~35 s restored
# on a loaded 2-core machine).
RESTORE_S_PER_MB = 2.0


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class MotoServer:
    """``python -m moto.server`` on 127.0.0.1 in its own process group."""

    def __init__(self, log_path: Path, pid_path: Path, host: str = "127.0.0.1", *,
                 state_dir: Path | None = None) -> None:
        self.log_path = log_path
        self.state_dir = state_dir
        self.pid_path = pid_path
        self.host = host
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        """Endpoint URL for boto3 (AWS_ENDPOINT_URL)."""
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        """Start moto, wait until it answers and switch Step Functions execution on."""
        stop_stale(self.pid_path, (b"moto.server", b"infra.local.moto_main"), "moto server", 5.0)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        # A port picked as free can be taken before moto binds it; try a few.
        for _ in range(3):
            self.port = free_port(self.host)
            self._process = subprocess.Popen(
                [sys.executable, "-m", "infra.local.moto_main", "-H", self.host, "-p", str(self.port)],
                # Step Functions' service integrations call http://localhost:$MOTO_PORT.
                env={**os.environ, "MOTO_PORT": str(self.port), **self._state_env()},
                cwd=Path(__file__).resolve().parents[2],  # so `-m infra.local.moto_main` resolves
                stdout=self._log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                # Its own process group: Ctrl-C reaches only us, and we stop moto last,
                # after the final snapshot.
                process_group=0,
            )
            self.pid_path.write_text(str(self._process.pid))
            if self._wait_ready(timeout + self._restore_s()):
                self._post_config()
                log.info("moto server on %s (pid %d, log %s)", self.url, self._process.pid, self.log_path)
                return
            self._terminate()
        self.stop()
        raise RuntimeError(f"moto server did not start; see {self.log_path}")

    def _restore_s(self) -> float:
        """Extra start time for the parked executions moto restores before it answers."""
        journal = self.state_dir / "sfn-waits.jsonl" if self.state_dir is not None else None
        size = journal.stat().st_size if journal is not None and journal.exists() else 0
        return RESTORE_S_PER_MB * size / 1e6

    def _state_env(self) -> dict[str, str]:
        """Where moto keeps its queued messages and objects across a crash, when it should."""
        return {STATE_ENV: str(self.state_dir)} if self.state_dir is not None else {}

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1):
                    return True
            except OSError:
                time.sleep(0.05)
        return False

    def _post_config(self) -> None:
        request = urllib.request.Request(
            f"{self.url}/moto-api/config",
            data=json.dumps(SFN_CONFIG).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5):
            pass

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate moto and anything it started, then close its log."""
        self._terminate(timeout)
        if self._log is not None:
            self._log.close()
            self._log = None
        with contextlib.suppress(FileNotFoundError):
            self.pid_path.unlink()

    def _terminate(self, timeout: float = 10.0) -> None:
        process, self._process = self._process, None
        terminate_group(process, timeout)

