"""Requests per workspace and per API key: a fixed-window counter in DynamoDB (ADR 0014).

One conditional UpdateItem ADD per counter and request: the window's count goes up only while it is under the
limit, so a refused request costs no quota and the counter is exact under concurrency. Each workspace (and
key) has its own items, so one tenant at its limit never slows another down.
"""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from pynamodb.exceptions import UpdateError

from leadpilot.clock import now_epoch
from leadpilot.db.identity_models import RateWindowItem
from leadpilot.errors import RateLimited
from leadpilot.identity.entities import Identity
from leadpilot.observability import logger
from leadpilot.settings import Settings


def admit(settings: Settings, identity: Identity) -> None:
    """Count the request against its workspace's limit (and its API key's); RateLimited (429) over either."""
    now = now_epoch()
    window = settings.rate_limit_window_s
    start = now - now % window
    retry_after = start + window - now
    subjects = [("WORKSPACE", settings.rate_limit_workspace)]
    if identity.principal_type == "api_key":  # the key first: a request its key refuses costs the workspace nothing
        subjects.insert(0, (f"KEY#{identity.principal_id}", settings.rate_limit_api_key))
    for subject, limit in subjects:
        if limit > 0 and not _count(f"WS#{identity.workspace_id}#RATE#{subject}", start, window, limit):
            scope = "API key" if subject.startswith("KEY#") else "workspace"
            raise RateLimited(f"this {scope} sent more than {limit} requests in {window} s; retry after "
                              f"{retry_after} s", {"limit": limit, "window_seconds": window,
                                                   "retry_after_seconds": retry_after}, retry_after)


# A Lambda serves one request at a time; the local host up to its gateway's workers. No thread starts before
# the first submit.
_COUNTERS = ThreadPoolExecutor(max_workers=32, thread_name_prefix="rate-limit")


def admit_alongside(settings: Settings, identity: Identity) -> Future[None]:
    """admit() on a worker thread, for a request that only reads: its count is written while it reads, and the
    request waits for the future (RateLimited when refused) before it answers, so what it read is never sent
    back past the limit. One round trip fewer on the request's path; a refused read costs the read, no quota."""
    return _COUNTERS.submit(admit, settings, identity)


def _count(pk: str, start: int, window: int, limit: int) -> bool:
    """Add this request to the window's count if it is under `limit`; False when it is not."""
    item = RateWindowItem(pk, str(start))
    try:
        item.update(actions=[RateWindowItem.requests.add(1), RateWindowItem.expires_at.set(start + 2 * window),
                             RateWindowItem.kind.set(RateWindowItem)],
                    condition=RateWindowItem.requests.does_not_exist() | (RateWindowItem.requests < limit))
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        # The limiter protects the service; an outage of its counter must not take every request down with it.
        logger.warning("rate limit counter unavailable; request admitted", extra={"pk": pk, "error": str(exc)})
    return True


def admit_public(settings: Settings, workspace_id: str, scope: str) -> None:
    """Count an unauthenticated request to a workspace's public pages (booking) against its own window, so a
    flood of anonymous requests to one tenant's page is refused (429) without costing the tenant's API quota."""
    now = now_epoch()
    window, limit = settings.rate_limit_window_s, settings.rate_limit_workspace
    start = now - now % window
    if limit > 0 and not _count(f"WS#{workspace_id}#RATE#PUBLIC#{scope}", start, window, limit):
        retry_after = start + window - now
        raise RateLimited(f"this page received more than {limit} requests in {window} s; retry after "
                          f"{retry_after} s", {"limit": limit, "window_seconds": window,
                                               "retry_after_seconds": retry_after}, retry_after)
