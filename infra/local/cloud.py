"""The whole local cloud in one object: DynamoDB Local, moto server, provisioning, function host."""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from infra.local import logs
from infra.local.calendar_fakes import PREFIX as CALENDARS_PREFIX
from infra.local.dynamodb_local import SHARED_DB_FILE, Backend, DynamoDBLocal, choose_backend
from infra.local.host import FunctionHost, shared_environment, time_scale_from_env
from infra.local.model import Deployment
from infra.local.moto_server import MotoServer
from infra.local.oauth_stub import PREFIX as OAUTH_STUB_PREFIX
from infra.local.provision import provision
from infra.local.seed import DEMO_EMAIL, DEMO_PASSWORD, SeedResult, seed
from infra.local.sfn_waits import PROVISIONED_MARKER
from infra.local.snapshot import Snapshotter, restore, write_atomically
from infra.local.ws_specs import mount_path
from leadpilot.settings import get_destinations

log = logging.getLogger("infra.local.cloud")
REPO_ROOT = Path(__file__).resolve().parents[2]
STAGE = "dev"
PLATFORM_ENDPOINTS = "LEADPILOT_PLATFORM_ENDPOINTS"
# boto3, pynamodb and Powertools read both: DynamoDB goes to DynamoDB Local, every other service to moto.
ENDPOINT = "AWS_ENDPOINT_URL"
DYNAMODB_ENDPOINT = "AWS_ENDPOINT_URL_DYNAMODB"
_FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def load_or_create_secrets(path: Path) -> dict[str, str]:
    """Secrets kept in the data dir so that tokens stay valid across restarts."""
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    missing = [name for name in ("JwtSecret", "LinkSecret") if name not in stored]
    for name in missing:  # a data dir from before LinkSecret gets one; its older links verify with JwtSecret's keys
        stored[name] = secrets.token_hex(32)
    if missing:
        write_atomically(path, json.dumps(stored, indent=2))
        path.chmod(0o600)
    return stored


class LocalCloud:
    """Start/stop the embedded local cloud; one per process (it sets os.environ)."""

    def __init__(
        self,
        data_dir: str | Path,
        host: str = "127.0.0.1",
        port: int = 3000,
        seed: bool = True,
        *,
        template_path: str | Path | None = None,
        snapshot_interval: float = 5.0,
        parameters: Mapping[str, str] | None = None,
    ) -> None:
        """`parameters`: values for template parameters the local cloud leaves at their defaults (a bench lifts
        WorkspaceRequestsPerMinute with it; setting a variable such as LEADPILOT_RATE_LIMIT_WORKSPACE does not work,
        the template's value replaces it); the parameters the cloud sets itself keep its values."""
        self.data_dir = Path(data_dir).resolve()
        self.parameters = dict(parameters or {})
        self.host = host
        self.port = port
        self.seed = seed
        self.template_path = Path(template_path or REPO_ROOT / "template.yaml")
        self.snapshot_interval = snapshot_interval
        self.snapshot_path = self.data_dir / "snapshot.json"
        self.dynamodb_path = self.data_dir / "dynamodb"
        self.env_path = self.data_dir / "env.json"
        self.moto_state_path = self.data_dir / "moto"  # queued messages and S3 objects outlive moto (moto_main)
        self.deployment: Deployment | None = None
        self.function_host: FunctionHost | None = None
        self.seed_result: SeedResult | None = None
        self.backend: Backend | None = None
        self._moto: MotoServer | None = None
        self._dynamodb: DynamoDBLocal | None = None
        self._snapshotter: Snapshotter | None = None
        self._previous_endpoints: dict[str, str | None] = {}

    @property
    def api_url(self) -> str:
        """Base URL of the HTTP gateway."""
        if self.function_host is None:
            raise RuntimeError("the local cloud is not started")
        return self.function_host.api_url

    @property
    def endpoint_url(self) -> str:
        """The moto server's URL (what AWS_ENDPOINT_URL is set to)."""
        if self._moto is None:
            raise RuntimeError("the local cloud is not started")
        return self._moto.url

    @property
    def dynamodb_url(self) -> str:
        """Where DynamoDB is served: DynamoDB Local's URL, or moto's with the moto fallback."""
        return self._dynamodb.url if self._dynamodb is not None else self.endpoint_url

    def start(self) -> None:
        """Start DynamoDB Local and moto, provision, host the functions, seed."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for key, value in _FAKE_AWS_ENV.items():
            os.environ.setdefault(key, value)
        # Metrics are EMF JSON lines for CloudWatch; on a console they bury the request log.
        os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
        self.backend = choose_backend()
        if self.backend.notice:
            log.warning(self.backend.notice)
        had_database = (self.dynamodb_path / SHARED_DB_FILE).exists()
        if self.backend.name == "local":  # the JVM starts while moto does
            self._dynamodb = DynamoDBLocal(self.dynamodb_path, self.data_dir / "dynamodb.log",
                                           self.data_dir / "dynamodb.pid")
            self._dynamodb.launch()
        # Parked waits restored from the last run continue only once the queues they send to exist again: the
        # marker says provisioning is done (infra/local/sfn_waits.py).
        (self.moto_state_path / PROVISIONED_MARKER).unlink(missing_ok=True)
        self._moto = MotoServer(self.data_dir / "moto.log", self.data_dir / "moto.pid",
                                state_dir=self.moto_state_path)
        self._moto.start()
        if self._dynamodb is not None:
            self._dynamodb.wait_ready()
        self._point_clients()
        stored = load_or_create_secrets(self.data_dir / "secrets.json")
        if self.port == 0:  # pick the port now: the functions need their public URL before the gateway binds
            with socket.socket() as probe:
                probe.bind((self.host, 0))
                self.port = int(probe.getsockname()[1])
        # Tenant URLs (flow webhooks) never reach the gateway or moto, even if LEADPILOT_WEBHOOK_ALLOW lists them.
        os.environ[PLATFORM_ENDPOINTS] = f"{self.host}:{self.port},{self._moto.url},{self.dynamodb_url}"
        get_destinations.cache_clear()
        get_destinations()  # a malformed LEADPILOT_WEBHOOK_ALLOW stops the start here, not a flow later
        # Webhook signatures (Twilio's covers the URL) and email links use the gateway's own URL locally.
        # Local SNS signs nothing, so SES feedback is authenticated by its credentials and topic only.
        # The live WebSocket API's @connections endpoint is the gateway's too: LiveApi is served at /live.
        parameters = {"Stage": STAGE, "JwtSecret": stored["JwtSecret"], "LinkSecret": stored["LinkSecret"],
                      "PublicBaseUrl": f"http://{self.host}:{self.port}", "SnsSignatureCheck": "off",
                      "LiveConnectionsUrl": f"http://{self.host}:{self.port}{mount_path('LiveApi')}",
                      # Twilio's ConversationRelay socket and the relay function's @connections: the gateway too.
                      "VoiceRelayUrl": f"ws://{self.host}:{self.port}{mount_path('VoiceRelayApi')}",
                      "VoiceRelayConnectionsUrl": f"http://{self.host}:{self.port}{mount_path('VoiceRelayApi')}",
                      # Integration secrets sealed with a key kept beside the data; OAuth through the gateway's stub.
                      "VaultKeySpec": f"local:{self.data_dir / 'vault.key'}",
                      "OAuthBaseUrl": f"http://{self.host}:{self.port}{OAUTH_STUB_PREFIX}",
                      "OAuthRedirectUrl": f"http://{self.host}:{self.port}/app/integrations/callback",
                      # Calendar sync talks to the gateway's fake Google Calendar and Graph (tokens of the stub).
                      "GoogleCalendarApiUrl": f"http://{self.host}:{self.port}{CALENDARS_PREFIX}/google/calendar/v3/",
                      "GraphApiUrl": f"http://{self.host}:{self.port}{CALENDARS_PREFIX}/graph/v1.0"}
        self.deployment = provision(self.template_path, {**self.parameters, **parameters})
        self.moto_state_path.mkdir(parents=True, exist_ok=True)
        (self.moto_state_path / PROVISIONED_MARKER).touch()
        had_data = self._restore(had_database)
        # shared/ stands in for the SharedLayer, which AWS mounts on the path as /opt/python.
        self.function_host = FunctionHost(self.deployment, self.host, self.port, python_paths=[REPO_ROOT / "shared"])
        logs.readable_function_logs()
        self.function_host.start()
        self._write_env()
        if self._dynamodb is None:  # DynamoDB Local keeps its data in SQLite; moto keeps it in memory only
            self._snapshotter = Snapshotter(self.deployment, self.snapshot_path, self.snapshot_interval).start()
        if self.seed:
            self.seed_result = seed(self.api_url, existing=had_data)
            for error in self.seed_result.errors:
                log.error("seed: %s", error)

    def _point_clients(self) -> None:
        """Every AWS client of this process (and of commands run with its env.json) at the local services."""
        assert self._moto is not None
        endpoints = {ENDPOINT: self._moto.url, DYNAMODB_ENDPOINT: self._dynamodb.url if self._dynamodb else None}
        for name, url in endpoints.items():
            self._previous_endpoints[name] = os.environ.get(name)
            if url is None:  # moto's DynamoDB: an endpoint set outside must not send DynamoDB elsewhere
                os.environ.pop(name, None)
            else:
                os.environ[name] = url

    def _restore(self, had_database: bool) -> bool:
        """Whether there was data: DynamoDB Local's file, or moto's snapshot (restored here). DynamoDB Local
        imports a snapshot once, when it starts without a database (a data dir of the moto days)."""
        assert self.deployment is not None
        if self._dynamodb is not None and had_database:
            return True
        if not self.snapshot_path.exists():
            return False
        counts = restore(self.deployment, self.snapshot_path)
        into = "DynamoDB Local" if self._dynamodb is not None else "moto"
        log.info("restored %s from %s into %s", counts, self.snapshot_path, into)
        return True

    def _write_env(self) -> None:
        """The functions' environment, for commands run beside the cloud (`python -m infra.local with-env`)."""
        assert self.deployment is not None and self.function_host is not None
        names = [*shared_environment(self.deployment.functions), *_FAKE_AWS_ENV, "AWS_REGION", ENDPOINT,
                 DYNAMODB_ENDPOINT]
        env = {name: os.environ[name] for name in names if name in os.environ}
        env["LEADPILOT_API_URL"] = self.api_url
        write_atomically(self.env_path, json.dumps(env, indent=2))
        self.env_path.chmod(0o600)  # it holds the JWT secret, like secrets.json

    def stop(self) -> None:
        """Stop taking work, save a final snapshot (moto's DynamoDB), stop moto and DynamoDB Local. Safe to call
        twice."""
        self.env_path.unlink(missing_ok=True)
        if self.function_host is not None:
            self.function_host.stop()
        if self._snapshotter is not None:
            try:
                self._snapshotter.stop()
            except Exception:
                log.exception("the final snapshot failed; the previous one is kept")
            self._snapshotter = None
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
        if self._dynamodb is not None:
            self._dynamodb.stop()
            self._dynamodb = None
        os.environ.pop(PLATFORM_ENDPOINTS, None)
        get_destinations.cache_clear()
        # Clients created after a stop must not talk to the servers that are gone.
        for name, previous in self._previous_endpoints.items():
            if previous is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = previous
        self._previous_endpoints = {}

    def __enter__(self) -> LocalCloud:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    @staticmethod
    def _webhook_allow() -> str:
        listed = ", ".join(f"{h}:{p}" for h, p in sorted(get_destinations().allow))
        return (f"local receivers allowed: {listed}" if listed else
                "public addresses only; LEADPILOT_WEBHOOK_ALLOW=127.0.0.1:9000 lets flows call a local receiver")

    def _data_lines(self) -> list[str]:
        if self._dynamodb is not None:
            return [f"  DynamoDB     {self._dynamodb.url}  (DynamoDB Local; log in {self._dynamodb.log_path})",
                    f"  Data         {self.dynamodb_path}  (DynamoDB Local's SQLite file, written as it goes)"]
        why = self.backend.reason if self.backend and self.backend.reason else "LEADPILOT_DYNAMODB=moto"
        return [f"  DynamoDB     {self.endpoint_url}  (moto: {why})",
                f"  Data         {self.snapshot_path}  (saved every {self.snapshot_interval:g} s and on exit)"]

    def banner(self) -> str:
        """Human-readable summary: URLs, the demo login and curl examples."""
        url = self.api_url
        login = json.dumps({"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
        lines = [
            "",
            "LeadPilot local cloud is up",
            f"  Dashboard    {url}/app/  (open it in a browser; log in with the demo login below)",
            f"  API          {url}",
            f"  Reference    {url}/docs  (OpenAPI: {url}/openapi.json)",
            f"  Health       {url}/_local/health",
            *[f"  Live         ws{url.removeprefix('http')}{api.path}?token=<access token>  (WebSocket)"
              for api in (self.deployment.websocket_apis if self.deployment else [])],
            f"  AWS endpoint {self.endpoint_url}  (moto; log in {self.data_dir / 'moto.log'})",
            *self._data_lines(),
            f"  Demo login   {DEMO_EMAIL} / {DEMO_PASSWORD}",
            f"  Webhooks     {self._webhook_allow()}",
            f"  OAuth stub   {url}{OAUTH_STUB_PREFIX}  (plays Google and Microsoft; Connect approves at once)",
            f"  Calendars    {url}{CALENDARS_PREFIX}  (fake Google Calendar and Graph, a few busy blocks tomorrow)",
        ]
        scale = time_scale_from_env()
        if scale != 1:
            lines.append(f"  Time scale   {scale:g}x (LEADPILOT_TIME_SCALE): a day of delays and schedules lasts "
                         f"{86400 / scale:.3g} s")
        functions = self.function_host.load_errors if self.function_host else {}
        if functions:
            lines.append(f"  NOT LOADED   {', '.join(sorted(functions))}  (see the log above)")
        if self.seed_result is not None and self.seed_result.errors:
            lines.append(f"  Seeding had errors: {'; '.join(self.seed_result.errors)[:300]}")
        lines += [
            "",
            "  Try:",
            f"    TOKEN=$(curl -s -X POST {url}/auth/login -H 'Content-Type: application/json' \\",
            f"      -d '{login}' | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')",
            f'    curl -s {url}/contacts -H "Authorization: Bearer $TOKEN"',
            "",
            "  Ctrl-C stops it; data survives restarts.",
            "",
        ]
        return "\n".join(lines)
