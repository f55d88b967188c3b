"""The webhook action: a signed HTTP request whose JSON response is mapped into the run's variables.

Signature (when `signed`, the default): header `X-LeadPilot-Signature: t=<unix seconds>,v1=<hex>` where
hex = HMAC-SHA256(workspace signing secret, f"{t}.{raw body}"), as Stripe does; receivers check it and the
age of t. `X-LeadPilot-Delivery` is stable across redeliveries of one action (receivers deduplicate on it).
Outcomes: 2xx -> `{"status", "vars", ...}`; 408/425/429/5xx are tried again by the worker after 0.5 s and 1.5 s
(same delivery id), then answered LeadPilot.Transient like timeouts and connection errors: the compiled Retry
sends a new attempt after 2 s, 4 s, then the error edge is taken. Any other status -> permanent failure.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import PutError

from leadpilot import safe_http, untrusted
from leadpilot.automation.flows.compiler import TRANSIENT_ERROR
from leadpilot.automation.steps.actions import FAILED, Job, PermanentFailure
from leadpilot.clock import now_iso
from leadpilot.db.base import CrmModel
from leadpilot.errors import DomainError
from leadpilot.observability import metrics

SIGNATURE_HEADER = "X-LeadPilot-Signature"
DELIVERY_HEADER = "X-LeadPilot-Delivery"
TIMEOUT_S = 10.0
# Pauses between the worker's own tries of one attempt when the receiver answers 5xx/429 (then LeadPilot.Transient).
BACKOFF_S = (0.5, 1.5)
MAX_RESPONSE_BYTES = 256 * 1024
_PATH_STEP = re.compile(r"\.([A-Za-z0-9_]+)|\[([0-9]+)\]")
_TRANSIENT_STATUS = frozenset({408, 425, 429})


class WebhookSecretItem(CrmModel, discriminator="automation_webhook_secret"):
    """PK: WS#<ws>#WEBHOOK_SIGNING  SK: SECRET. The workspace's webhook signing secret (made on first use)."""

    secret = UnicodeAttribute()
    created_at = UnicodeAttribute()


class TransientFailure(PermanentFailure):
    """Worth another attempt: answered as LeadPilot.Transient, which the compiled Retry retries with backoff."""

    def __init__(self, cause: str) -> None:
        super().__init__(TRANSIENT_ERROR, cause)


def signing_secret(workspace_id: str) -> str:
    """The workspace's signing secret, created on first use (a race keeps the first one written)."""
    pk = f"WS#{workspace_id}#WEBHOOK_SIGNING"
    try:
        return str(WebhookSecretItem.get(pk, "SECRET").secret)
    except WebhookSecretItem.DoesNotExist:
        pass
    item = WebhookSecretItem(pk, "SECRET", secret="whsec_" + secrets.token_urlsafe(32), created_at=now_iso())
    try:
        item.save(condition=WebhookSecretItem.PK.does_not_exist())
        return str(item.secret)
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
    return str(WebhookSecretItem.get(pk, "SECRET").secret)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value for a body sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance_s: int = 300) -> bool:
    """What a receiver does: the signature matches and is recent."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    if not re.fullmatch(r"[0-9]{1,12}", parts.get("t", "")) or abs(now - int(parts["t"])) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, int(parts["t"]), body), f"t={parts['t']},v1={parts.get('v1', '')}")


def extract(document: Any, path: str) -> Any:
    """The value at a `$.a.b[0]` path of a JSON document; None when any step is missing."""
    current = document
    for key, index in _PATH_STEP.findall(path[1:]):
        if key and isinstance(current, dict):
            current = current.get(key)
        elif index and isinstance(current, list) and int(index) < len(current):
            current = current[int(index)]
        else:
            return None
    return current


def _rendered(job: Job, value: Any) -> Any:
    if isinstance(value, str):
        return job.render(value)
    if isinstance(value, dict):
        return {k: _rendered(job, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rendered(job, v) for v in value]
    return value


def _body(job: Job, method: str) -> bytes:
    body = job.config.get("body")
    if body is None:
        if method in ("GET", "DELETE"):
            return b""
        body = {"flow_id": job.flow_id, "run_id": job.run_id, "node": job.node, "contact": job.contact()}
    if isinstance(body, str):
        return job.render(body).encode()
    return json.dumps(_rendered(job, body), separators=(",", ":")).encode()


def destination_problem(url: str) -> str | None:
    """Why a flow may not call this url, else None (`safe_http.destination_problem`)."""
    return safe_http.destination_problem(url)


def _send(request: urllib.request.Request, node: str) -> tuple[int, bytes]:
    try:
        with safe_http.open_public(request, timeout=TIMEOUT_S) as response:
            return int(response.status), response.read(MAX_RESPONSE_BYTES)
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read(2000)
    except (urllib.error.URLError, safe_http.Refused, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, safe_http.Refused):  # the host, or a redirect's, is not public: never retried
            raise PermanentFailure(FAILED, f"webhook at {node}: {reason}") from exc
        raise TransientFailure(f"webhook {request.full_url}: {reason}") from exc


def perform(job: Job) -> dict[str, Any]:
    """Send the request once for this attempt; map the response into the run's variables."""
    cfg = job.config
    method = str(cfg.get("method") or "POST")
    url = job.render(cfg["url"])
    problem = destination_problem(url)
    if problem:
        raise PermanentFailure(FAILED, f"webhook at {job.node}: {problem}")
    body = _body(job, method)
    headers = {k: job.render(v) for k, v in (cfg.get("headers") or {}).items()}
    headers.update({"User-Agent": "LeadPilot-Webhooks/1", DELIVERY_HEADER: f"{job.run_id}.{job.key}"})
    if body:
        headers.setdefault("Content-Type", "application/json")
    if cfg.get("signed", True):
        headers[SIGNATURE_HEADER] = sign(signing_secret(job.workspace_id), int(time.time()), body)
    for pause in (*BACKOFF_S, None):  # quick failures are retried here first; timeouts go to the compiled Retry
        status, raw = _send(urllib.request.Request(url, data=body or None, headers=headers, method=method), job.node)
        metrics.add_metric(name="WebhookSent", unit="Count", value=1)
        if not (status >= 500 or status in _TRANSIENT_STATUS):
            break
        if pause is None:
            raise TransientFailure(f"webhook at {job.node}: {url} answered {status}")
        time.sleep(pause)
    if not 200 <= status < 300:
        raise PermanentFailure(FAILED, f"webhook at {job.node}: {url} answered {status}: "
                                       f"{raw[:300].decode(errors='replace')}")
    mapping: dict[str, str] = cfg.get("response_mapping") or {}
    variables = dict(job.context.get("vars") or {})
    if mapping:
        try:  # a receiver's answer is untrusted: too deep, not UTF-8 or with lone surrogates is refused too
            document = untrusted.loads(raw or b"null", "response")
        except DomainError as exc:
            raise PermanentFailure(FAILED, f"webhook at {job.node}: the response is not usable JSON "
                                           f"({exc.message}), so response_mapping cannot apply") from exc
        variables.update({name: extract(document, path) for name, path in mapping.items()})
    return {"status": status, "vars": variables, "mapped": sorted(mapping),
            "delivery_id": headers[DELIVERY_HEADER]}
