"""A virtualenv holding only the runtime lock (requirements.txt): what the Lambda layer holds.

Built once per lock file and Python version under .leadpilot/runtime-venvs/<hash>, so a change to the lock
builds a fresh one and repeat runs reuse it. Builds are serialized by a file lock (parallel test workers)
and published by an atomic rename, so a half-built venv is never used.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.txt"
VENVS = ROOT / ".leadpilot" / "runtime-venvs"


def _key() -> str:
    digest = hashlib.sha256(LOCK.read_bytes())
    digest.update(f"{sys.version_info.major}.{sys.version_info.minor}".encode())
    return digest.hexdigest()[:16]


def python_of(env_dir: Path) -> Path:
    return env_dir / "bin" / "python"


def runtime_venv() -> Path:
    """The directory of the runtime-only venv for the current lock, building it when missing."""
    target = VENVS / _key()
    if python_of(target).exists():
        return target
    VENVS.mkdir(parents=True, exist_ok=True)
    with open(VENVS / ".build.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if not python_of(target).exists():
            _build(target)
    return target


def _build(target: Path) -> None:
    partial = target.with_name(target.name + f".partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    venv.EnvBuilder(with_pip=False, clear=True).create(partial)
    # The suite's own pip installs into it (`--python`): no pip of its own to set up, nothing to compile ahead of
    # time (the imports compile what they use). --no-deps: the lock must be complete by itself, as it is for the
    # layer build (layers/Makefile).
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python_of(partial)), "install", "--quiet",
                    "--no-compile", "--no-deps", "-r", str(LOCK)],
                   check=True, capture_output=True, text=True, timeout=900)
    # Entry-point scripts hold the partial path in their shebang; nothing here runs them, so a rename is safe.
    partial.rename(target)
    for stale in VENVS.iterdir():  # venvs of older locks (~300 MB each)
        if stale.is_dir() and stale != target:
            shutil.rmtree(stale, ignore_errors=True)
