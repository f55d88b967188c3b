"""Outgoing webhooks' configuration, read once from the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from leadpilot.clock import time_speed_up
from leadpilot.errors import ConfigurationError


@dataclass(frozen=True)
class WebhooksConfig:
    """Where attempts are queued and scheduled, how fast time runs, and the per-endpoint rate limit."""

    deliveries_queue_url: str
    deliveries_queue_arn: str
    schedule_group: str  # EventBridge Scheduler group of the one-off retry schedules
    scheduler_role_arn: str  # the role Scheduler assumes to send a retry to the deliveries queue
    time_scale: float  # a speed-up: retry delays and the 5-day disable window last time_scale times less
    rate_limit_per_minute: int  # attempts per endpoint and minute unless the endpoint sets its own

    def need(self, name: str) -> str:
        value = str(getattr(self, name))
        if not value:
            raise ConfigurationError(f"webhooks setting {name} is not configured for this function")
        return value


def load_config(env: dict[str, str] | None = None) -> WebhooksConfig:
    """Build the configuration from an environment mapping; a bad number fails loudly."""
    env = dict(os.environ if env is None else env)
    raw = env.get("WEBHOOK_RATE_LIMIT_PER_MINUTE", "").strip() or "6000"
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigurationError(f"WEBHOOK_RATE_LIMIT_PER_MINUTE must be a whole number above 0, got {raw!r}")
    return WebhooksConfig(deliveries_queue_url=env.get("WEBHOOK_DELIVERIES_QUEUE_URL", ""),
                          deliveries_queue_arn=env.get("WEBHOOK_DELIVERIES_QUEUE_ARN", ""),
                          schedule_group=env.get("WEBHOOK_SCHEDULE_GROUP", ""),
                          scheduler_role_arn=env.get("WEBHOOK_SCHEDULER_ROLE_ARN", ""),
                          time_scale=time_speed_up(env), rate_limit_per_minute=int(raw))


@lru_cache(maxsize=1)
def webhooks_config() -> WebhooksConfig:
    """The process-wide configuration, read at cold start."""
    return load_config()
