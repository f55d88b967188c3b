"""Listing deals by pipeline, stage, status, owner or contact: one index per request, never a scan.

The most selective index the filters allow is queried (contact -> GSI1 of deals, owner -> GSI1 of
cards, pipeline/stage/status -> the pipeline's card partition, else the workspace's deals); the
other filters apply to what it returns. A page examines at most `_EXAMINE` items, so a rare filter
may give a short page with a next_cursor: keep following it.
"""
from __future__ import annotations

from typing import Any

from leadpilot.clock import now_iso
from leadpilot.errors import ValidationFailed
from leadpilot.identity.entities import Identity
from leadpilot.ids import parse_id
from leadpilot.pipelines import store
from leadpilot.pipelines.entities import STATUSES, Deal

FILTERS = ("pipeline_id", "stage_id", "status", "owner_id", "contact_id")
_EXAMINE = 1000


def _filters(raw: dict[str, str | None]) -> dict[str, str]:
    out = {k: v for k, v in raw.items() if v is not None}
    for name in ("pipeline_id", "stage_id", "owner_id", "contact_id"):
        if name in out:
            parse_id(out[name], name)
    if "status" in out and out["status"] not in STATUSES:
        raise ValidationFailed.field("status", "must be one of open, won, lost")
    if "stage_id" in out and "pipeline_id" not in out:
        raise ValidationFailed.field("pipeline_id", "is required with stage_id")
    return out


def _source(ws: str, f: dict[str, str]) -> tuple[str, str, bool]:
    """(partition, sort-key prefix, on GSI1) of the index that serves these filters."""
    if "contact_id" in f:
        return store.contact_deals_pk(ws, f["contact_id"]), "DEAL#", True
    if "owner_id" in f:
        return store.owner_deals_pk(ws, f["owner_id"]), "DEAL#", True
    if "pipeline_id" in f:
        prefix = "STAGE#"
        if "stage_id" in f:
            prefix += f"{f['stage_id']}#" + (f"{f['status']}#" if "status" in f else "")
        return store.board_pk(ws, f["pipeline_id"]), prefix, False
    return store.deals_pk(ws), "DEAL#", False


def _matches(deal: Deal, f: dict[str, str]) -> bool:
    return all(getattr(deal, name) == value for name, value in f.items())


def list_deals(identity: Identity, raw_filters: dict[str, str | None], limit: int,
               cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """One page of deals matching every filter, and the cursor of the next page (None at the end)."""
    f = _filters(raw_filters)
    pk, prefix, on_index = _source(identity.workspace_id, f)
    after = store.decode_cursor(cursor, prefix)
    found: list[tuple[Deal, str]] = []
    last_key, examined = None, 0
    for item in store.scan_partition(pk, prefix, after, on_index, _EXAMINE):
        examined, last_key = examined + 1, item.GSI1SK if on_index else item.SK
        deal = store.to_deal(item)
        if _matches(deal, f):
            found.append((deal, last_key))
            if len(found) > limit:
                break
    now = now_iso()
    if len(found) > limit:
        next_cursor: str | None = store.encode_cursor(found[limit - 1][1])
    elif examined >= _EXAMINE and last_key is not None:
        next_cursor = store.encode_cursor(last_key)  # a short page: the filters matched little of the index
    else:
        next_cursor = None
    return [d.view(now) for d, _ in found[:limit]], next_cursor
