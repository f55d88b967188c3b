"""What every job shares: chunk messages on the jobs queue, the worker identity, completion."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import boto3
from pynamodb.exceptions import TransactWriteError

from leadpilot import request_context
from leadpilot.clock import now_epoch
from leadpilot.db.base import transaction
from leadpilot.errors import NotFound
from leadpilot.identity import store as identity_store
from leadpilot.identity.entities import SCOPES, Identity
from leadpilot.jobs import store
from leadpilot.jobs.models import JobItem, JobRowItem
from leadpilot.settings import Settings

CHUNK_ROWS = 250


@lru_cache(maxsize=2)
def _sqs(region: str) -> Any:
    return boto3.client("sqs", region_name=region)


def enqueue_chunks(settings: Settings, workspace_id: str, job_id: str, chunks: int) -> None:
    """One message per chunk, so chunks run in parallel and each invocation stays bounded."""
    url = settings.need("jobs_queue_url")
    carried = request_context.message_attributes()  # a job started during an impersonation records both names
    messages = [{"Id": str(n), "MessageBody": json.dumps({"workspace_id": workspace_id, "job_id": job_id, "chunk": n}),
                 **({"MessageAttributes": carried} if carried else {})} for n in range(chunks)]
    for start in range(0, len(messages), 10):
        _sqs(settings.region).send_message_batch(QueueUrl=url, Entries=messages[start:start + 10])


def acting_as(workspace_id: str, user_id: str) -> Identity:
    """The identity a job acts with: the user who started it, in its workspace."""
    workspace = identity_store.get_workspace_item(workspace_id)
    if workspace is None:
        raise NotFound("workspace no longer exists")
    return Identity(workspace=identity_store.to_workspace(workspace), principal_type="user",
                    principal_id=user_id, role=None, scopes=frozenset(SCOPES))


def finish_chunk(settings: Settings, workspace_id: str, job_id: str, chunk: int, counts: dict[str, int],
                 errors: list[dict[str, Any]]) -> bool:
    """Count a chunk exactly once: its marker and the job's counters move in one transaction."""
    store.record_errors(workspace_id, job_id, errors)
    marker = JobRowItem(f"WS#{workspace_id}#JOB#{job_id}", f"CHUNK#{chunk:06d}", row=chunk,
                        expires_at=now_epoch() + 30 * 24 * 3600)
    job = JobItem(store.jobs_pk(workspace_id), f"JOB#{job_id}")
    try:
        with transaction(settings) as txn:
            txn.save(marker, condition=JobRowItem.PK.does_not_exist())
            txn.update(job, actions=[JobItem.processed.add(counts["processed"]),
                                     JobItem.succeeded.add(counts["succeeded"]),
                                     JobItem.skipped.add(counts["skipped"]), JobItem.failed.add(counts["failed"]),
                                     JobItem.chunks_done.add(1), JobItem.status.set("running")])
    except TransactWriteError:
        return False  # a redelivered chunk: already counted
    item = store.get_item(workspace_id, job_id)
    if int(item.chunks_done) >= int(item.chunks) and item.finished_at is None:
        store.finish(item)
    return True


ChunkFn = Callable[[Settings, str, str, int], bool]


def run_chunk(settings: Settings, workspace_id: str, job_id: str, chunk: int, by_type: dict[str, ChunkFn],
              default: ChunkFn) -> None:
    """Apply one chunk. A job that cannot go on (its workspace or file is gone) is marked failed with the
    reason instead of being retried into the DLQ; anything else raises, so SQS redelivers the chunk."""
    try:
        job = store.get_item(workspace_id, job_id)
    except NotFound:
        return  # the job itself is gone: nothing to do
    try:
        by_type.get(job.type, default)(settings, workspace_id, job_id, chunk)
    except NotFound as exc:
        store.fail(workspace_id, job_id, exc.message)


@contextmanager
def failing_job(workspace_id: str, job_id: str) -> Iterator[None]:
    """Starting a job: if its file or queue messages cannot be written, the job is marked failed (never
    left queued forever) and the error goes on to the caller as a 500 with a logged cause."""
    try:
        yield
    except Exception:
        store.fail(workspace_id, job_id, "the job could not be queued; start it again")
        raise
