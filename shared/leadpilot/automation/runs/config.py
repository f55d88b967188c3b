"""The runtime's configuration, read once from the environment (see ADR 0008 for why not in Settings)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from leadpilot.clock import time_speed_up
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
    speed = time_speed_up(env)  # a speed-up, as for the local cloud's scheduler
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
