"""Data access for jobs: create, progress by atomic ADD, finish, errors, read."""
from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from leadpilot.clock import now_epoch, now_iso
from leadpilot.contacts.store import decode_cursor, page
from leadpilot.errors import NotFound
from leadpilot.events.outbox import as_plain
from leadpilot.ids import new_id
from leadpilot.jobs.models import JobItem, JobRowItem

_ROW_TTL_S = 30 * 24 * 3600


@dataclass(frozen=True)
class Job:
    id: str
    type: str
    status: str
    total: int
    processed: int
    succeeded: int
    skipped: int
    failed: int
    params: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=dict)
    created_by: str = ""
    created_at: str = ""
    finished_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        progress = round(100 * self.processed / self.total, 1) if self.total else (100.0 if self.finished_at else 0.0)
        return {"id": self.id, "type": self.type, "status": self.status, "total": self.total,
                "processed": self.processed, "succeeded": self.succeeded, "skipped": self.skipped,
                "failed": self.failed, "progress_percent": progress, "params": self.params, "result": self.result,
                "created_by": self.created_by, "created_at": self.created_at, "finished_at": self.finished_at}


def jobs_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#JOBS"


def to_job(item: JobItem) -> Job:
    return Job(id=item.job_id, type=item.type, status=item.status, total=int(item.total),
               processed=int(item.processed), succeeded=int(item.succeeded), skipped=int(item.skipped),
               failed=int(item.failed), params=as_plain(item.params), result=as_plain(item.result),
               created_by=item.created_by, created_at=item.created_at, finished_at=item.finished_at)


def create(workspace_id: str, job_type: str, total: int, chunks: int, params: dict[str, Any], created_by: str) -> Job:
    """A queued job."""
    job_id = new_id()
    item = JobItem(jobs_pk(workspace_id), f"JOB#{job_id}", job_id=job_id, workspace_id=workspace_id, type=job_type,
                   status="queued", total=total, chunks=chunks, params=params, created_by=created_by,
                   created_at=now_iso())
    item.save(condition=JobItem.PK.does_not_exist())
    return to_job(item)


def get_item(workspace_id: str, job_id: str) -> JobItem:
    try:
        return JobItem.get(jobs_pk(workspace_id), f"JOB#{job_id}", consistent_read=True)
    except DoesNotExist as exc:
        raise NotFound("job not found", {"field": "job_id"}) from exc


def record_errors(workspace_id: str, job_id: str, errors: list[dict[str, Any]]) -> None:
    """Store per-row errors (row number, field, message, reference)."""
    with JobRowItem.batch_write() as batch:
        for err in errors:
            batch.save(JobRowItem(f"WS#{workspace_id}#JOB#{job_id}", f"ERROR#{err['row']:08d}", row=err["row"],
                                  field=err.get("field"), message=err["message"], ref=err.get("ref"),
                                  expires_at=now_epoch() + _ROW_TTL_S))


def finish(item: JobItem) -> None:
    """Set the final status once every chunk is counted."""
    status = "completed" if int(item.failed) == 0 else "completed_with_errors"
    with suppress(UpdateError):  # another chunk's worker finished it first
        item.update(actions=[JobItem.status.set(status), JobItem.finished_at.set(now_iso())],
                    condition=JobItem.finished_at.does_not_exist())


def fail(workspace_id: str, job_id: str, reason: str) -> None:
    """A job that cannot go on (e.g. its file is gone): visible as failed with the reason."""
    JobItem(jobs_pk(workspace_id), f"JOB#{job_id}").update(
        actions=[JobItem.status.set("failed"), JobItem.finished_at.set(now_iso()),
                 JobItem.result.set({"reason": reason})])


def list_jobs(workspace_id: str, limit: int, cursor: str | None) -> tuple[list[Job], str | None]:
    items, next_cursor = page(JobItem, jobs_pk(workspace_id), "JOB#", limit, decode_cursor(cursor), newest_first=True)
    return [to_job(i) for i in items], next_cursor


def list_errors(workspace_id: str, job_id: str, limit: int, after_row: int | None
                ) -> tuple[list[dict[str, Any]], int | None]:
    """A page of the error report of a job, by row, and the row the next page continues after (None: last page)."""
    condition: Any = JobRowItem.SK.startswith("ERROR#")
    if after_row is not None:
        condition = JobRowItem.SK.between(f"ERROR#{after_row + 1:08d}", "ERROR#99999999")
    items = list(JobRowItem.query(f"WS#{workspace_id}#JOB#{job_id}", condition, limit=limit + 1))
    rows: list[dict[str, Any]] = [{"row": int(i.row), "field": i.field, "message": i.message, "ref": i.ref}
                                  for i in items[:limit]]
    return rows, int(items[limit - 1].row) if len(items) > limit else None
