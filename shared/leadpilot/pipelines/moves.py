"""The writes of a deal change (deal, board card, counters, stage visits, events) and stage moves,
one at a time (the kanban drag) or in bounded transactions (emptying a stage or a pipeline)."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from leadpilot.clock import now_iso
from leadpilot.errors import Conflict, ValidationFailed
from leadpilot.events.record import event_item
from leadpilot.ids import new_id
from leadpilot.pipelines import store
from leadpilot.pipelines.entities import Deal, Pipeline, Stage, seconds_between
from leadpilot.pipelines.models import DealItem, DealVisitItem, PipelineItem
from leadpilot.pipelines.writes import MAX_ITEMS, Writes
from leadpilot.settings import Settings

_PER_DEAL = 12  # items one moved deal may add to a transaction: deal, card x2, visit x2, events x2, counters
_BULK_READ = 25
_BULK_CONFLICTS = 5


def _counter_keys(deal: Deal) -> list[str]:
    """The counter items a deal counts in: its board column, and its forecast month if open or won."""
    keys = [f"{store.STATS}STAGE#{deal.stage_id}#{deal.status}#{deal.currency}"]
    if deal.status == "open":
        keys.append(f"{store.STATS}FORECAST#{(deal.expected_close_date or 'none')[:7]}#open#{deal.currency}")
    elif deal.status == "won":
        keys.append(f"{store.STATS}FORECAST#{(deal.closed_at or 'none')[:7]}#won#{deal.currency}")
    return keys


def record_deal(w: Writes, before: Deal | None, after: Deal | None) -> None:
    """Deal item, board card and counters, from `before` (None: created) to `after` (None: deleted)."""
    if before is not None:
        for sk in _counter_keys(before):
            w.count(store.board_pk(before.workspace_id, before.pipeline_id), sk, -1, before.value, before.weighted)
        old_card = store.card_item(before)
        new_key = None if after is None else (store.board_pk(after.workspace_id, after.pipeline_id),
                                              store.card_sk(after))
        if new_key != (old_card.PK, old_card.SK):
            w.delete(old_card)
    if after is not None:
        for sk in _counter_keys(after):
            w.count(store.board_pk(after.workspace_id, after.pipeline_id), sk, 1, after.value, after.weighted)
        w.put(store.card_item(after))
    if after is None:
        assert before is not None
        w.delete(store.deal_item(before), DealItem.version == before.version)
    elif before is None:
        w.put(store.deal_item(after), DealItem.PK.does_not_exist())
    else:
        w.put(store.deal_item(after), DealItem.version == before.version)


def open_visit(w: Writes, deal: Deal, before: Deal | None) -> None:
    """Start the deal's stay in its current stage."""
    w.put(DealVisitItem(store.visits_pk(deal.workspace_id, deal.id), f"VISIT#{deal.visit_id}", visit_id=deal.visit_id,
                        pipeline_id=deal.pipeline_id, stage_id=deal.stage_id,
                        from_pipeline_id=before.pipeline_id if before else None,
                        from_stage_id=before.stage_id if before else None, entered_at=deal.stage_entered_at),
          DealVisitItem.PK.does_not_exist())


def close_visit(w: Writes, deal: Deal, at: str) -> None:
    w.update(DealVisitItem(store.visits_pk(deal.workspace_id, deal.id), f"VISIT#{deal.visit_id}"),
             [DealVisitItem.left_at.set(at)])


def require_open_stage(w: Writes, ws: str, pipeline_id: str, stage_id: str, field: str = "stage_id") -> None:
    """The transaction fails unless deals may still enter the stage (it is not being deleted)."""
    w.check(PipelineItem, store.pipelines_pk(ws), f"PIPELINE#{pipeline_id}",
            PipelineItem.open_stage_ids.contains(stage_id),
            lambda: ValidationFailed.field(field, "the stage is being deleted or no longer exists"))


def deal_event(w: Writes, actor: dict[str, str], event_type: str, deal: Deal, metric: str,
               changes: dict[str, Any] | None = None, extra: dict[str, Any] | None = None) -> None:
    """A deal event on the deal contact's timeline (the outbox), in this transaction."""
    data = {**deal.to_dict(), **(extra or {})}
    w.event(event_item(deal.workspace_id, actor, event_type, data, changes, contact_id=deal.contact_id), metric)


def status_events(w: Writes, actor: dict[str, str], before: Deal | None, after: Deal) -> None:
    """deal.won / deal.lost when a deal becomes won or lost."""
    if after.status in ("won", "lost") and (before is None or before.status != after.status):
        deal_event(w, actor, f"deal.{after.status}", after, "DealWon" if after.status == "won" else "DealLost")


def moved(deal: Deal, pipeline_id: str, stage: Stage, now: str, lost_reason: str | None = None,
          probability: int | None = None) -> Deal:
    """The deal after entering `stage`: status follows the stage kind, probability its default."""
    status = stage.kind
    reason = (lost_reason or deal.lost_reason) if status == "lost" else None
    if status == "lost" and not reason:
        raise ValidationFailed.field("lost_reason", "is required when moving a deal to a lost stage")
    closed_at = None if status == "open" else (deal.closed_at if deal.status == status else now)
    return replace(deal, pipeline_id=pipeline_id, stage_id=stage.id, status=status, lost_reason=reason,
                   closed_at=closed_at, probability=stage.probability if probability is None else probability,
                   stage_entered_at=now, visit_id=new_id(), updated_at=now, version=deal.version + 1)


def add_move(w: Writes, actor: dict[str, str], before: Deal, after: Deal) -> None:
    """Every write of one stage change, and its pipeline.stage_changed event."""
    now = after.stage_entered_at
    record_deal(w, before, after)
    close_visit(w, before, now)
    open_visit(w, after, before)
    require_open_stage(w, after.workspace_id, after.pipeline_id, after.stage_id)
    deal_event(w, actor, "pipeline.stage_changed", after, "DealStageChanged", extra={
        "from_stage_id": before.stage_id, "to_stage_id": after.stage_id, "from_pipeline_id": before.pipeline_id,
        "moved_at": now, "time_in_previous_stage_s": seconds_between(before.stage_entered_at, now)})
    status_events(w, actor, before, after)


def move_all(settings: Settings, actor: dict[str, str], ws: str, source: tuple[str, str], target: Pipeline,
             stage: Stage, lost_reason: str) -> int:
    """Move every deal under a board prefix (source = pipeline id, sort-key prefix) to `stage`.

    Bounded transactions of at most 100 items, each all-or-nothing. The source accepts no new
    deals (its open_stage_ids were cleared first), so the loop ends; a deal changed concurrently
    fails its version condition and is simply read again. Returns how many deals moved.
    """
    moved_count, conflicts = 0, 0
    while True:
        deals = store.stage_cards(ws, source[0], source[1], _BULK_READ)
        if not deals:
            return moved_count
        w, batch, now = Writes(), 0, now_iso()
        for deal in deals:
            if w.size() + _PER_DEAL > MAX_ITEMS:
                break
            add_move(w, actor, deal, moved(deal, target.id, stage, now, lost_reason))
            batch += 1
        try:
            w.commit(settings)
        except Conflict:
            conflicts += 1
            if conflicts > _BULK_CONFLICTS:
                raise
            continue
        moved_count += batch
