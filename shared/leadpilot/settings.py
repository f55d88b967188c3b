"""Settings read once from the environment, validated, and passed in (never read ad hoc)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from leadpilot.errors import ConfigurationError


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
    dev_tools: bool = False  # the /dev/* routes (sandboxes' simulator and captures); never on in a deployed stage

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
        rate_limit_workspace=_count(env, "LEADPILOT_RATE_LIMIT_WORKSPACE", Settings.rate_limit_workspace),
        rate_limit_api_key=_count(env, "LEADPILOT_RATE_LIMIT_API_KEY", Settings.rate_limit_api_key),
        rate_limit_window_s=_count(env, "LEADPILOT_RATE_LIMIT_WINDOW_S", Settings.rate_limit_window_s, minimum=1),
        dev_tools=_on_off(env, "LEADPILOT_DEV_TOOLS"),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read at cold start."""
    return load_settings()
