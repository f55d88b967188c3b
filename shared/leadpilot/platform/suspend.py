"""Suspending and reactivating a workspace.

Suspended: its credentials answer 403 `workspace_suspended` (identity.authenticate), its sends are refused
(identity.suspension, asked by the SMS and email paths), inbound messages are still stored, and its running runs
are paused by a job. Reactivation resumes the runs that job paused, and only those.
"""
from __future__ import annotations

from typing import Any

from pynamodb.exceptions import UpdateError

from leadpilot.automation.runs import holds
from leadpilot.clock import now_iso
from leadpilot.db.identity_models import WorkspaceItem
from leadpilot.errors import Conflict, DomainError
from leadpilot.identity import suspension
from leadpilot.identity.entities import Identity
from leadpilot.jobs import runner
from leadpilot.jobs import store as jobs
from leadpilot.jobs.models import JobItem
from leadpilot.jobs.store import Job
from leadpilot.observability import logger, metrics
from leadpilot.platform import counts
from leadpilot.settings import Settings

PAUSE_JOB, RESUME_JOB = "platform_pause_runs", "platform_resume_runs"


def _set_status(item: WorkspaceItem, to: str, actions: list[Any]) -> None:
    expected = "active" if to == suspension.SUSPENDED else suspension.SUSPENDED
    try:
        item.update(actions=[WorkspaceItem.status.set(to), WorkspaceItem.updated_at.set(now_iso()), *actions],
                    condition=WorkspaceItem.status == expected)
    except UpdateError as exc:
        raise Conflict(f"the workspace is {item.status}, not {expected}", {"field": "status",
                                                                          "status": item.status}) from exc
    suspension.forget(item.workspace_id)


def _start_job(settings: Settings, identity: Identity, job_type: str, target: str) -> Job:
    """One chunk in the administrator's own workspace: its progress is GET /jobs/{id} there."""
    job = jobs.create(identity.workspace_id, job_type, 1, 1, {"workspace_id": target}, identity.principal_id)
    with runner.failing_job(identity.workspace_id, job.id):
        runner.enqueue_chunks(settings, identity.workspace_id, job.id, 1)
    return job


def suspend(settings: Settings, identity: Identity, item: WorkspaceItem, reason: str) -> Job:
    """Suspend the workspace now; its running runs are paused by the job returned."""
    _set_status(item, suspension.SUSPENDED, [WorkspaceItem.suspended_reason.set(reason),
                                             WorkspaceItem.suspended_at.set(now_iso())])
    metrics.add_metric(name="WorkspaceSuspended", unit="Count", value=1)
    return _start_job(settings, identity, PAUSE_JOB, item.workspace_id)


def reactivate(settings: Settings, identity: Identity, item: WorkspaceItem) -> Job:
    """Lift the suspension now; the runs it paused are resumed by the job returned."""
    _set_status(item, "active", [WorkspaceItem.suspended_reason.remove(), WorkspaceItem.suspended_at.remove()])
    metrics.add_metric(name="WorkspaceReactivated", unit="Count", value=1)
    return _start_job(settings, identity, RESUME_JOB, item.workspace_id)


def _target(job_workspace: str, job_id: str) -> str:
    return str(jobs.to_job(jobs.get_item(job_workspace, job_id)).params["workspace_id"])


def _finish(settings: Settings, job_workspace: str, job_id: str, done: int, failed: list[dict[str, Any]]) -> None:
    JobItem(jobs.jobs_pk(job_workspace), f"JOB#{job_id}").update(
        actions=[JobItem.result.set({"runs": done, "failed": len(failed)})])
    runner.finish_chunk(settings, job_workspace, job_id, 0, {"processed": 1, "succeeded": 0 if failed else 1,
                                                             "skipped": 0, "failed": 1 if failed else 0}, failed)


def pause_runs(settings: Settings, job_workspace: str, job_id: str, _chunk: int) -> bool:
    """Pause every running run of the suspended workspace for the suspension; a redelivered chunk goes on where
    the last one stopped (the runs it paused are no longer running)."""
    ws = _target(job_workspace, job_id)
    done, failed, tried = 0, list[dict[str, Any]](), set[str]()
    for item in holds.running(ws, tried):
        if suspension.suspended_reason(ws) is None:
            break  # reactivated meanwhile: leave the rest running
        try:
            holds.pause_for(settings, item, holds.SUSPENSION)
            done += 1
        except DomainError as exc:  # it ended or moved meanwhile: nothing to resume later
            failed.append({"row": len(failed) + 1, "field": "run_id", "message": exc.message, "ref": item.run_id})
    counts.forget(ws)
    logger.info("suspended workspace's runs paused", extra={"target": ws, "paused": done})
    _finish(settings, job_workspace, job_id, done, failed)
    return True


def resume_runs(settings: Settings, job_workspace: str, job_id: str, _chunk: int) -> bool:
    """Resume the runs the suspension paused (still paused: one paused by hand meanwhile is left alone)."""
    ws = _target(job_workspace, job_id)
    done, refused = holds.resume_held(settings, ws, holds.SUSPENSION)
    failed = [{"row": n + 1, "field": "run_id", "message": why, "ref": run_id}
              for n, (run_id, why) in enumerate(refused)]
    counts.forget(ws)
    _finish(settings, job_workspace, job_id, done, failed)
    return True
