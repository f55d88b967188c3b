"""Bulk actions on a selection of contacts, run as a job with per-item results.

Each item is applied by the same use case a single API call runs (one transaction per contact),
so an item is either fully applied or reported as failed with its reason; never half-applied.
"""
from __future__ import annotations

import json
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from leadpilot import request_context
from leadpilot.contacts import segments, tags
from leadpilot.contacts import service as contacts
from leadpilot.db.base import transaction
from leadpilot.errors import DomainError, NotFound, ValidationFailed
from leadpilot.events.outbox import publish_now
from leadpilot.events.record import event_item
from leadpilot.identity import store as identity_store
from leadpilot.identity.entities import Identity
from leadpilot.jobs import files, runner, store
from leadpilot.jobs.store import Job
from leadpilot.pipelines import deals, listing
from leadpilot.pipelines import store as pipelines_store
from leadpilot.settings import Settings

_PARALLEL = 8
MAX_SELECTION = 10_000


def _selection(identity: Identity, body: dict[str, Any]) -> list[str]:
    """The contact ids: given, or a segment's members at the time the job starts."""
    if ("contact_ids" in body) == ("segment_id" in body):
        raise ValidationFailed.field("contact_ids", "give either contact_ids or segment_id")
    if "contact_ids" in body:
        return list(dict.fromkeys(body["contact_ids"]))
    return segment_members(identity, body["segment_id"])


def segment_members(identity: Identity, segment_id: str) -> list[str]:
    """The ids of a segment's members now (at most MAX_SELECTION, else a 422 naming segment_id)."""
    ids: list[str] = []
    cursor: str | None = None
    while True:
        page, cursor = segments.segment_contacts(identity, segment_id, 200, cursor)
        ids += [c.id for c in page]
        if cursor is None or len(ids) > MAX_SELECTION:
            break
    if len(ids) > MAX_SELECTION:
        raise ValidationFailed.field("segment_id", f"the segment has more than {MAX_SELECTION} contacts")
    return ids


def _check_params(identity: Identity, action: str, body: dict[str, Any]) -> None:
    required = {"tag": "tags", "untag": "tags", "enroll": "flow_id", "assign_owner": "owner_id",
                "move_stage": "stage_id"}
    if action in required and not body.get(required[action]):
        raise ValidationFailed.field(required[action], f"is required for {action}")
    if action == "move_stage" and not body.get("pipeline_id"):
        raise ValidationFailed.field("pipeline_id", "is required for move_stage")
    if action == "move_stage":
        pipeline = pipelines_store.find_pipeline(identity.workspace_id, body["pipeline_id"])
        if pipeline is None:
            raise ValidationFailed.field("pipeline_id", "no such pipeline in this workspace")
        if body["stage_id"] not in {s.id for s in pipeline.stages}:
            raise ValidationFailed.field("stage_id", "is not a stage of that pipeline")
    if action == "enroll":
        from leadpilot.automation.runs.enrollment import published_flow

        if published_flow(identity.workspace_id, str(body["flow_id"])) is None:
            raise ValidationFailed.field("flow_id", "no published flow with this id in this workspace")
    if action == "assign_owner" and identity_store.get_membership_item(identity.workspace_id,
                                                                       body["owner_id"]) is None:
        raise ValidationFailed.field("owner_id", "is not a member of this workspace")


def start_bulk(settings: Settings, identity: Identity, body: dict[str, Any]) -> Job:
    """Check the action's parameters now, then apply it to every selected contact in the background."""
    action = body["action"]
    _check_params(identity, action, body)
    ids = _selection(identity, body)
    if not ids:
        raise ValidationFailed.field("segment_id", "the segment matches no contacts")
    chunks = math.ceil(len(ids) / runner.CHUNK_ROWS)
    params = {k: v for k, v in body.items() if k != "contact_ids"}
    job = store.create(identity.workspace_id, f"bulk_{action}", len(ids), chunks, params, identity.principal_id)
    key = files.key_for(identity.workspace_id, job.id, "selection.json")
    item = store.get_item(identity.workspace_id, job.id)
    with runner.failing_job(identity.workspace_id, job.id):
        files.put_text(settings, key, json.dumps(ids), "application/json")
        item.update(actions=[type(item).params.set({**params, "selection": key})])
        runner.enqueue_chunks(settings, identity.workspace_id, job.id, chunks)
    return store.to_job(item)


def _tag(settings: Settings, identity: Identity, contact_id: str, params: dict[str, Any], add: bool) -> None:
    """Through the same use case as one contact's tag change, so contact.tag_added/removed go out."""
    tags.change_contact_tags(settings, identity, contact_id, {"add" if add else "remove": params["tags"]})


def _assign_owner(settings: Settings, identity: Identity, contact_id: str, params: dict[str, Any]) -> None:
    contacts.update_contact(settings, identity, contact_id, {"owner_id": params["owner_id"]})


def _move_stage(settings: Settings, identity: Identity, contact_id: str, params: dict[str, Any]) -> None:
    """Move the contact's open deals of the pipeline to the stage (the kanban drag, in bulk)."""
    contacts.get_contact(identity, contact_id)
    found, _ = listing.list_deals(identity, {"contact_id": contact_id, "pipeline_id": params["pipeline_id"],
                                             "status": "open"}, 100, None)
    if not found:
        raise NotFound("the contact has no open deal in that pipeline")
    for deal in found:
        if deal["stage_id"] != params["stage_id"]:
            deals.move_deal(settings, identity, deal["id"], {"stage_id": params["stage_id"],
                                                             "version": deal["version"]})


def _enroll(settings: Settings, identity: Identity, contact_id: str, params: dict[str, Any]) -> None:
    """Enrolment is a request on the bus: the automation trigger consumer starts the run (one per contact)."""
    contacts.get_contact(identity, contact_id)
    item = event_item(identity.workspace_id, identity.actor(), "contact.enrollment_requested",
                      {"contact_id": contact_id, "flow_id": params["flow_id"]}, contact_id=contact_id)
    with transaction(settings) as txn:
        txn.save(item)
    publish_now(settings, [item])


ACTIONS: dict[str, Callable[[Settings, Identity, str, dict[str, Any]], None]] = {
    "tag": lambda s, i, c, p: _tag(s, i, c, p, add=True),
    "untag": lambda s, i, c, p: _tag(s, i, c, p, add=False),
    "delete": lambda s, i, c, p: contacts.delete_contact(s, i, c),
    "enroll": _enroll,
    "assign_owner": lambda s, i, c, p: _assign_owner(s, i, c, p),
    "move_stage": _move_stage,
}


def _apply(settings: Settings, identity: Identity, action: str, params: dict[str, Any], n: int,
           contact_id: str) -> dict[str, Any] | None:
    try:
        ACTIONS[action](settings, identity, contact_id, params)
    except DomainError as exc:
        return {"row": n, "field": "contact_ids", "message": exc.message, "ref": contact_id}
    return None


def process_bulk(settings: Settings, workspace_id: str, job_id: str, chunk: int) -> bool:
    """Apply the action to one chunk of the selection; counted once however often it runs."""
    job = store.get_item(workspace_id, job_id)
    params = job.params.as_dict() if hasattr(job.params, "as_dict") else dict(job.params)
    identity = runner.acting_as(workspace_id, job.created_by)
    ids = json.loads(files.get_text(settings, params["selection"]))
    first = chunk * runner.CHUNK_ROWS
    selection = list(enumerate(ids[first:first + runner.CHUNK_ROWS], start=first + 1))
    action = params["action"]

    def apply(row: tuple[int, str]) -> dict[str, Any] | None:
        return _apply(settings, identity, action, params, row[0], row[1])

    with ThreadPoolExecutor(max_workers=_PARALLEL) as pool:  # each thread acts as the job's caller, too
        results = list(pool.map(request_context.carrying(apply), selection))
    errors = [r for r in results if r is not None]
    counts = {"processed": len(selection), "succeeded": len(selection) - len(errors), "skipped": 0,
              "failed": len(errors)}
    return runner.finish_chunk(settings, workspace_id, job_id, chunk, counts, errors)
