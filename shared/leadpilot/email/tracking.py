"""The open pixel and click redirects: signed tokens only, machine hits kept but never counted as people.

A machine hit (privacy proxy, scanner, prefetch; `leadpilot.email.machine_opens`) is stored with its
reason and bumps `machine_opens`; it emits no event, so it can neither count as an open nor start a flow.
"""
from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from leadpilot.clock import now_iso
from leadpilot.email import links, outcomes
from leadpilot.email.config import EmailConfig
from leadpilot.email.machine_opens import BURST_WINDOW_SECONDS, TrackingHit, Verdict, classify
from leadpilot.email.mime import split_subject
from leadpilot.email.models import EmailMessageItem, TrackingHitItem
from leadpilot.errors import NotFound
from leadpilot.ids import new_id
from leadpilot.observability import metrics
from leadpilot.settings import Settings

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")  # 1x1 transparent GIF
_HIT_TTL_S = 400 * 86400


def _at(stamp: str | None) -> datetime | None:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None


def _save_hit(item: EmailMessageItem, hit: TrackingHit, verdict: Verdict) -> None:
    TrackingHitItem(item.PK, f"HIT#{new_id()}", hit=hit.kind, at=now_iso(), user_agent=(hit.user_agent or "")[:500],
                    method=hit.method, url=hit.url, machine=verdict.machine, machine_reason=verdict.reason,
                    expires_at=int(hit.at.timestamp()) + _HIT_TTL_S).save()


def _recent_clicks(item: EmailMessageItem, now: datetime) -> list[TrackingHit]:
    floor = (now - timedelta(seconds=BURST_WINDOW_SECONDS + 1)).isoformat()
    hits = TrackingHitItem.query(item.PK, TrackingHitItem.SK.startswith("HIT#"), scan_index_forward=False, limit=20)
    return [TrackingHit("click", _at(h.at) or now, h.user_agent, h.method, url=h.url) for h in hits
            if h.hit == "click" and h.at >= floor[:19]]


def open_pixel(settings: Settings, config: EmailConfig, token: str, user_agent: str | None, method: str) -> None:
    """Record one fetch of the pixel; a token we did not sign is a 404."""
    subject = next(filter(None, (links.verify_open(token.removesuffix(".gif"), keys.link) for keys in config.keys)),
                   None)
    ids = split_subject(subject) if subject else None
    if ids is None:
        raise NotFound("not found", {"field": "token"})
    item = outcomes.get_message(*ids)
    if item is None:  # the message was erased since: nothing to record, the image still loads
        return
    now = datetime.now(UTC)
    hit = TrackingHit("open", now, user_agent, method, delivered_at=_at(item.delivered_at or item.sent_at))
    verdict = classify(hit)
    _save_hit(item, hit, verdict)
    if verdict.machine:
        item.update(actions=[EmailMessageItem.machine_opens.add(1)])
        metrics.add_metric(name="EmailMachineOpen", unit="Count", value=1)
        return
    first = outcomes.record(settings, item, "email.opened", {"machine": False},
                            [EmailMessageItem.opened_at.set(now_iso()), EmailMessageItem.opens.add(1)],
                            EmailMessageItem.opened_at.does_not_exist(), stat="opens")
    if not first:
        item.update(actions=[EmailMessageItem.opens.add(1)])


def click(settings: Settings, config: EmailConfig, token: str, user_agent: str | None, method: str) -> str:
    """The destination of a genuine click token (recorded); anything else is a 404 and redirects nowhere."""
    decoded = next(filter(None, (links.decode_click(token, keys.link) for keys in config.keys)), None)
    ids = split_subject(decoded[0]) if decoded else None
    if decoded is None or ids is None:
        raise NotFound("not found", {"field": "token"})
    url = decoded[1]
    item = outcomes.get_message(*ids)
    if item is None:
        return url
    now = datetime.now(UTC)
    hit = TrackingHit("click", now, user_agent, method, delivered_at=_at(item.delivered_at or item.sent_at), url=url)
    verdict = classify(hit, _recent_clicks(item, now))
    _save_hit(item, hit, verdict)
    if verdict.machine:
        return url
    first = outcomes.record(settings, item, "email.clicked", {"url": url},
                            [EmailMessageItem.clicked_at.set(now_iso()), EmailMessageItem.clicks.add(1)],
                            EmailMessageItem.clicked_at.does_not_exist(), stat="clicks")
    if not first:
        item.update(actions=[EmailMessageItem.clicks.add(1)])
    return url
