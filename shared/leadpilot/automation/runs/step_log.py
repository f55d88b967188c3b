"""A run's step log: the worker's action markers (input, output, error, timing) and the controls applied to the
run, in one partition; on request, the native states (waits, choices) read from Step Functions' history."""
from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from leadpilot.api.cursors import decode_cursor, slice_page
from leadpilot.automation.flows.compiler import REST
from leadpilot.automation.runs import machines
from leadpilot.automation.runs.models import ActionMarkerItem, RunItem, RunStepItem
from leadpilot.clock import now_epoch, now_iso
from leadpilot.db.base import CrmModel
from leadpilot.ids import new_id
from leadpilot.settings import Settings

LOG_TTL_S = 90 * 86400
_NATIVE = ("Wait", "Choice", "Pass", "Succeed", "Fail")
_POSITION = re.compile(r"[0-9]{6}")


def record(item: RunItem, step: str, actor: str, node: str | None = None, **detail: Any) -> None:
    """Add a control (pause, resume, skip, restart, cancel, recover) to the run's log."""
    at = now_iso()
    RunStepItem(item.PK, f"STEP#{at}#{new_id()}", step=step, node=node, actor=actor, at=at,
                execution=int(item.execution_count or 1), detail=json.dumps(detail, default=str) if detail else None,
                expires_at=now_epoch() + LOG_TTL_S).save()


def _ms_between(start: str | None, end: str | None) -> int | None:
    if not start or not end:
        return None
    delta = datetime.fromisoformat(end.replace("Z", "+00:00")) - datetime.fromisoformat(start.replace("Z", "+00:00"))
    return int(delta.total_seconds() * 1000)


def _action(marker: ActionMarkerItem) -> dict[str, Any]:
    output = json.loads(marker.output) if marker.output else None
    failed = marker.status == "failed" and isinstance(output, dict)
    return {"type": "action", "node": marker.node, "action": marker.action, "status": marker.status,
            "state": marker.SK.split("#")[1], "attempt": int(marker.attempt or 0),
            "execution": int(marker.execution or 1), "deliveries": int(marker.deliveries or 1),
            "retries": [json.loads(str(r)) for r in marker.retries or []],
            "input": json.loads(marker.input) if marker.input else None,
            "output": None if failed else output,
            "error": output.get("error") if failed and isinstance(output, dict) else None,
            "cause": output.get("cause") if failed and isinstance(output, dict) else None,
            "started_at": marker.started_at, "ended_at": marker.finished_at,
            "duration_ms": _ms_between(marker.started_at, marker.finished_at)}


def _control(step: RunStepItem) -> dict[str, Any]:
    return {"type": "control", "step": step.step, "node": step.node, "actor": step.actor,
            "execution": int(step.execution or 1), "detail": json.loads(step.detail) if step.detail else None,
            "started_at": step.at, "ended_at": step.at, "duration_ms": 0}


def _native(events: list[dict[str, Any]], execution: int) -> list[dict[str, Any]]:
    """Entered/exited pairs of the native states (Wait, Choice, Pass, End) of one execution's history."""
    found: list[dict[str, Any]] = []
    open_steps: dict[str, dict[str, Any]] = {}
    for event in events:
        kind = str(event["type"])
        stamp = event["timestamp"]
        at = (stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z") if hasattr(stamp, "isoformat")
              else str(stamp))
        if kind.endswith("StateEntered") and kind.removesuffix("StateEntered") in _NATIVE:
            name = event["stateEnteredEventDetails"]["name"]
            if name.startswith("@") and name not in ("@failed", REST):
                continue
            node = name.split("@")[0] or None
            if name == REST:  # a resumed run waiting out the rest of its delay: that delay's step
                node = json.loads(event["stateEnteredEventDetails"].get("input") or "{}").get("start_at")
            step = {"type": "native", "state_type": kind.removesuffix("StateEntered").lower(), "state": name,
                    "node": node, "execution": execution, "status": "entered",
                    "started_at": at, "ended_at": None, "duration_ms": None}
            open_steps[name] = step
            found.append(step)
        elif kind.endswith("StateExited") and event["stateExitedEventDetails"]["name"] in open_steps:
            step = open_steps.pop(event["stateExitedEventDetails"]["name"])
            step.update(status="exited", ended_at=at, duration_ms=_ms_between(step["started_at"], at))
    return found


def step_page(settings: Settings, item: RunItem, with_history: bool, limit: int, cursor: str | None
              ) -> tuple[list[dict[str, Any]], str | None]:
    """A page of list_steps. The steps merge three sources (action markers, control steps, the execution's
    history) in time order, so they are read whole (a run's steps are bounded by its flow's nodes and loop caps)
    and a step's place in that order is its cursor."""
    after = decode_cursor(cursor, lambda value: _POSITION.fullmatch(value))
    numbered = list(enumerate(list_steps(settings, item, with_history)))
    page, next_cursor = slice_page(numbered, limit, after, lambda pair: f"{pair[0]:06d}")
    return [step for _, step in page], next_cursor


def list_steps(settings: Settings, item: RunItem, with_history: bool = False) -> list[dict[str, Any]]:
    """The run's steps in time order; with_history adds the native states of its current execution."""
    steps: list[dict[str, Any]] = []
    for entry in CrmModel.query(item.PK, CrmModel.SK > "ACTION#"):
        if isinstance(entry, ActionMarkerItem):
            steps.append(_action(entry))
        elif isinstance(entry, RunStepItem):
            steps.append(_control(entry))
    if with_history:
        steps += _native(machines.history(settings.region, item.execution_arn), int(item.execution_count or 1))
    return sorted(steps, key=lambda s: (s["started_at"], 0 if s["type"] == "control" else 1))
