"""Deal use cases: create, get, update, move between stages, delete, stage history."""
from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from typing import Any

from leadpilot.api import cursors
from leadpilot.clock import now_iso
from leadpilot.contacts import store as contacts
from leadpilot.db.crm_models import ContactItem
from leadpilot.errors import Conflict, ValidationFailed
from leadpilot.identity.entities import Identity
from leadpilot.ids import new_id
from leadpilot.pipelines import store
from leadpilot.pipelines.entities import Deal, Pipeline, Stage, money
from leadpilot.pipelines.moves import (
    add_move,
    close_visit,
    deal_event,
    moved,
    open_visit,
    record_deal,
    require_open_stage,
    status_events,
)
from leadpilot.pipelines.values import DEFAULT_CURRENCY, parse_currency, parse_date, parse_value, require_member
from leadpilot.pipelines.writes import Writes
from leadpilot.settings import Settings

_POSITION = re.compile(r"[0-9]{6}")  # a stay's place in the history (the cursor of a history page)
_EDITABLE = ("name", "contact_id", "value", "currency", "probability", "expected_close_date", "owner_id", "status",
             "lost_reason")


def _require_contact(w: Writes, ws: str, contact_id: str) -> None:
    """The contact must be one of this workspace's, now and when the transaction commits."""
    if contacts.get_item(ws, contact_id) is None:
        raise ValidationFailed.field("contact_id", "is not a contact of this workspace")
    w.check(ContactItem, contacts.contacts_pk(ws), f"CONTACT#{contact_id}", ContactItem.PK.exists(),
            lambda: ValidationFailed.field("contact_id", "is not a contact of this workspace"))


def _pipeline_of_body(ws: str, pipeline_id: str) -> Pipeline:
    pipeline = store.find_pipeline(ws, pipeline_id)
    if pipeline is None:
        raise ValidationFailed.field("pipeline_id", "is not a pipeline of this workspace")
    return pipeline


def _entry_stage(pipeline: Pipeline, stage_id: str | None) -> Stage:
    """The stage a deal enters: the one named, else the pipeline's first open stage."""
    if stage_id is None:
        stage = next((s for s in pipeline.stages if s.kind == "open" and pipeline.accepts(s.id)), None)
    else:
        stage = pipeline.stage(stage_id)
    if stage is None or not pipeline.accepts(stage.id):
        raise ValidationFailed.field("stage_id", "is not an open stage of the pipeline")
    return stage


def _check_status(deal: Deal, stage_kind: str) -> Deal:
    """Status rules: a won/lost stage fixes the status; lost needs a reason; only lost deals have one."""
    if stage_kind != "open" and deal.status != stage_kind:
        raise ValidationFailed.field("status", f"the deal is in a {stage_kind} stage; move it to change its status")
    if deal.status == "lost" and not deal.lost_reason:
        raise ValidationFailed.field("lost_reason", "is required when a deal is lost")
    if deal.status != "lost" and deal.lost_reason:
        raise ValidationFailed.field("lost_reason", "is only for lost deals")
    return deal


def _fields(ws: str, body: dict[str, Any]) -> dict[str, Any]:
    """Normalise the editable fields present in a body."""
    out: dict[str, Any] = {k: v for k, v in body.items() if k in _EDITABLE}
    if "name" in out:
        out["name"] = " ".join(out["name"].split()) or _blank("name")
    if "value" in out:
        out["value"] = parse_value(out["value"])
    if "currency" in out:
        out["currency"] = parse_currency(out["currency"])
    if "expected_close_date" in out:
        out["expected_close_date"] = parse_date(out["expected_close_date"], "expected_close_date")
    if "lost_reason" in out and out["lost_reason"] is not None:
        out["lost_reason"] = " ".join(out["lost_reason"].split()) or None
    if out.get("owner_id") is not None:
        require_member(ws, out["owner_id"])
    return out


def _blank(field: str) -> str:
    raise ValidationFailed.field(field, "must not be blank")


def create_deal(settings: Settings, identity: Identity, body: dict[str, Any]) -> Deal:
    """A deal in a stage of a pipeline (default: its first open stage), for a contact of the workspace."""
    ws, w = identity.workspace_id, Writes()
    fields = _fields(ws, body)
    pipeline = _pipeline_of_body(ws, body["pipeline_id"])
    stage = _entry_stage(pipeline, body.get("stage_id"))
    _require_contact(w, ws, fields["contact_id"])
    now, closed = now_iso(), stage.kind != "open"
    owner = fields.get("owner_id", identity.principal_id if identity.principal_type == "user" else None)
    deal = _check_status(Deal(
        id=new_id(), workspace_id=ws, pipeline_id=pipeline.id, stage_id=stage.id, contact_id=fields["contact_id"],
        name=fields["name"], value=fields.get("value", parse_value(0)),
        currency=fields.get("currency", DEFAULT_CURRENCY), probability=fields.get("probability", stage.probability),
        expected_close_date=fields.get("expected_close_date"), owner_id=owner, status=stage.kind,
        lost_reason=fields.get("lost_reason"), stage_entered_at=now, visit_id=new_id(),
        closed_at=now if closed else None, created_at=now, updated_at=now, version=1), stage.kind)
    record_deal(w, None, deal)
    open_visit(w, deal, None)
    require_open_stage(w, ws, pipeline.id, stage.id)
    deal_event(w, identity.actor(), "deal.created", deal, "DealCreated")
    status_events(w, identity.actor(), None, deal)
    w.commit(settings)
    return deal


def _current(ws: str, deal_id: str, version: int) -> Deal:
    """The deal, 404 when absent; 409 when the caller's version is stale (optimistic concurrency)."""
    deal = store.get_deal(ws, deal_id)
    if deal.version != version:
        raise Conflict("the deal was changed since you read it; reload it and retry",
                       {"field": "version", "current_version": deal.version})
    return deal


def update_deal(settings: Settings, identity: Identity, deal_id: str, body: dict[str, Any]) -> Deal:
    """Partial update under `version`; status won/lost also emits deal.won / deal.lost."""
    ws, w = identity.workspace_id, Writes()
    before = _current(ws, deal_id, body["version"])
    fields = _fields(ws, body)
    if fields.get("status", before.status) != "lost" and "lost_reason" not in fields:
        fields["lost_reason"] = None
    changes = {k: {"from": getattr(before, k), "to": v} for k, v in fields.items() if getattr(before, k) != v}
    if not changes:
        return before
    now = now_iso()
    closed_at = before.closed_at
    if "status" in changes:
        closed_at = None if fields["status"] == "open" else now
    pipeline = store.find_pipeline(ws, before.pipeline_id)
    stage = pipeline.stage(before.stage_id) if pipeline else None
    after = _check_status(replace(before, **fields, closed_at=closed_at, updated_at=now,
                                  version=before.version + 1), stage.kind if stage else "open")
    if "contact_id" in changes:
        _require_contact(w, ws, after.contact_id)
    record_deal(w, before, after)
    plain = {k: {"from": _plain(c["from"]), "to": _plain(c["to"])} for k, c in changes.items()}
    deal_event(w, identity.actor(), "deal.updated", after, "DealUpdated", plain)
    status_events(w, identity.actor(), before, after)
    w.commit(settings)
    return after


def _plain(value: Any) -> Any:
    return money(value) if isinstance(value, Decimal) else value


def move_deal(settings: Settings, identity: Identity, deal_id: str, body: dict[str, Any]) -> Deal:
    """The kanban drag: into another stage of the deal's pipeline, or of the pipeline named by pipeline_id."""
    ws, w = identity.workspace_id, Writes()
    before = _current(ws, deal_id, body["version"])
    pipeline_id = body.get("pipeline_id", before.pipeline_id)
    pipeline = _pipeline_of_body(ws, pipeline_id) if "pipeline_id" in body else store.find_pipeline(ws, pipeline_id)
    stage = pipeline.stage(body["stage_id"]) if pipeline else None
    if stage is None:
        where = "the pipeline named by pipeline_id" if "pipeline_id" in body else \
            "the deal's pipeline (pass pipeline_id to move it to another pipeline)"
        raise ValidationFailed.field("stage_id", f"is not a stage of {where}")
    if (pipeline_id, stage.id) == (before.pipeline_id, before.stage_id):
        return before
    assert pipeline is not None
    if not pipeline.accepts(stage.id):
        raise ValidationFailed.field("stage_id", "the stage is being deleted")
    after = moved(before, pipeline_id, stage, now_iso(), body.get("lost_reason"), body.get("probability"))
    add_move(w, identity.actor(), before, after)
    w.commit(settings)
    return after


def delete_deal(settings: Settings, identity: Identity, deal_id: str) -> None:
    """Delete a deal; its stage history stays as the audit trail."""
    ws, w = identity.workspace_id, Writes()
    deal = store.get_deal(ws, deal_id)
    record_deal(w, deal, None)
    close_visit(w, deal, now_iso())
    deal_event(w, identity.actor(), "deal.deleted", deal, "DealDeleted")
    w.commit(settings)


def view(deal: Deal) -> dict[str, Any]:
    """The deal as the API shows it, aged as of now."""
    return deal.view(now_iso())


def get_deal(identity: Identity, deal_id: str) -> dict[str, Any]:
    return view(store.get_deal(identity.workspace_id, deal_id))


def history(identity: Identity, deal_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
    """A page of the deal's stays in stages, oldest first, with the seconds spent in each; and per stage."""
    ws = identity.workspace_id
    after = cursors.decode_cursor(cursor, lambda value: _POSITION.fullmatch(value))
    store.get_deal(ws, deal_id)
    now, names = now_iso(), _stage_names(ws)
    # Read whole (store.visits caps it at 1,000 stays): seconds_per_stage sums every stay, not one page's.
    items = [{**v.to_dict(now), "from_stage_name": names.get(v.from_stage_id or ""),
              "to_stage_name": names.get(v.stage_id)} for v in store.visits(ws, deal_id)]
    per_stage: dict[str, int] = {}
    for item in items:
        per_stage[item["to_stage_id"]] = per_stage.get(item["to_stage_id"], 0) + item["seconds_in_stage"]
    numbered = list(enumerate(items))
    page, next_cursor = cursors.slice_page(numbered, limit, after, lambda pair: f"{pair[0]:06d}")
    return {"deal_id": deal_id, "items": [item for _, item in page], "next_cursor": next_cursor,
            "seconds_per_stage": per_stage}


def _stage_names(ws: str) -> dict[str, str]:
    return {s.id: s.name for p in store.list_pipelines(ws) for s in p.stages}
