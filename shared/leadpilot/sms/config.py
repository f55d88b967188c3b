"""SMS configuration, read once from the environment (like the automation runtime's, see ADR 0009).

No Twilio credentials means the sandbox: outbound texts are recorded, not sent, and simulated webhooks are
signed with a per-deployment sandbox token derived from the JWT secret (domain-separated HMAC), so the
simulator and Twilio go through the same RequestValidator check.
"""
from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from leadpilot.clock import time_speed_up
from leadpilot.errors import ConfigurationError

# Twilio's magic test number: the sandbox sends from it when a workspace has no number of its own.
SANDBOX_FROM = "+15005550006"
# The AccountSid of the sandbox's simulated webhooks (Twilio never issues it).
SANDBOX_ACCOUNT = "AC" + "0" * 32


@dataclass(frozen=True)
class MessagingConfig:
    """Where sends are queued, which provider is used and how webhook URLs are rebuilt."""

    send_queue_url: str
    twilio_account_sid: str
    twilio_auth_token: str
    twilio_api_base_url: str  # only to point the real client at a stub (tests); empty in production
    twilio_messaging_service_sid: str
    public_base_url: str  # e.g. https://api.example.com or https://abc.execute-api.../prod; empty: from headers
    sandbox_auth_token: str
    time_scale: float  # a speed-up factor: waits (schedules, quiet hours) last time_scale times less

    @property
    def sandbox(self) -> bool:
        """True when no Twilio credentials are configured: texts are recorded and the simulator is on."""
        return not (self.twilio_account_sid and self.twilio_auth_token)

    @property
    def webhook_account_sid(self) -> str:
        """The AccountSid of the platform's webhooks: Twilio's account, or the sandbox's."""
        return SANDBOX_ACCOUNT if self.sandbox else self.twilio_account_sid

    @property
    def webhook_auth_token(self) -> str:
        """The token that signs inbound webhooks: Twilio's auth token, or the sandbox's."""
        return self.sandbox_auth_token if self.sandbox else self.twilio_auth_token

    def need(self, name: str) -> str:
        value = str(getattr(self, name))
        if not value:
            raise ConfigurationError(f"messaging setting {name} is not configured for this function")
        return value


def sandbox_token(jwt_secret: str) -> str:
    """The sandbox's webhook signing token: per deployment, never equal to the JWT secret itself."""
    return hmac.new(jwt_secret.encode(), b"leadpilot/twilio-sandbox/v1", hashlib.sha256).hexdigest()[:32]


def load_config(env: dict[str, str] | None = None) -> MessagingConfig:
    """Build the configuration from an environment mapping; a bad time scale or half a credential fails loudly."""
    env = dict(os.environ if env is None else env)
    speed = time_speed_up(env)
    sid, token = env.get("TWILIO_ACCOUNT_SID", "").strip(), env.get("TWILIO_AUTH_TOKEN", "").strip()
    if bool(sid) != bool(token):
        raise ConfigurationError("set both TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, or neither (sandbox)")
    sandbox = env.get("SMS_SANDBOX_AUTH_TOKEN", "").strip() or sandbox_token(env.get("LEADPILOT_JWT_SECRET", ""))
    return MessagingConfig(send_queue_url=env.get("SMS_SEND_QUEUE_URL", ""), twilio_account_sid=sid,
                           twilio_auth_token=token, twilio_api_base_url=env.get("TWILIO_API_BASE_URL", "").strip(),
                           twilio_messaging_service_sid=env.get("TWILIO_MESSAGING_SERVICE_SID", "").strip(),
                           public_base_url=env.get("PUBLIC_BASE_URL", "").strip().rstrip("/"),
                           sandbox_auth_token=sandbox, time_scale=speed)


@lru_cache(maxsize=1)
def messaging_config() -> MessagingConfig:
    """The process-wide messaging configuration, read at cold start."""
    return load_config()
