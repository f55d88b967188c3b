"""Runs paused on behalf of something that will resume them: a workspace's suspension.

`pause_for` pauses a running run and remembers it under the hold's name; `resume_held` resumes the remembered
runs that are still paused and forgets them all. A run paused by hand is never remembered, so lifting the hold
leaves it paused. The action worker pauses (and remembers) a run that reaches an action while its workspace is
suspended, so runs started during a suspension wait too.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DeleteError

from leadpilot.automation.runs import controls
from leadpilot.automation.runs.models import RunIndexItem, RunItem
from leadpilot.automation.runs.runs import get_item, workspace_runs_pk
from leadpilot.db.base import CrmModel
from leadpilot.errors import DomainError
from leadpilot.settings import Settings

SUSPENSION = "suspension"
_PAGE = 100


class HeldRunItem(CrmModel, discriminator="automation_held_run"):
    """PK: WS#<ws>#RUN_HOLDS#<hold>  SK: RUN#<run_id>. A run paused by the hold, for it to resume."""

    run_id = UnicodeAttribute()


def _pk(workspace_id: str, hold: str) -> str:
    return f"WS#{workspace_id}#RUN_HOLDS#{hold}"


def pause_for(settings: Settings, item: RunItem, hold: str) -> None:
    """Pause a running run for the hold, remembering it first (a crash in between leaves a marker, which
    `resume_held` skips when the run is not paused, never a paused run nobody resumes)."""
    marker = HeldRunItem(_pk(item.workspace_id, hold), f"RUN#{item.run_id}", run_id=item.run_id)
    marker.save()
    try:
        controls.pause(settings, None, item.run_id, item=item, actor=f"system:{hold}")
    except DomainError:
        forget(marker)
        raise


def running(workspace_id: str, skip: set[str]) -> Iterator[RunItem]:
    """The workspace's running runs, a page at a time, leaving out the ids in `skip` (ones already tried)."""
    while True:
        ids = [i.run_id for i in RunIndexItem.gsi1.query(workspace_runs_pk(workspace_id, "running"), limit=_PAGE)
               if isinstance(i, RunIndexItem) and i.run_id not in skip]
        if not ids:
            return
        for run_id in ids:
            skip.add(run_id)
            item = get_item(workspace_id, run_id)
            if item is not None and item.status == "running":
                yield item


def resume_held(settings: Settings, workspace_id: str, hold: str) -> tuple[int, list[tuple[str, str]]]:
    """Resume the hold's runs that are still paused; forget every marker. Returns (resumed, [(run id, why not)])."""
    resumed, failed = 0, list[tuple[str, str]]()
    for marker in HeldRunItem.query(_pk(workspace_id, hold)):
        item = get_item(workspace_id, marker.run_id)
        if item is not None and item.status == "paused":
            try:
                controls.resume(settings, None, item.run_id, item=item, actor=f"system:{hold}")
                resumed += 1
            except DomainError as exc:
                failed.append((item.run_id, exc.message))
        forget(marker)
    return resumed, failed


def forget(marker: HeldRunItem) -> None:
    with suppress(DeleteError):  # gone already: a redelivered job
        marker.delete()
