"""CSV export of contacts (the whole workspace or a selection), run as a job."""
from __future__ import annotations

import csv
import io
from typing import Any

from leadpilot.audit.log import record
from leadpilot.contacts import service as contacts
from leadpilot.contacts.entities import Contact
from leadpilot.errors import NotFound, ValidationFailed
from leadpilot.identity.entities import Identity
from leadpilot.jobs import bulk, files, runner, store
from leadpilot.jobs.store import Job
from leadpilot.settings import Settings

COLUMNS = ("id", "first_name", "last_name", "email", "phone", "company", "source", "tags", "created_at",
           "updated_at")
_MAX_SELECTION = 10_000


def start_export(settings: Settings, identity: Identity, body: dict[str, Any]) -> Job:
    """Queue an export of the given contact ids, of a segment's members, or of every contact."""
    ids = body.get("contact_ids")
    if ids is not None and "segment_id" in body:
        raise ValidationFailed.field("contact_ids", "give either contact_ids or segment_id")
    if "segment_id" in body:
        ids = bulk.segment_members(identity, body["segment_id"])
    if ids is not None and len(ids) > _MAX_SELECTION:
        raise ValidationFailed.field("contact_ids", f"at most {_MAX_SELECTION} ids; export the workspace instead")
    job = store.create(identity.workspace_id, "export", len(ids) if ids else 0, 1,
                       {"contact_ids": ids or []}, identity.principal_id)
    with runner.failing_job(identity.workspace_id, job.id):
        runner.enqueue_chunks(settings, identity.workspace_id, job.id, 1)
    scope = "segment" if "segment_id" in body else "contacts" if ids else "workspace"
    record(identity.workspace_id, "export.started", {"type": "job", "id": job.id},
           {"scope": {"before": None, "after": scope}, "contacts": {"before": None, "after": len(ids or [])}})
    return job


def _rows(identity: Identity, ids: list[str]) -> tuple[list[Contact], list[dict[str, Any]]]:
    if ids:
        found, missing = [], []
        for n, contact_id in enumerate(ids):
            try:
                found.append(contacts.get_contact(identity, contact_id))
            except NotFound:
                missing.append({"row": n + 1, "field": "contact_ids", "message": "contact not found",
                                "ref": contact_id})
        return found, missing
    everyone: list[Contact] = []
    cursor: str | None = None
    while True:
        page, cursor = contacts.list_contacts(identity, 200, cursor)
        everyone.extend(page)
        if cursor is None:
            return everyone, []


def to_csv(rows: list[Contact]) -> str:
    """The CSV text of contacts; tags joined with ';'. Cells that a spreadsheet would run as a formula
    are prefixed with a quote (CSV injection)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for contact in rows:
        data = contact.to_dict()
        cells = [";".join(data["tags"]) if col == "tags" else (data.get(col) or "") for col in COLUMNS]
        writer.writerow([f"'{c}" if isinstance(c, str) and c[:1] in ("=", "+", "-", "@") and col != "phone" else c
                         for c, col in zip(cells, COLUMNS, strict=True)])
    return out.getvalue()


def process_export(settings: Settings, workspace_id: str, job_id: str) -> bool:
    """Write the CSV to the files bucket and count the job done."""
    job = store.get_item(workspace_id, job_id)
    identity = runner.acting_as(workspace_id, job.created_by)
    params = job.params.as_dict() if hasattr(job.params, "as_dict") else dict(job.params)
    found, missing = _rows(identity, list(params.get("contact_ids") or []))
    key = files.key_for(workspace_id, job_id, "contacts.csv")
    files.put_text(settings, key, to_csv(found))
    job.update(actions=[type(job).result.set({"file": key, "rows": len(found)}),
                        type(job).total.set(len(found) + len(missing))])
    counts = {"processed": len(found) + len(missing), "succeeded": len(found), "skipped": 0, "failed": len(missing)}
    return runner.finish_chunk(settings, workspace_id, job_id, 0, counts, missing)


def download(settings: Settings, identity: Identity, job_id: str) -> dict[str, Any]:
    """A short-lived URL to the export's CSV."""
    job = store.to_job(store.get_item(identity.workspace_id, job_id))
    if job.type != "export" or job.finished_at is None or "file" not in job.result:
        raise NotFound("this job has no file to download (yet)", {"field": "job_id", "status": job.status})
    return {"url": files.download_url(settings, job.result["file"], f"contacts-{job.id}.csv"),
            "rows": job.result.get("rows"), "expires_in": 900}
