"""The board (stages in order with their deals and sums) and the forecast, read from counters.

A board is one GetItem (the pipeline), one Query (its counters) and one capped Query per stage;
it never reads more deals than it shows, however many the pipeline holds.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from leadpilot.clock import now_iso
from leadpilot.identity.entities import Identity
from leadpilot.pipelines import store
from leadpilot.pipelines.entities import STATUSES, money

Sums = dict[str, list[Decimal]]  # currency -> [count, value, weighted]


def _add(into: Sums, currency: str, item: Any) -> None:
    totals = into.setdefault(currency, [Decimal(0)] * 3)
    totals[0] += int(item.deal_count)
    totals[1] += Decimal(item.value)
    totals[2] += Decimal(item.weighted)


def _summary(sums: Sums, weighted: bool = True) -> dict[str, Any]:
    live = {c: t for c, t in sorted(sums.items()) if t[0]}
    out: dict[str, Any] = {"count": int(sum(t[0] for t in live.values())),
                           "value": {c: money(t[1]) for c, t in live.items()}}
    if weighted:
        out["weighted_value"] = {c: money(t[2]) for c, t in live.items()}
    return out


def board(identity: Identity, pipeline_id: str, per_stage: int) -> dict[str, Any]:
    """Stages in order, each with up to `per_stage` deals (open ones; a won/lost stage shows its own),
    their count, value and weighted value per currency, and the pipeline's totals by status."""
    ws, now = identity.workspace_id, now_iso()
    pipeline = store.get_pipeline(ws, pipeline_id)
    by_stage: dict[tuple[str, str], Sums] = defaultdict(dict)
    by_status: dict[str, Sums] = {s: {} for s in STATUSES}
    for item in store.stats(ws, pipeline_id, "STAGE"):
        _, _, stage_id, status, currency = item.SK.split("#")
        _add(by_stage[(stage_id, status)], currency, item)
        _add(by_status[status], currency, item)
    columns = []
    for position, stage in enumerate(pipeline.stages):
        shown = "open" if stage.kind == "open" else stage.kind
        deals = store.stage_cards(ws, pipeline_id, f"STAGE#{stage.id}#{shown}#", per_stage + 1)
        more = len(deals) > per_stage
        columns.append({**stage.to_dict(position), **_summary(by_stage[(stage.id, shown)]),
                        "deals": [d.view(now) for d in deals[:per_stage]], "has_more": more,
                        # where GET /deals?pipeline_id&stage_id&status goes on after the last card shown
                        "next_cursor": store.encode_cursor(store.card_sk(deals[per_stage - 1])) if more else None})
    return {"pipeline": {"id": pipeline.id, "name": pipeline.name, "version": pipeline.version},
            "stages": columns, "totals": {s: _summary(by_status[s], s != "lost") for s in STATUSES}}


def forecast(identity: Identity, pipeline_id: str) -> dict[str, Any]:
    """Open deals by expected close month (sum and weighted sum); won deals by the month they were won."""
    ws = identity.workspace_id
    store.get_pipeline(ws, pipeline_id)
    months: dict[str, dict[str, Sums]] = defaultdict(lambda: {"open": {}, "won": {}})
    for item in store.stats(ws, pipeline_id, "FORECAST"):
        _, _, month, status, currency = item.SK.split("#")
        _add(months[month][status], currency, item)
    rows: list[dict[str, Any]] = [{"month": m, "open": _summary(s["open"]), "won": _summary(s["won"], False)}
                                  for m, s in sorted(months.items()) if m != "none"]
    rows = [r for r in rows if r["open"]["count"] or r["won"]["count"]]
    undated: Sums = months["none"]["open"] if "none" in months else {}
    return {"pipeline_id": pipeline_id, "months": rows, "no_close_date": _summary(undated)}
