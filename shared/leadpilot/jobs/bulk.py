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

from leadpilot.contacts import service as contacts
from leadpilot.db.base import transaction
from leadpilot.errors import DomainError, ValidationFailed
from leadpilot.events.outbox import publish_now
from leadpilot.events.record import event_item
from leadpilot.identity.entities import Identity
from leadpilot.jobs import files, runner, store
from leadpilot.jobs.store import Job
from leadpilot.settings import Settings

_PARALLEL = 8
MAX_SELECTION = 10_000


def start_bulk(settings: Settings, identity: Identity, body: dict[str, Any]) -> Job:
    """Check the action's parameters now, then apply it to every selected contact in the background."""
    action, ids = body["action"], list(dict.fromkeys(body["contact_ids"]))
    if action in ("tag", "untag") and not body.get("tags"):
        raise ValidationFailed.field("tags", f"is required for {action}")
    if action == "enroll" and not body.get("flow_id"):
        raise ValidationFailed.field("flow_id", "is required for enroll")
    chunks = math.ceil(len(ids) / runner.CHUNK_ROWS)
    params = {k: v for k, v in body.items() if k != "contact_ids"}
    job = store.create(identity.workspace_id, f"bulk_{action}", len(ids), chunks, params, identity.principal_id)
    key = files.key_for(identity.workspace_id, job.id, "selection.json")
    files.put_text(settings, key, json.dumps(ids), "application/json")
    item = store.get_item(identity.workspace_id, job.id)
    item.update(actions=[type(item).params.set({**params, "selection": key})])
    runner.enqueue_chunks(settings, identity.workspace_id, job.id, chunks)
    return store.to_job(item)


def _tag(settings: Settings, identity: Identity, contact_id: str, params: dict[str, Any], add: bool) -> None:
    contact = contacts.get_contact(identity, contact_id)
    wanted = [t.strip().lower() for t in params["tags"]]
    tags = list(dict.fromkeys(contact.tags + wanted)) if add else [t for t in contact.tags if t not in wanted]
    if tags != contact.tags:
        contacts.update_contact(settings, identity, contact_id, {"tags": tags})


def _enroll(settings: Settings, identity: Identity, contact_id: str, params: dict[str, Any]) -> None:
    """Until the automation engine consumes it, enrolment is a recorded request on the bus."""
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
    with ThreadPoolExecutor(max_workers=_PARALLEL) as pool:
        results = list(pool.map(lambda nc: _apply(settings, identity, action, params, nc[0], nc[1]), selection))
    errors = [r for r in results if r is not None]
    counts = {"processed": len(selection), "succeeded": len(selection) - len(errors), "skipped": 0,
              "failed": len(errors)}
    return runner.finish_chunk(settings, workspace_id, job_id, chunk, counts, errors)
