"""Settings read once from the environment, validated, and passed in (never read ad hoc)."""
from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from leadpilot.errors import ConfigurationError

_ORIGIN = re.compile(r"https?://[a-z0-9.-]+(:[0-9]{1,5})?")  # the template's DashboardOrigin pattern


@dataclass(frozen=True)
class Settings:
    """Everything a function needs to know about its environment."""

    stage: str
    region: str
    identity_table: str
    crm_table: str
    event_bus_name: str
    jwt_secret: str
    access_token_ttl_s: int = 15 * 60
    refresh_token_ttl_s: int = 30 * 24 * 3600
    invite_ttl_s: int = 7 * 24 * 3600
    max_body_bytes: int = 64 * 1024
    login_max_failures: int = 5
    login_window_s: int = 15 * 60
    files_bucket: str = ""
    jobs_queue_url: str = ""
    max_import_bytes: int = 5 * 1024 * 1024
    rate_limit_workspace: int = 1200  # requests per window and workspace (0: unlimited); ADR 0014
    rate_limit_api_key: int = 600  # requests per window and API key, within the workspace's
    rate_limit_window_s: int = 60
    live_connections_url: str = ""  # the live WebSocket API's @connections endpoint (ADR 0018)
    dev_tools: bool = False  # the /dev/* routes (sandboxes' simulator and captures); never on in a deployed stage
    dashboard_origin: str = ""  # the browser origin admitted by CORS (the dashboard on CloudFront); "" admits none

    def need(self, name: str) -> str:
        """An optional setting that this use case requires."""
        value = getattr(self, name)
        if not value:
            raise ConfigurationError(f"setting {name} is not configured for this function")
        return str(value)


def _required(env: dict[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigurationError(f"environment variable {name} is required")
    return value


def _on_off(env: dict[str, str], name: str) -> bool:
    value = env.get(name, "off").strip().lower() or "off"
    if value not in ("on", "off"):
        raise ConfigurationError(f"{name} must be on or off, got {value!r}")
    return value == "on"


def _count(env: dict[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or int(raw) < minimum:
        raise ConfigurationError(f"{name} must be a whole number of at least {minimum}, got {raw!r}")
    return int(raw)


def _origin(env: dict[str, str], name: str) -> str:
    """A browser origin as the Origin header spells it (scheme://host[:port], lower case), or "" when unset."""
    raw = env.get(name, "").strip().rstrip("/").lower()
    if raw and not _ORIGIN.fullmatch(raw):
        raise ConfigurationError(f"{name} must be an origin such as https://app.example.com, got {raw!r}")
    return raw


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build Settings from an environment mapping, failing loudly on anything missing."""
    env = dict(os.environ if env is None else env)
    secret = _required(env, "LEADPILOT_JWT_SECRET")
    if len(secret) < 32:
        raise ConfigurationError("LEADPILOT_JWT_SECRET must be at least 32 characters")
    return Settings(
        stage=env.get("LEADPILOT_STAGE", "dev"),
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        identity_table=_required(env, "IDENTITY_TABLE"),
        crm_table=_required(env, "CRM_TABLE"),
        event_bus_name=_required(env, "EVENT_BUS_NAME"),
        jwt_secret=secret,
        files_bucket=env.get("FILES_BUCKET", ""),
        jobs_queue_url=env.get("JOBS_QUEUE_URL", ""),
        live_connections_url=env.get("LIVE_CONNECTIONS_URL", ""),
        rate_limit_workspace=_count(env, "LEADPILOT_RATE_LIMIT_WORKSPACE", Settings.rate_limit_workspace),
        rate_limit_api_key=_count(env, "LEADPILOT_RATE_LIMIT_API_KEY", Settings.rate_limit_api_key),
        rate_limit_window_s=_count(env, "LEADPILOT_RATE_LIMIT_WINDOW_S", Settings.rate_limit_window_s, minimum=1),
        dev_tools=_on_off(env, "LEADPILOT_DEV_TOOLS"),
        dashboard_origin=_origin(env, "DASHBOARD_ORIGIN"),
    )


def password_profile(env: Mapping[str, str]) -> str:
    """LEADPILOT_PASSWORD_HASHING: "argon2id" (the default: argon2-cffi's recommended parameters) or "cheapest"
    (argon2-cffi's test profile, which keeps a suite of hundreds of sign-ups fast). "cheapest" is refused on
    any stage but "test", so no deployment can weaken its password hashes by a stray variable."""
    profile = env.get("LEADPILOT_PASSWORD_HASHING", "").strip() or "argon2id"
    if profile not in {"argon2id", "cheapest"}:
        raise ConfigurationError("LEADPILOT_PASSWORD_HASHING must be argon2id or cheapest")
    if profile == "cheapest" and env.get("LEADPILOT_STAGE") != "test":
        raise ConfigurationError("LEADPILOT_PASSWORD_HASHING=cheapest is only allowed on stage test")
    return profile


@lru_cache(maxsize=1)
def password_hashing() -> str:
    """This process's password hashing profile (see password_profile), read at first use."""
    return password_profile(os.environ)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read at cold start."""
    return load_settings()


HostPort = tuple[str, int]


@dataclass(frozen=True)
class Destinations:
    """Where tenant-chosen URLs (a flow's webhook step) may go besides public addresses, and where never."""

    allow: frozenset[HostPort] = frozenset()  # local receivers a developer listed (LEADPILOT_WEBHOOK_ALLOW)
    platform: frozenset[HostPort] = frozenset()  # the platform's own endpoints: refused even when listed


def normal_host(host: str) -> str:
    """A host as compared: lower case, IPv6 without brackets, IP addresses in their canonical form."""
    host = host.strip().strip("[]").lower()
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host


def _host_ports(name: str, raw: str) -> frozenset[HostPort]:
    """'127.0.0.1:9000,localhost:8080,[::1]:9000' (or URLs) as a set of (host, port); a bad entry fails loudly."""
    pairs = set()
    for entry in filter(None, (e.strip() for e in raw.split(","))):
        parts = urlsplit(entry if "://" in entry else f"//{entry}")
        try:
            port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
        except ValueError:
            port = None
        if not parts.hostname or port is None:
            raise ConfigurationError(f"{name}: {entry!r} is not host:port")
        pairs.add((normal_host(parts.hostname), port))
    return frozenset(pairs)


def load_destinations(env: dict[str, str] | None = None) -> Destinations:
    """LEADPILOT_WEBHOOK_ALLOW lists local receivers; the platform's endpoints are LEADPILOT_PLATFORM_ENDPOINTS
    (the local cloud's gateway and moto) and every AWS_ENDPOINT_URL* (wherever boto3 is pointed)."""
    env = dict(os.environ if env is None else env)
    platform = _host_ports("LEADPILOT_PLATFORM_ENDPOINTS", env.get("LEADPILOT_PLATFORM_ENDPOINTS", ""))
    for key, value in env.items():
        if key == "AWS_ENDPOINT_URL" or key.startswith("AWS_ENDPOINT_URL_"):
            platform |= _host_ports(key, value)
    return Destinations(_host_ports("LEADPILOT_WEBHOOK_ALLOW", env.get("LEADPILOT_WEBHOOK_ALLOW", "")), platform)


@lru_cache(maxsize=1)
def get_destinations() -> Destinations:
    """The process-wide destination rules, read at cold start."""
    return load_destinations()
