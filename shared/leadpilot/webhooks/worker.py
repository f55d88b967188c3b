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
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from leadpilot import safe_http
from leadpilot.clock import now_epoch, now_iso
from leadpilot.identity.store import members_of
from leadpilot.notifications.service import notify
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings
from leadpilot.webhooks import endpoints, queue
from leadpilot.webhooks.config import WebhooksConfig, webhooks_config
from leadpilot.webhooks.deliveries import deliveries_pk, retry_index, retry_unindex
from leadpilot.webhooks.models import DeliveryItem, EndpointItem, EndpointRateItem
from leadpilot.webhooks.signing import headers as signed_headers

# Standard Webhooks' schedule: the delay before each try of a delivery (the first is immediate).
SCHEDULE_S = (0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
TIMEOUT_S = 15.0
# A claim older than this is taken over: longer than a delivery batch may run (its function's timeout, 120 s),
# shorter than the queue's visibility (720 s), after which SQS hands a dead worker's message out again.
LEASE_S = 180
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


def _admit(endpoint: EndpointItem, config: WebhooksConfig, count: int = 1) -> float:
    """Count `count` attempts against the endpoint's per-minute limit; 0 when admitted, else seconds to wait."""
    limit = int(endpoint.rate_limit_per_minute or config.rate_limit_per_minute)
    now = time.time()
    start = int(now - now % 60)
    if count > limit:
        return start + 60 - now
    item = EndpointRateItem(f"{endpoints.endpoints_pk(endpoint.workspace_id)}#{endpoint.endpoint_id}#RATE",
                            str(start))
    try:
        item.update(actions=[EndpointRateItem.attempts.add(count), EndpointRateItem.expires_at.set(start + 120)],
                    condition=EndpointRateItem.attempts.does_not_exist()
                    | (EndpointRateItem.attempts <= limit - count))
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return start + 60 - now
        logger.warning("webhook rate counter unavailable; attempt admitted", extra={"error": str(exc)})
    return 0.0


@dataclass
class Planned:
    """An attempt of a batch, with its endpoint read once for the batch (None: deleted) and whether the rate
    limit already admitted it."""

    message: dict[str, Any]
    endpoint: EndpointItem | None
    admitted: bool


def plan(settings: Settings, messages: list[dict[str, Any]]) -> list[Planned]:
    """A batch's attempts: its endpoints read in one BatchGetItem, and each admitted by its rate limit for all
    its attempts at once (one counter update per endpoint, side by side); when they do not fit in the window,
    each attempt is admitted on its own."""
    if not messages:
        return []
    config = webhooks_config()
    counts = Counter((m["workspace_id"], m["endpoint_id"]) for m in messages)
    keys = {(endpoints.endpoints_pk(ws), f"ENDPOINT#{eid}"): (ws, eid) for ws, eid in counts}
    found: dict[tuple[str, str], EndpointItem | None] = dict.fromkeys(counts)
    for item in EndpointItem.batch_get(list(keys), consistent_read=True):
        found[keys[(item.PK, item.SK)]] = item

    def admit(key: tuple[str, str]) -> bool:
        endpoint = found[key]
        return endpoint is not None and bool(endpoint.enabled) and _admit(endpoint, config, counts[key]) == 0

    with ThreadPoolExecutor(max_workers=min(10, len(found))) as pool:
        admitted = dict(zip(found, pool.map(admit, found), strict=True))
    return [Planned(m, found[key], admitted[key]) for m in messages
            for key in [(m["workspace_id"], m["endpoint_id"])]]


def claim_actions(attempt: int, now: int) -> list[Action]:
    """A fresh claim of attempt `attempt` (condition: `claimable(attempt)`)."""
    return [DeliveryItem.attempts.set(attempt), DeliveryItem.tries.add(1), DeliveryItem.status.set("sending"),
            DeliveryItem.claimed_at.set(now)]


def claimable(attempt: int) -> Any:
    return (DeliveryItem.attempts == attempt - 1) & (DeliveryItem.status == "pending")


def claim(item: DeliveryItem, attempt: int) -> bool:
    """Make this worker the one making attempt `attempt`: a fresh claim, or the takeover of a stale one."""
    now = now_epoch()
    stale: list[Action] = [DeliveryItem.claimed_at.set(now)]
    for actions, condition in (
            (claim_actions(attempt, now), claimable(attempt)),
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


def after_failure(settings: Settings, config: WebhooksConfig, endpoint: EndpointItem, item: DeliveryItem,
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
    delay = next_delay(int(item.tries), outcome)  # item.tries counts this try (the claim raised it)
    if delay is None:
        return "failed", None
    due = queue.send_later(config, settings.region, queue.task(item.workspace_id, item.endpoint_id,
                                                                item.delivery_id, attempt + 1),
                           queue.real_delay(config, delay))
    return "pending", due.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def record_actions(item: DeliveryItem, attempt: int, outcome: Outcome, status: str, next_at: str | None
                   ) -> list[Action]:
    """The update that logs an attempt and sets what follows it: a retry is listed for the sweeper under its due
    time (a schedule or delayed message that never arrives is queued again), an end takes it off the list."""
    entry = {"attempt": attempt, "at": now_iso(), "status_code": outcome.status_code,
             "latency_ms": outcome.latency_ms, "response": outcome.response, "error": outcome.error}
    due = [DeliveryItem.next_attempt_at.set(next_at), *retry_index(item, next_at)] if next_at else \
        [DeliveryItem.next_attempt_at.remove(), *retry_unindex()]
    return [DeliveryItem.status.set(status), DeliveryItem.log.set(DeliveryItem.log.append([entry])), *due,
            DeliveryItem.updated_at.set(now_iso())]


def record(item: DeliveryItem, attempt: int, outcome: Outcome, status: str, next_at: str | None) -> None:
    """Log an attempt on its delivery, while this worker still holds its claim."""
    item.update(actions=record_actions(item, attempt, outcome, status, next_at),
                condition=DeliveryItem.attempts == attempt)


def conclude(settings: Settings, config: WebhooksConfig, endpoint: EndpointItem, item: DeliveryItem,
             outcome: Outcome, attempt: int) -> tuple[str, str | None]:
    """The delivery's status after an attempt and when the next is due (None when none is); a success ends the
    endpoint's failure streak, a failure schedules the next try or disables the endpoint."""
    if outcome.ok:
        if endpoint.failing_since is not None:
            endpoints.record_outcome(endpoint.workspace_id, endpoint.endpoint_id, True, now_epoch())
        return "succeeded", None
    return after_failure(settings, config, endpoint, item, outcome, attempt)


def attempt(settings: Settings, message: dict[str, Any], planned: Planned | None = None) -> str:
    """Run one queued attempt; returns what happened (for logs and tests): sent, failed, retry, late, skipped."""
    config = webhooks_config()
    planned = planned or plan(settings, [message])[0]
    endpoint, number = planned.endpoint, int(message["attempt"])
    if endpoint is None:
        return "skipped"  # the endpoint was deleted
    if endpoint.enabled and not planned.admitted:
        wait = _admit(endpoint, config)
        if wait > 0:  # over the endpoint's rate: the same attempt later, not counted as one
            queue.send_later(config, settings.region, message, wait)
            return "late"
    # The claim's answer is the delivery (pynamodb's update reads ALL_NEW): no read before it.
    item = DeliveryItem(deliveries_pk(endpoint.workspace_id, endpoint.endpoint_id),
                        f"DELIVERY#{message['delivery_id']}")
    if not claim(item, number):
        return "skipped"  # made, or being made, by another worker, or expired
    if not endpoint.enabled:
        outcome = Outcome(None, 0, "", f"the endpoint is disabled ({endpoint.disabled_reason or 'by a member'})")
        record(item, number, outcome, "failed", None)
        return "failed"
    outcome = send(endpoint, item)
    metrics.add_metric(name="WebhookAttempt", unit="Count", value=1)
    status, next_at = conclude(settings, config, endpoint, item, outcome, number)
    record(item, number, outcome, status, next_at)
    return {"succeeded": "sent", "pending": "retry"}.get(status, "failed")
