"""Erasing a workspace: every item of both tables that is its (each partition starting `WS#<id>`, and the global
lookups that name it: phone-number claims, provider-account owners, API keys, sessions, invites, hooks, booking
pages), so its users' memberships too, its files in S3, and what it has elsewhere (erase_outside: users of no other
workspace, calendar push channels, webhook retry schedules, its SES identity).

A job in the administrator's workspace does it in chunks. The first stops the workspace's running flow executions,
deletes its state machines and undoes what it has elsewhere, then queues the others, which run side by side: one
per segment of a parallel Scan of each table, and one for the files. Deleting is idempotent, so a redelivered chunk
simply does its part again; a repeated DELETE answers the same job and re-queues the chunks not yet done
(resumable). The final report (runs stopped, state machines, items erased per table, files, what it had elsewhere)
is the job's `result`.
"""
from __future__ import annotations

import json
from contextlib import suppress
from functools import lru_cache
from typing import Any

import boto3
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from leadpilot.automation.runs.machines import entry_machine
from leadpilot.automation.runs.models import FlowItem, FlowVersionItem, RunIndexItem
from leadpilot.automation.runs.runs import get_item, workspace_runs_pk
from leadpilot.clock import now_iso
from leadpilot.db.identity_models import WorkspaceItem
from leadpilot.errors import Conflict
from leadpilot.identity import suspension
from leadpilot.identity.entities import Identity
from leadpilot.ids import parse_id
from leadpilot.jobs import runner
from leadpilot.jobs import store as jobs
from leadpilot.jobs.models import JobItem, JobRowItem
from leadpilot.jobs.store import Job
from leadpilot.observability import logger, metrics
from leadpilot.platform.access import target_item
from leadpilot.platform.erase_outside import erase_outside
from leadpilot.platform.models import ErasureItem
from leadpilot.settings import Settings

ERASE_JOB = "platform_erase_workspace"
SEGMENTS = 4  # per table
CHUNKS = 1 + 2 * SEGMENTS + 1  # the flows' executions and machines, each table's segments, then the files
_COUNTERS = ("runs_stopped", "state_machines", "crm_items", "identity_items", "files", "users", "calendar_channels",
             "schedules", "email_identities")


@lru_cache(maxsize=2)
def _dynamodb(region: str) -> Any:
    return boto3.client("dynamodb", region_name=region)


@lru_cache(maxsize=2)
def _sqs(region: str) -> Any:
    return boto3.client("sqs", region_name=region)


@lru_cache(maxsize=2)
def _stepfunctions(region: str) -> Any:
    return boto3.client("stepfunctions", region_name=region)


@lru_cache(maxsize=2)
def _s3(region: str) -> Any:
    return boto3.client("s3", region_name=region)


def _erasure(workspace_id: str) -> ErasureItem | None:
    try:
        return ErasureItem.get(f"PLATFORM#ERASURE#{workspace_id}", "ERASURE", consistent_read=True)
    except DoesNotExist:
        return None


def _enqueue(settings: Settings, erasure: ErasureItem, chunks: range | list[int]) -> None:
    for chunk in chunks:
        _sqs(settings.region).send_message(QueueUrl=settings.need("jobs_queue_url"), MessageBody=json.dumps(
            {"workspace_id": erasure.job_workspace_id, "job_id": erasure.job_id, "chunk": chunk}))


def _enqueue_missing(settings: Settings, erasure: ErasureItem) -> None:
    """Queue every chunk not counted yet: the first alone until it is done (it queues the others)."""
    done = {int(r.row) for r in JobRowItem.query(f"WS#{erasure.job_workspace_id}#JOB#{erasure.job_id}",
                                                 JobRowItem.SK.startswith("CHUNK#"))}
    _enqueue(settings, erasure, [c for c in range(CHUNKS) if c not in done] if 0 in done else [0])


def delete_workspace(settings: Settings, identity: Identity, workspace_id: str) -> Job:
    """Start erasing the workspace (or, asked again, answer the same job and resume what is left of it)."""
    erasure = _erasure(parse_id(workspace_id, "workspace_id"))
    if erasure is None:
        item = target_item(workspace_id)
        if item.workspace_id == identity.workspace_id:
            raise Conflict("you cannot delete the workspace you are signed in to", {"field": "workspace_id"})
        erasure = _begin(identity, item)
    _close(erasure.target_id)
    job = jobs.to_job(jobs.get_item(erasure.job_workspace_id, erasure.job_id))
    if job.finished_at is None:
        _enqueue_missing(settings, erasure)
    return job


def _begin(identity: Identity, item: WorkspaceItem) -> ErasureItem:
    """Record the job that erases the workspace: one per workspace (two DELETEs at once share the first's)."""
    job = jobs.create(identity.workspace_id, ERASE_JOB, CHUNKS, CHUNKS,
                      {"workspace_id": item.workspace_id, "name": item.name}, identity.principal_id)
    erasure = ErasureItem(f"PLATFORM#ERASURE#{item.workspace_id}", "ERASURE", target_id=item.workspace_id,
                          job_workspace_id=identity.workspace_id, job_id=job.id, name=item.name,
                          requested_by=identity.principal_id, requested_at=now_iso())
    try:
        erasure.save(condition=ErasureItem.PK.does_not_exist())
    except PutError:
        jobs.fail(identity.workspace_id, job.id, "another request is already erasing this workspace")
        first = _erasure(item.workspace_id)
        if first is None:
            raise
        return first
    metrics.add_metric(name="WorkspaceDeletionStarted", unit="Count", value=1)
    return erasure


def _close(workspace_id: str) -> None:
    """Status deleting, while the workspace item is there: every credential of it is refused from now on."""
    with suppress(UpdateError):  # erased already
        WorkspaceItem(f"WS#{workspace_id}", "WORKSPACE").update(
            actions=[WorkspaceItem.status.set("deleting"), WorkspaceItem.updated_at.set(now_iso())],
            condition=WorkspaceItem.PK.exists())
    suspension.forget(workspace_id)


def _erase_segment(settings: Settings, table: str, workspace_id: str, segment: int) -> int:
    """Delete every item of one Scan segment that is the workspace's; returns how many."""
    client, erased, start = _dynamodb(settings.region), 0, None
    while True:
        page = client.scan(TableName=table, Segment=segment, TotalSegments=SEGMENTS, ConsistentRead=True,
                           ProjectionExpression="PK, SK",
                           FilterExpression="begins_with(PK, :ws) OR workspace_id = :id",
                           ExpressionAttributeValues={":ws": {"S": f"WS#{workspace_id}"}, ":id": {"S": workspace_id}},
                           **({"ExclusiveStartKey": start} if start else {}))
        keys = [{"PK": i["PK"], "SK": i["SK"]} for i in page.get("Items", [])]
        for at in range(0, len(keys), 25):
            requests = [{"DeleteRequest": {"Key": k}} for k in keys[at:at + 25]]
            while requests:  # unprocessed deletes are sent again
                reply = client.batch_write_item(RequestItems={table: requests})
                requests = reply.get("UnprocessedItems", {}).get(table, [])
        erased += len(keys)
        start = page.get("LastEvaluatedKey")
        if not start:
            return erased


def _erase_files(settings: Settings, workspace_id: str) -> int:
    """Delete every object under the workspace's prefix of the files bucket."""
    s3, erased = _s3(settings.region), 0
    bucket = settings.need("files_bucket")
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"workspaces/{workspace_id}/"):
        objects = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if objects:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})
            erased += len(objects)
    return erased


def _stop_flows(settings: Settings, workspace_id: str) -> dict[str, int]:
    """Stop the workspace's running executions and delete its flows' state machines (queries of its own
    partitions: the run listing and each flow's versions)."""
    client, stopped, machines = _stepfunctions(settings.region), 0, 0
    for entry in RunIndexItem.gsi1.query(workspace_runs_pk(workspace_id, "running")):
        run = get_item(workspace_id, entry.run_id)
        if run is not None and run.status == "running":
            with suppress(client.exceptions.ExecutionDoesNotExist):
                client.stop_execution(executionArn=run.execution_arn, error="LeadPilot.WorkspaceDeleted",
                                      cause="the workspace is being deleted")
            stopped += 1
    for flow in FlowItem.query(f"WS#{workspace_id}#FLOWS", FlowItem.SK.startswith("FLOW#")):
        for version in FlowVersionItem.query(f"WS#{workspace_id}#FLOW#{flow.flow_id}",
                                             FlowVersionItem.SK.startswith("VERSION#")):
            for arn in (version.state_machine_arn, entry_machine(version.state_machine_arn)):
                with suppress(client.exceptions.StateMachineDoesNotExist):  # deleted earlier, or never made
                    client.delete_state_machine(stateMachineArn=arn)
            machines += 1
    return {"runs_stopped": stopped, "state_machines": machines}


def _do_chunk(settings: Settings, ws: str, chunk: int) -> dict[str, int]:
    if chunk == 0:
        return {**_stop_flows(settings, ws), **erase_outside(settings, ws)}
    if chunk <= SEGMENTS:
        return {"crm_items": _erase_segment(settings, settings.crm_table, ws, chunk - 1)}
    if chunk <= 2 * SEGMENTS:
        return {"identity_items": _erase_segment(settings, settings.identity_table, ws, chunk - 1 - SEGMENTS)}
    return {"files": _erase_files(settings, ws)}


def erase_chunk(settings: Settings, job_workspace: str, job_id: str, chunk: int) -> bool:
    """One chunk: the flows (then queue the rest), a segment of the CRM table, of the identity table, or the
    files; the last one done writes the final report."""
    ws = str(jobs.to_job(jobs.get_item(job_workspace, job_id)).params["workspace_id"])
    erasure = _erasure(ws)
    if erasure is None:
        return False
    done = {name: n for name, n in _do_chunk(settings, ws, chunk).items() if n}
    if done and chunk == 0:  # what the flows and the outside had: the same again when redelivered (items remain)
        erasure.update(actions=[getattr(ErasureItem, name).set(n) for name, n in done.items()])
    elif done:  # counted after the deletes: a redelivered chunk finds (and counts) only what is left
        erasure.update(actions=[getattr(ErasureItem, name).add(n) for name, n in done.items()])
    counted = runner.finish_chunk(settings, job_workspace, job_id, chunk,
                                  {"processed": 1, "succeeded": 1, "skipped": 0, "failed": 0}, [])
    if chunk == 0:
        _enqueue(settings, erasure, range(1, CHUNKS))
    job = jobs.get_item(job_workspace, job_id)
    if job.finished_at is not None:
        _report(job, ws)
    return counted


def _report(job: JobItem, workspace_id: str) -> None:
    """The final report on the job: what was erased, from where."""
    erasure = _erasure(workspace_id)
    if erasure is None:
        return
    report = {"workspace_id": workspace_id, "name": erasure.name, "erased_at": job.finished_at,
              **{name: int(getattr(erasure, name) or 0) for name in _COUNTERS}}
    job.update(actions=[JobItem.result.set(report)])
    logger.info("workspace erased", extra={"erasure": report})
