"""Email configuration, read once from the environment (like the automation runtime's, see ADR 0010).

Keys are derived with domain-separated HMACs from the email link secret (`EMAIL_LINK_SECRET`, template
parameter `LinkSecret`): tracking links, unsubscribe links, reply addresses and webhook credentials each get
their own. Links live in people's mailboxes for years and an unsubscribe link must keep working, so this
secret is not the JWT secret, which is rotated when sign-in tokens must die. Without a link secret the JWT
secret is used (as before the parameter existed); once one is set, links signed with the JWT secret's keys
are still accepted (`keys[1]`), until that secret is rotated. `EMAIL_LINK_SECRET_PREVIOUS` keeps a rotated
link secret's links valid the same way.
"""
from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from leadpilot.errors import ConfigurationError

MAX_BODY_BYTES = 100_000  # the markdown source; the flow schema's send_email body has the same limit


@dataclass(frozen=True)
class EmailKeys:
    """The keys derived from one secret."""

    link: bytes
    unsubscribe: bytes
    webhook: str

    @classmethod
    def of(cls, secret: str) -> EmailKeys:
        return cls(derive(secret, "links"), derive(secret, "unsubscribe"), derive(secret, "webhooks").hex())


@dataclass(frozen=True)
class EmailConfig:
    """Where sends are queued, the public base of tracking links, and the keys that sign them."""

    send_queue_url: str
    public_base_url: str  # of links in sent mail: the send worker's (functions serving routes are not told it)
    keys: tuple[EmailKeys, ...]  # the first signs; every one verifies (older secrets' links keep working)
    feedback_topic_arns: frozenset[str]
    inbound_domain: str
    sns_signature_check: bool = True  # off only on the local cloud, where no SNS signs anything

    @property
    def link_key(self) -> bytes:
        return self.keys[0].link

    @property
    def unsubscribe_key(self) -> bytes:
        return self.keys[0].unsubscribe

    @property
    def webhook_secret(self) -> str:
        return self.keys[0].webhook

    @property
    def tracking_base(self) -> str:
        """The base of click/open links (`<base>/c/<token>`, `<base>/o/<token>.gif`)."""
        return f"{self.need_base()}/e"

    def unsubscribe_url(self, token: str) -> str:
        return f"{self.need_base()}/e/u/{token}"

    def need_base(self) -> str:
        if not self.public_base_url:
            raise ConfigurationError("PUBLIC_BASE_URL is not configured for this function")
        return self.public_base_url

    def need_queue(self) -> str:
        if not self.send_queue_url:
            raise ConfigurationError("EMAIL_SEND_QUEUE_URL is not configured for this function")
        return self.send_queue_url


def derive(secret: str, purpose: str) -> bytes:
    """A key for one purpose from the deployment secret (HMAC-SHA256, domain-separated)."""
    return hmac.new(secret.encode(), f"leadpilot.email.{purpose}".encode(), hashlib.sha256).digest()


def load_email_config(env: dict[str, str] | None = None) -> EmailConfig:
    """Build the configuration from an environment mapping."""
    env = dict(os.environ if env is None else env)
    jwt_secret = env.get("LEADPILOT_JWT_SECRET", "")
    if len(jwt_secret) < 32:
        raise ConfigurationError("LEADPILOT_JWT_SECRET must be at least 32 characters")
    secrets = [env.get(name, "").strip() for name in ("EMAIL_LINK_SECRET", "EMAIL_LINK_SECRET_PREVIOUS")]
    for name, value in zip(("EMAIL_LINK_SECRET", "EMAIL_LINK_SECRET_PREVIOUS"), secrets, strict=True):
        if value and len(value) < 32:
            raise ConfigurationError(f"{name} must be at least 32 characters")
    ordered = [value for value in (*secrets, jwt_secret) if value]
    keys = tuple(EmailKeys.of(value) for value in dict.fromkeys(ordered))
    base = (env.get("PUBLIC_BASE_URL") or "").strip().rstrip("/")
    if base and not base.startswith(("https://", "http://")):
        raise ConfigurationError("PUBLIC_BASE_URL must be an absolute http(s) URL")
    topics = frozenset(t.strip() for t in env.get("SES_FEEDBACK_TOPIC_ARNS", "").split(",") if t.strip())
    return EmailConfig(send_queue_url=env.get("EMAIL_SEND_QUEUE_URL", ""), public_base_url=base,
                       keys=keys, feedback_topic_arns=topics,
                       inbound_domain=env.get("EMAIL_INBOUND_DOMAIN", "reply.leadpilot.local").strip().lower(),
                       sns_signature_check=env.get("SNS_SIGNATURE_CHECK", "on").strip().lower() != "off")


@lru_cache(maxsize=1)
def email_config() -> EmailConfig:
    """The process-wide email configuration, read at cold start."""
    return load_email_config()
