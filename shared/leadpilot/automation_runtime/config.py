"""The runtime's configuration, read once from the environment (see ADR 0008 for why not in Settings)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from leadpilot.errors import ConfigurationError


@dataclass(frozen=True)
class RuntimeConfig:
    """Where actions go, which role state machines run as, and how fast flow time runs."""

    actions_queue_url: str
    role_arn: str
    time_scale: float
    machine_prefix: str
    triggers_queue_url: str = ""

    def need(self, name: str) -> str:
        value = str(getattr(self, name))
        if not value:
            raise ConfigurationError(f"automation setting {name} is not configured for this function")
        return value


def load_config(env: dict[str, str] | None = None) -> RuntimeConfig:
    """Build the configuration from an environment mapping; a bad time scale fails loudly."""
    env = dict(os.environ if env is None else env)
    # LEADPILOT_TIME_SCALE is a speed-up, as for the local cloud's scheduler: how many times faster than
    # real time flow delays and timeouts run (259200 makes three days last one second).
    raw = env.get("LEADPILOT_TIME_SCALE", "1").strip() or "1"
    try:
        speed = float(raw)
    except ValueError as exc:
        raise ConfigurationError("LEADPILOT_TIME_SCALE must be a positive number") from exc
    if not 0 < speed <= 10_000_000:
        raise ConfigurationError("LEADPILOT_TIME_SCALE must be a number above 0 and at most 10,000,000")
    scale = 1 / speed  # what the compiler multiplies durations by
    stage = env.get("LEADPILOT_STAGE", "dev")
    return RuntimeConfig(actions_queue_url=env.get("AUTOMATION_ACTIONS_QUEUE_URL", ""),
                         role_arn=env.get("AUTOMATION_ROLE_ARN", ""), time_scale=scale,
                         machine_prefix=f"lp-{stage}",
                         triggers_queue_url=env.get("AUTOMATION_TRIGGERS_QUEUE_URL", ""))


@lru_cache(maxsize=1)
def runtime_config() -> RuntimeConfig:
    """The process-wide runtime configuration, read at cold start."""
    return load_config()
