"""Pipeline and stage use cases: create, list, get, rename, delete; add, edit, reorder, delete stages."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from pynamodb.exceptions import UpdateError

from leadpilot.clock import now_iso
from leadpilot.errors import Conflict, NotFound, ValidationFailed
from leadpilot.identity.entities import Identity
from leadpilot.ids import new_id, parse_id
from leadpilot.observability import metrics
from leadpilot.pipelines import store
from leadpilot.pipelines.entities import Pipeline, Stage
from leadpilot.pipelines.models import PipelineItem, PipelineStatsItem
from leadpilot.pipelines.moves import move_all
from leadpilot.pipelines.values import DEFAULT_PROBABILITY, DEFAULT_STAGES, clean_text
from leadpilot.settings import Settings

MAX_STAGES = 30
_RETRIES = 3


def _stage(body: dict[str, Any], field: str) -> Stage:
    kind = body.get("kind", "open")
    return Stage(id=new_id(), name=clean_text(body["name"], f"{field}/name"), kind=kind,
                 probability=body.get("probability", DEFAULT_PROBABILITY[kind]))


def _check_stages(stages: list[Stage]) -> None:
    """A pipeline keeps 1..30 stages with distinct names, at least one of them open."""
    if not any(s.kind == "open" and s.deleting_to is None for s in stages):
        raise ValidationFailed.field("stages", "a pipeline needs at least one open stage")
    if len(stages) > MAX_STAGES:
        raise ValidationFailed.field("stages", f"a pipeline has at most {MAX_STAGES} stages")
    names = [s.name.lower() for s in stages]
    if len(set(names)) != len(names):
        raise ValidationFailed.field("stages", "stage names must be unique within a pipeline")


def create_pipeline(identity: Identity, body: dict[str, Any]) -> Pipeline:
    """A pipeline with the given stages (or a default sales pipeline's)."""
    given = body.get("stages") or [{"name": n, "kind": k, "probability": p} for n, k, p in DEFAULT_STAGES]
    stages = [_stage(s, f"stages/{i}") for i, s in enumerate(given)]
    _check_stages(stages)
    pid, now = new_id(), now_iso()
    item = PipelineItem(store.pipelines_pk(identity.workspace_id), f"PIPELINE#{pid}", pipeline_id=pid,
                        workspace_id=identity.workspace_id, name=clean_text(body["name"], "name"),
                        stages=store.stage_attributes(stages), open_stage_ids={s.id for s in stages},
                        created_at=now, updated_at=now, version=1)
    item.save(condition=PipelineItem.PK.does_not_exist())
    metrics.add_metric(name="PipelineCreated", unit="Count", value=1)
    return store.to_pipeline(item)


def _mutate(ws: str, pipeline_id: str, change: Callable[[Pipeline], Pipeline]) -> Pipeline:
    """Read, change and write back a pipeline under its version (retried when another edit won)."""
    for _ in range(_RETRIES):
        before = store.get_pipeline(ws, pipeline_id)
        after = change(before)
        _check_stages(list(after.stages))
        after = replace(after, updated_at=now_iso(), version=before.version + 1)
        accepting = after.open_stage_ids
        actions: list[Any] = [
            PipelineItem.name.set(after.name), PipelineItem.stages.set(store.stage_attributes(after.stages)),
            PipelineItem.status.set(after.status), PipelineItem.updated_at.set(after.updated_at),
            PipelineItem.version.set(after.version),
            PipelineItem.open_stage_ids.set(set(accepting)) if accepting else PipelineItem.open_stage_ids.remove()]
        try:
            PipelineItem(store.pipelines_pk(ws), f"PIPELINE#{pipeline_id}").update(
                actions=actions, condition=PipelineItem.version == before.version)
            return after
        except UpdateError as exc:
            if getattr(exc, "cause_response_code", None) != "ConditionalCheckFailedException":
                raise
    raise Conflict("the pipeline is being changed by other requests; retry", {"reason": "concurrent_modification"})


def rename_pipeline(identity: Identity, pipeline_id: str, body: dict[str, Any]) -> Pipeline:
    name = clean_text(body["name"], "name")
    return _mutate(identity.workspace_id, pipeline_id, lambda p: replace(p, name=name))


def _existing(p: Pipeline, stage_id: str) -> Stage:
    stage = p.stage(stage_id)
    if stage is None:
        raise NotFound("stage not found in this pipeline", {"field": "stage_id"})
    return stage


def add_stage(identity: Identity, pipeline_id: str, body: dict[str, Any]) -> Pipeline:
    """Insert a stage at `position` (default: last)."""
    stage = _stage(body, "name")

    def change(p: Pipeline) -> Pipeline:
        at = min(body.get("position", len(p.stages)), len(p.stages))
        return replace(p, stages=(*p.stages[:at], stage, *p.stages[at:]), open_stage_ids=p.open_stage_ids | {stage.id})

    return _mutate(identity.workspace_id, pipeline_id, change)


def update_stage(identity: Identity, pipeline_id: str, stage_id: str, body: dict[str, Any]) -> Pipeline:
    """Rename a stage or change its default win probability (deals keep theirs)."""
    edits: dict[str, Any] = {k: clean_text(v, k) if k == "name" else v for k, v in body.items()}

    def change(p: Pipeline) -> Pipeline:
        _existing(p, stage_id)
        return replace(p, stages=tuple(replace(s, **edits) if s.id == stage_id else s for s in p.stages))

    return _mutate(identity.workspace_id, pipeline_id, change)


def reorder_stages(identity: Identity, pipeline_id: str, body: dict[str, Any]) -> Pipeline:
    """Put the stages in the order given; the list must name every stage once."""
    order = [parse_id(s, f"stage_ids/{i}") for i, s in enumerate(body["stage_ids"])]

    def change(p: Pipeline) -> Pipeline:
        if sorted(order) != sorted(s.id for s in p.stages):
            raise ValidationFailed.field("stage_ids", "must list every stage of the pipeline exactly once")
        by_id = {s.id: s for s in p.stages}
        return replace(p, stages=tuple(by_id[i] for i in order))

    return _mutate(identity.workspace_id, pipeline_id, change)


def _has_deals(ws: str, pipeline_id: str, prefix: str) -> bool:
    return bool(store.stage_cards(ws, pipeline_id, prefix, 1))


def delete_stage(settings: Settings, identity: Identity, pipeline_id: str, stage_id: str,
                 move_to: str | None) -> dict[str, Any]:
    """Delete a stage, moving its deals to `move_to` (a stage of the same pipeline; required when it has deals).

    Closes the stage to new deals first, then moves its deals in bounded transactions, then removes
    it. Interrupted, the stage shows as `deleting` and the same request resumes the work.
    """
    ws = identity.workspace_id
    pipeline = store.get_pipeline(ws, pipeline_id)
    stage = _existing(pipeline, stage_id)
    target = _target_in(pipeline, stage_id, move_to)
    if not any(s.kind == "open" and s.deleting_to is None and s.id != stage_id for s in pipeline.stages):
        raise Conflict("the last open stage of a pipeline cannot be deleted", {"field": "stage_id"})
    if target is None and _has_deals(ws, pipeline_id, f"STAGE#{stage_id}#"):
        raise ValidationFailed.field("move_to_stage_id", "is required: the stage has deals")
    marked = _mutate(ws, pipeline_id, lambda p: replace(
        p, stages=tuple(replace(s, deleting_to=move_to or "-") if s.id == stage_id else s for s in p.stages),
        open_stage_ids=p.open_stage_ids - {stage_id}))
    if target is None and _has_deals(ws, pipeline_id, f"STAGE#{stage_id}#"):  # one slipped in before the close
        _mutate(ws, pipeline_id, lambda p: replace(p, stages=tuple(
            replace(s, deleting_to=None) if s.id == stage_id else s for s in p.stages),
            open_stage_ids=p.open_stage_ids | {stage_id}))
        raise ValidationFailed.field("move_to_stage_id", "is required: the stage has deals")
    moved = 0
    if target is not None:
        moved = move_all(settings, identity.actor(), ws, (pipeline_id, f"STAGE#{stage_id}#"), marked, target,
                         f"stage '{stage.name}' was deleted")
    after = _mutate(ws, pipeline_id, lambda p: replace(p, stages=tuple(s for s in p.stages if s.id != stage_id)))
    _drop_counters(ws, pipeline_id, f"{store.STATS}STAGE#{stage_id}#")
    metrics.add_metric(name="StageDeleted", unit="Count", value=1)
    return {"pipeline": after.to_dict(), "deleted_stage_id": stage_id, "moved_deals": moved}


def _target_in(pipeline: Pipeline, stage_id: str, move_to: str | None) -> Stage | None:
    if move_to is None:
        return None
    target = pipeline.stage(move_to)
    if target is None or move_to == stage_id or not pipeline.accepts(move_to):
        raise ValidationFailed.field("move_to_stage_id", "must be another open stage of the same pipeline")
    return target


def delete_pipeline(settings: Settings, identity: Identity, pipeline_id: str, move_to: str | None) -> dict[str, Any]:
    """Delete a pipeline; its deals (if any) move to `move_to`, a stage of another pipeline."""
    ws = identity.workspace_id
    store.get_pipeline(ws, pipeline_id)
    target = _target_elsewhere(ws, pipeline_id, move_to)
    if target is None and _has_deals(ws, pipeline_id, "STAGE#"):
        raise ValidationFailed.field("move_to_stage_id", "is required: the pipeline has deals")
    _mutate(ws, pipeline_id, lambda p: replace(p, status="deleting", open_stage_ids=frozenset()))
    if target is None and _has_deals(ws, pipeline_id, "STAGE#"):
        _mutate(ws, pipeline_id, lambda p: replace(p, status="active", open_stage_ids=frozenset(
            s.id for s in p.stages if s.deleting_to is None)))
        raise ValidationFailed.field("move_to_stage_id", "is required: the pipeline has deals")
    moved = move_all(settings, identity.actor(), ws, (pipeline_id, "STAGE#"), target[0], target[1],
                     "pipeline deleted") if target else 0
    _drop_counters(ws, pipeline_id, store.STATS)
    PipelineItem(store.pipelines_pk(ws), f"PIPELINE#{pipeline_id}").delete()
    metrics.add_metric(name="PipelineDeleted", unit="Count", value=1)
    return {"deleted_pipeline_id": pipeline_id, "moved_deals": moved}


def _target_elsewhere(ws: str, pipeline_id: str, move_to: str | None) -> tuple[Pipeline, Stage] | None:
    if move_to is None:
        return None
    for other in store.list_pipelines(ws):
        stage = other.stage(move_to)
        if stage is not None and other.id != pipeline_id and other.accepts(move_to):
            return other, stage
    raise ValidationFailed.field("move_to_stage_id", "must be an open stage of another pipeline of this workspace")


def _drop_counters(ws: str, pipeline_id: str, prefix: str) -> None:
    """Remove the (by now zero) counters of a deleted stage or pipeline."""
    with PipelineStatsItem.batch_write() as batch:
        for pk, sk in store.stats_keys(ws, pipeline_id):
            if sk.startswith(prefix):
                batch.delete(PipelineStatsItem(pk, sk))


__all__ = ["add_stage", "create_pipeline", "delete_pipeline", "delete_stage", "rename_pipeline",
           "reorder_stages", "update_stage"]
