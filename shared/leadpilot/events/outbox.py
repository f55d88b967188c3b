"""Transactional outbox: an activity item is written with its event in the same transaction and
marked pending (sparse GSI1 OUTBOX); the event is published right after commit and the mark is
cleared. Whatever a crash or an EventBridge error leaves pending, the scheduled publisher drains.
"""
from __future__ import annotations

from typing import Any

from leadpilot.clock import now_epoch
from leadpilot.db.base import CrmModel, transaction
from leadpilot.db.crm_models import ActivityItem
from leadpilot.events.bus import publish
from leadpilot.ids import id_floor
from leadpilot.settings import Settings

OUTBOX = "OUTBOX"


def mark_pending(item: ActivityItem) -> None:
    """Flag an activity item (before it is saved) as holding an unpublished event."""
    item.GSI1PK = OUTBOX
    item.GSI1SK = item.activity_id


def as_plain(value: Any) -> dict[str, Any]:
    """A raw MapAttribute (as loaded) or a dict (as built) as a plain dict."""
    return value.as_dict() if hasattr(value, "as_dict") else dict(value)


def _clear(item: ActivityItem) -> None:
    item.update(actions=[ActivityItem.GSI1PK.remove(), ActivityItem.GSI1SK.remove()])


def publish_now(settings: Settings, items: list[ActivityItem]) -> int:
    """Publish the events of just-committed items; return how many went out. A batch (a queue worker's) clears
    its outbox marks in transactions of 100 rather than one call per item."""
    events: list[dict[str, Any]] = [as_plain(item.event) for item in items]
    accepted = set(publish(settings.event_bus_name, settings.region, events))
    done = [item for item in items if item.activity_id in accepted]
    if len(done) == 1:
        _clear(done[0])
        return 1
    for start in range(0, len(done), 100):
        with transaction(settings) as txn:
            for item in done[start:start + 100]:
                txn.update(item, actions=[ActivityItem.GSI1PK.remove(), ActivityItem.GSI1SK.remove()])
    return len(done)


def drain(settings: Settings, max_items: int = 500, min_age_s: int = 30) -> int:
    """Publish what is still pending, oldest first; safe to run concurrently (consumers dedupe by id).

    Only entries pending for `min_age_s` are taken: younger ones are normally being published by the
    request that wrote them, and taking them too would just send every event twice under load.
    """
    cutoff = id_floor((now_epoch() - min_age_s) * 1000)
    pending = [i for i in CrmModel.gsi1.query(OUTBOX, cutoff > CrmModel.GSI1SK, limit=max_items)
               if isinstance(i, ActivityItem)]
    published = 0
    for start in range(0, len(pending), 10):
        published += publish_now(settings, pending[start:start + 10])
    return published
