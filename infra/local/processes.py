"""The local cloud's child servers (moto, DynamoDB Local): each runs in its own process group, is stopped with
the whole group, and one left behind by a local cloud that was killed is stopped at the next start."""
from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import time
from pathlib import Path

log = logging.getLogger("infra.local.processes")


def signal_group(pid: int, signum: int) -> None:
    """Send a signal to a process group that may already be gone."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signum)


def terminate_group(process: subprocess.Popen[bytes] | None, timeout: float) -> None:
    """SIGTERM to the process's whole group (the server and any child), SIGKILL if it does not exit in time."""
    if process is None or process.poll() is not None:
        return
    signal_group(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        signal_group(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)


def stop_stale(pid_path: Path, markers: tuple[bytes, ...], what: str, wait_s: float) -> None:
    """Stop the process a pid file names if its command line holds one of `markers` (a pid may have been reused
    by something else since), waiting up to `wait_s` for it to go."""
    try:
        pid = int(pid_path.read_text().strip())
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except (OSError, ValueError):
        return
    if not any(marker in command for marker in markers):
        return
    log.warning("stopping a stale %s (pid %d) from an earlier run", what, pid)
    signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + wait_s
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
