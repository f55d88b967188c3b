"""One delivery attempt: admitted by the endpoint's rate limit, claimed under a condition, signed, sent through
the SSRF-safe HTTP path, recorded in the delivery's log, and followed by the next attempt of the Standard
Webhooks schedule when it failed.

Exactly-once intent, at-least-once delivery: an attempt is claimed by raising the delivery's attempt count from
n-1 to n, so a duplicate message finds it claimed and does nothing; the claim is a lease, so when a worker dies
mid-attempt, SQS hands the message out again after its visibility timeout and the next worker takes it over.
"""
from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.update import Action

from leadpilot import safe_http
from leadpilot.clock import now_epoch, now_iso
from leadpilot.errors import NotFound
from leadpilot.identity.store import members_of
from leadpilot.notifications.service import notify
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings
from leadpilot.webhooks import endpoints, queue
from leadpilot.webhooks.config import WebhooksConfig, webhooks_config
from leadpilot.webhooks.deliveries import deliveries_pk
from leadpilot.webhooks.models import DeliveryItem, EndpointItem, EndpointRateItem
from leadpilot.webhooks.signing import headers as signed_headers

# Standard Webhooks' schedule: the delay before each try of a delivery (the first is immediate).
SCHEDULE_S = (0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
TIMEOUT_S = 15.0
LEASE_S = 60  # a claimed attempt whose worker is silent this long is taken over (the queue's visibility is 90 s)
RESPONSE_BYTES = 1024
DISABLE_AFTER_S = 5 * 24 * 3600  # failing this long in a row disables an endpoint
USER_AGENT = "LeadPilot-Webhooks/1"


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: int
    response: str
    error: str | None
    retry_after_s: float | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError):
        return None


def next_delay(tries: int, outcome: Outcome) -> float | None:
    """Seconds until the next try after `tries` failed ones (None: the schedule is over); a 429/503's
    Retry-After pushes it later, never sooner, and never beyond a day."""
    if tries >= len(SCHEDULE_S):
        return None
    delay = float(SCHEDULE_S[tries])
    if outcome.status_code in (429, 503) and outcome.retry_after_s is not None:
        delay = max(delay, min(outcome.retry_after_s, 86400.0))
    return delay


def _admit(endpoint: EndpointItem, config: WebhooksConfig) -> float:
    """Count an attempt against the endpoint's per-minute limit; 0 when admitted, else seconds to wait."""
    limit = int(endpoint.rate_limit_per_minute or config.rate_limit_per_minute)
    now = time.time()
    start = int(now - now % 60)
    item = EndpointRateItem(f"{endpoints.endpoints_pk(endpoint.workspace_id)}#{endpoint.endpoint_id}#RATE",
                            str(start))
    try:
        item.update(actions=[EndpointRateItem.attempts.add(1), EndpointRateItem.expires_at.set(start + 120)],
                    condition=EndpointRateItem.attempts.does_not_exist() | (EndpointRateItem.attempts < limit))
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return start + 60 - now
        logger.warning("webhook rate counter unavailable; attempt admitted", extra={"error": str(exc)})
    return 0.0


def _claim(item: DeliveryItem, attempt: int) -> bool:
    """Make this worker the one making attempt `attempt`: a fresh claim, or the takeover of a stale one."""
    now = now_epoch()
    fresh: list[Action] = [DeliveryItem.attempts.set(attempt), DeliveryItem.tries.add(1),
                           DeliveryItem.status.set("sending"), DeliveryItem.claimed_at.set(now)]
    stale: list[Action] = [DeliveryItem.claimed_at.set(now)]
    for actions, condition in (
            (fresh, (DeliveryItem.attempts == attempt - 1) & (DeliveryItem.status == "pending")),
            (stale, (DeliveryItem.attempts == attempt) & (DeliveryItem.status == "sending")
             & (DeliveryItem.claimed_at < now - LEASE_S))):
        try:
            item.update(actions=actions, condition=condition)
            return True
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
    return False


def send(endpoint: EndpointItem, item: DeliveryItem) -> Outcome:
    """POST the payload, signed now, to the endpoint through the SSRF-safe opener (15 s timeout)."""
    body = item.payload.encode()
    head = {**endpoints.custom_headers(endpoint), "Content-Type": "application/json", "User-Agent": USER_AGENT,
            **signed_headers(endpoints.signing_secrets(endpoint), item.delivery_id, int(time.time()), body)}
    request = urllib.request.Request(endpoint.url, data=body, headers=head, method="POST")
    started = time.monotonic()
    status, raw, error, after = None, b"", None, None
    try:
        with safe_http.open_public(request, timeout=TIMEOUT_S) as response:
            status, raw = int(response.status), response.read(RESPONSE_BYTES)
    except urllib.error.HTTPError as exc:
        status, raw = int(exc.code), exc.read(RESPONSE_BYTES)
        after = retry_after(exc.headers.get("Retry-After"), time.time())
    except (urllib.error.URLError, safe_http.Refused, TimeoutError, ConnectionError, OSError) as exc:
        error = str(getattr(exc, "reason", exc)) or type(exc).__name__
    latency = int((time.monotonic() - started) * 1000)
    if status is not None and not 200 <= status < 300 and error is None:
        error = f"answered {status}"
    return Outcome(status, latency, raw.decode(errors="replace"), error, after)


def _notify_admins(settings: Settings, endpoint: EndpointItem, reason: str) -> None:
    for member in members_of(endpoint.workspace_id):
        if member.role in ("owner", "admin"):
            notify(settings, endpoint.workspace_id, member.user_id, "webhook_disabled",
                   "A webhook endpoint was disabled", f"{endpoint.url}: {reason}",
                   f"/webhooks/{endpoint.endpoint_id}")


def _disable(settings: Settings, endpoint: EndpointItem, reason: str) -> None:
    if endpoints.disable(endpoint.workspace_id, endpoint.endpoint_id, reason):
        metrics.add_metric(name="WebhookEndpointDisabled", unit="Count", value=1)
        _notify_admins(settings, endpoint, reason)


def _after_failure(settings: Settings, config: WebhooksConfig, endpoint: EndpointItem, item: DeliveryItem,
                   outcome: Outcome, attempt: int) -> tuple[str, str | None]:
    """The delivery's status once an attempt failed, and when the next one is due; disables the endpoint on a
    410 or when it has failed for 5 days in a row."""
    if outcome.status_code == 410:
        _disable(settings, endpoint, "the endpoint answered 410 Gone")
        return "failed", None
    since = endpoints.record_outcome(endpoint.workspace_id, endpoint.endpoint_id, False, now_epoch())
    if since is not None and now_epoch() - since >= queue.real_delay(config, DISABLE_AFTER_S):
        _disable(settings, endpoint, "every attempt failed for 5 days")
        return "failed", None
    delay = next_delay(int(item.tries) + 1, outcome)
    if delay is None:
        return "failed", None
    due = queue.send_later(config, settings.region, queue.task(item.workspace_id, item.endpoint_id,
                                                                item.delivery_id, attempt + 1),
                           queue.real_delay(config, delay))
    return "pending", due.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _record(item: DeliveryItem, attempt: int, outcome: Outcome, status: str, next_at: str | None) -> None:
    entry = {"attempt": attempt, "at": now_iso(), "status_code": outcome.status_code,
             "latency_ms": outcome.latency_ms, "response": outcome.response, "error": outcome.error}
    due = DeliveryItem.next_attempt_at.set(next_at) if next_at else DeliveryItem.next_attempt_at.remove()
    item.update(actions=[DeliveryItem.status.set(status), DeliveryItem.log.set(DeliveryItem.log.append([entry])),
                         due, DeliveryItem.updated_at.set(now_iso())],
                condition=DeliveryItem.attempts == attempt)


def attempt(settings: Settings, message: dict[str, Any]) -> str:
    """Run one queued attempt; returns what happened (for logs and tests): sent, failed, retry, late, skipped."""
    config = webhooks_config()
    ws, endpoint_id, number = message["workspace_id"], message["endpoint_id"], int(message["attempt"])
    try:
        item = DeliveryItem.get(deliveries_pk(ws, endpoint_id), f"DELIVERY#{message['delivery_id']}",
                                consistent_read=True)
        endpoint = endpoints.get_item(ws, endpoint_id)
    except (DoesNotExist, NotFound):
        return "skipped"  # the endpoint was deleted, or the delivery expired
    if endpoint.enabled:
        wait = _admit(endpoint, config)
        if wait > 0:  # over the endpoint's rate: the same attempt later, not counted as one
            queue.send_later(config, settings.region, message, wait)
            return "late"
    if not _claim(item, number):
        return "skipped"  # made, or being made, by another worker
    if not endpoint.enabled:
        outcome = Outcome(None, 0, "", f"the endpoint is disabled ({endpoint.disabled_reason or 'by a member'})")
        _record(item, number, outcome, "failed", None)
        return "failed"
    outcome = send(endpoint, item)
    metrics.add_metric(name="WebhookAttempt", unit="Count", value=1)
    if outcome.ok:
        if endpoint.failing_since is not None:
            endpoints.record_outcome(ws, endpoint_id, True, now_epoch())
        _record(item, number, outcome, "succeeded", None)
        return "sent"
    status, next_at = _after_failure(settings, config, endpoint, item, outcome, number)
    _record(item, number, outcome, status, next_at)
    return "retry" if status == "pending" else "failed"
