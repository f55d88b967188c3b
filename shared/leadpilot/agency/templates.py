"""Agency templates ("snapshots"): capture a workspace's pipelines, custom fields, SMS templates, sequences and
flows, and copy them into a sub-account.

Capturing reads and applying creates through each capability's own service functions, so a copy is validated,
versioned, counted and published exactly like one made by hand. Applying is idempotent: a thing whose name (a
custom field: its key) the target already has is skipped, and the ids a copied thing refers to (a pipeline's or
stage's id in a flow, a saved text's id) are rewritten to the target's.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from pynamodb.exceptions import DoesNotExist

from leadpilot.agency.accounts import acting_in_sub_account, require_agency
from leadpilot.agency.models import AgencyTemplateItem
from leadpilot.api.cursors import decode_cursor, query_page
from leadpilot.automation.runs import drafts
from leadpilot.automation.runs.config import RuntimeConfig
from leadpilot.clock import now_iso
from leadpilot.contacts import fields
from leadpilot.errors import DomainError, NotFound, ValidationFailed
from leadpilot.events.outbox import as_plain
from leadpilot.identity.entities import Identity
from leadpilot.ids import new_id
from leadpilot.jobs import runner
from leadpilot.jobs import store as jobs_store
from leadpilot.observability import metrics
from leadpilot.pipelines import pipelines
from leadpilot.pipelines import store as pipeline_store
from leadpilot.sequences import service as sequences
from leadpilot.settings import Settings
from leadpilot.sms import saved_templates

KINDS = ("custom_fields", "pipelines", "sms_templates", "sequences", "flows")
MAX_CONTENT_BYTES = 300_000  # well inside DynamoDB's 400 KB item limit
MAX_ITEMS = 300  # what one job copies comfortably
SYNC_LIMIT = 40  # what one request copies within the API's time limit; a larger template is applied by a job
JOB_TYPE = "agency_template_apply"
_PAGE = 200


def templates_pk(agency_id: str) -> str:
    return f"WS#{agency_id}#AGENCY_TEMPLATES"


def _pages(fetch: Callable[[str | None], tuple[list[Any], str | None]]) -> Iterator[Any]:
    """Every item of a paged listing."""
    cursor: str | None = None
    while True:
        items, cursor = fetch(cursor)
        yield from items
        if cursor is None:
            return


def _sms_templates(identity: Identity) -> Iterator[dict[str, Any]]:
    def fetch(cursor: str | None) -> tuple[list[Any], str | None]:
        page = saved_templates.list_templates(identity, _PAGE, cursor)
        return page["items"], page["next_cursor"]

    return _pages(fetch)


def _sequences(workspace_id: str) -> Iterator[dict[str, Any]]:
    return _pages(lambda cursor: sequences.list_sequences(workspace_id, _PAGE, cursor))


def _flows(identity: Identity) -> Iterator[drafts.FlowView]:
    return _pages(lambda cursor: drafts.list_flows(identity, _PAGE, cursor))


def _sequence_definition(view: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in view.items() if k not in ("id", "flow_id", "created_at")}


def _capture(source: Identity) -> dict[str, Any]:
    """What a template holds of one workspace."""
    ws = source.workspace_id
    seqs = list(_sequences(ws))
    sequence_flows = {s["flow_id"] for s in seqs}  # a sequence's flow is copied by copying the sequence
    return {
        "custom_fields": [{"key": d.key, "label": d.label, "type": d.type, "options": list(d.options),
                           "required": d.required} for d in fields.active_definitions(ws).values()],
        "pipelines": [{"id": p.id, "name": p.name,
                       "stages": [{"id": s.id, "name": s.name, "kind": s.kind, "probability": s.probability}
                                  for s in p.stages if s.deleting_to is None]}
                      for p in pipeline_store.list_pipelines(ws) if p.status == "active"],
        "sms_templates": [{"id": t["id"], "name": t["name"], "body": t["body"]} for t in _sms_templates(source)],
        "sequences": [{"id": s["id"], "flow_id": s["flow_id"], "definition": _sequence_definition(s)} for s in seqs],
        "flows": [{"id": f.id, "name": f.name, "document": f.document} for f in _flows(source)
                  if f.id not in sequence_flows],
    }


def _counts(content: dict[str, Any]) -> dict[str, int]:
    return {kind: len(content.get(kind, [])) for kind in KINDS}


def _view(item: AgencyTemplateItem) -> dict[str, Any]:
    content = json.loads(item.content)
    return {"id": item.template_id, "name": item.name, "source_workspace_id": item.source_workspace_id,
            "counts": _counts(content), "created_at": item.created_at}


def _source_identity(identity: Identity, workspace_id: str) -> Identity:
    """The agency itself, or one of its sub-accounts (404 naming source_workspace_id otherwise)."""
    if workspace_id == identity.workspace_id:
        return identity
    return acting_in_sub_account(identity, workspace_id, "source_workspace_id")


def capture_template(identity: Identity, body: dict[str, Any]) -> dict[str, Any]:
    """Store a template of the agency's or one of its sub-accounts' configuration."""
    require_agency(identity)
    name = body["name"].strip()
    if not name:
        raise ValidationFailed.field("name", "must not be blank")
    content = _capture(_source_identity(identity, body["source_workspace_id"]))
    if sum(_counts(content).values()) > MAX_ITEMS:
        raise ValidationFailed.field("source_workspace_id", f"has more than {MAX_ITEMS} things to capture")
    text = json.dumps(content, separators=(",", ":"))
    if len(text.encode()) > MAX_CONTENT_BYTES:
        raise ValidationFailed.field("source_workspace_id", "its configuration is too large for one template")
    template_id = new_id()
    item = AgencyTemplateItem(templates_pk(identity.workspace_id), f"TEMPLATE#{template_id}",
                              template_id=template_id, name=name, source_workspace_id=body["source_workspace_id"],
                              content=text, created_at=now_iso(), created_by=identity.principal_id)
    item.save(condition=AgencyTemplateItem.PK.does_not_exist())
    metrics.add_metric(name="AgencyTemplateCaptured", unit="Count", value=1)
    return _view(item)


def list_templates(identity: Identity, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the agency's templates, oldest first."""
    require_agency(identity)
    items, next_cursor = query_page(AgencyTemplateItem, templates_pk(identity.workspace_id), "TEMPLATE#", limit,
                                    decode_cursor(cursor))
    return [_view(i) for i in items], next_cursor


def _item(identity: Identity, template_id: str) -> AgencyTemplateItem:
    try:
        return AgencyTemplateItem.get(templates_pk(identity.workspace_id), f"TEMPLATE#{template_id}",
                                      consistent_read=True)
    except DoesNotExist as exc:
        raise NotFound("no such template in this agency", {"field": "agency_template_id"}) from exc


def get_template(identity: Identity, template_id: str) -> dict[str, Any]:
    item = _item(identity, template_id)
    return {**_view(item), "content": json.loads(item.content)}


def apply_template(settings: Settings, config: RuntimeConfig, identity: Identity, template_id: str,
                   body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Copy a template into one of the agency's sub-accounts. A small one is copied now and the report says what was
    copied, skipped or failed; a larger one is queued as a job (True), whose result is that report."""
    item = _item(identity, template_id)
    target = acting_in_sub_account(identity, body["target_workspace_id"], "target_workspace_id")
    content = json.loads(item.content)
    size = sum(_counts(content).values())
    head = {"template_id": item.template_id, "target_workspace_id": target.workspace_id}
    if size > SYNC_LIMIT:
        params = {"template_id": item.template_id, "target_workspace_id": target.workspace_id}
        job = jobs_store.create(identity.workspace_id, JOB_TYPE, size, 1, params, identity.principal_id)
        with runner.failing_job(identity.workspace_id, job.id):
            runner.enqueue_chunks(settings, identity.workspace_id, job.id, 1)
        return {**head, "status": "queued", "job_id": job.id, **_Copy(settings, config, target).result()}, True
    copy = _Copy(settings, config, target)
    copy.run(content)
    metrics.add_metric(name="AgencyTemplateApplied", unit="Count", value=1)
    return {**head, "status": "completed", "job_id": None, **copy.result()}, False


def process_apply_job(settings: Settings, config: RuntimeConfig, workspace_id: str, job_id: str, chunk: int) -> bool:
    """The jobs worker's half of a large apply: copy, keep the report as the job's result, count the outcome."""
    job = jobs_store.get_item(workspace_id, job_id)
    params = as_plain(job.params)
    agency = runner.acting_as(workspace_id, job.created_by)
    item = _item(agency, params["template_id"])
    target = acting_in_sub_account(agency, params["target_workspace_id"], "target_workspace_id")
    copy = _Copy(settings, config, target)
    copy.run(json.loads(item.content))
    result = copy.result()
    job.update(actions=[type(job).result.set(result)])
    succeeded, skipped = (sum(len(v) for v in result[key].values()) for key in ("copied", "skipped"))
    failures = [(kind, entry) for kind, entries in result["failed"].items() for entry in entries]
    errors = [{"row": n + 1, "field": kind, "message": entry["reason"], "ref": entry["name"]}
              for n, (kind, entry) in enumerate(failures)]
    counts = {"processed": succeeded + skipped + len(failures), "succeeded": succeeded, "skipped": skipped,
              "failed": len(failures)}
    metrics.add_metric(name="AgencyTemplateApplied", unit="Count", value=1)
    return runner.finish_chunk(settings, workspace_id, job_id, chunk, counts, errors)


class _Copy:
    """One application of a template: the ids it has mapped so far and what happened to each thing."""

    def __init__(self, settings: Settings, config: RuntimeConfig, target: Identity) -> None:
        self.settings, self.config, self.target = settings, config, target
        self.ids: dict[str, str] = {}  # template id -> target id
        self.copied: dict[str, list[str]] = {kind: [] for kind in KINDS}
        self.skipped: dict[str, list[dict[str, str]]] = {kind: [] for kind in KINDS}
        self.failed: dict[str, list[dict[str, str]]] = {kind: [] for kind in KINDS}

    def result(self) -> dict[str, Any]:
        return {"copied": self.copied, "skipped": self.skipped, "failed": self.failed}

    def run(self, content: dict[str, Any]) -> None:
        self._fields(content.get("custom_fields", []))
        self._pipelines(content.get("pipelines", []))
        self._sms_templates(content.get("sms_templates", []))
        self._sequences(content.get("sequences", []))
        self._flows(content.get("flows", []))

    def _remap(self, value: Any) -> Any:
        """A copy of `value` whose strings that are template ids are the target's ids."""
        if isinstance(value, str):
            return self.ids.get(value, value)
        if isinstance(value, list):
            return [self._remap(v) for v in value]
        if isinstance(value, dict):
            return {k: self._remap(v) for k, v in value.items()}
        return value

    def _attempt(self, kind: str, name: str, create: Callable[..., Any], *args: Any) -> Any:
        """Create one thing; a refusal by its capability is reported, not raised (the rest still copies)."""
        try:
            created = create(*args)
        except DomainError as exc:
            self.failed[kind].append({"name": name, "reason": exc.message})
            return None
        self.copied[kind].append(name)
        return created

    def _fields(self, wanted: list[dict[str, Any]]) -> None:
        existing = fields.active_definitions(self.target.workspace_id)
        for field in wanted:
            if field["key"] in existing:
                self.skipped["custom_fields"].append({"name": field["key"], "reason": "exists"})
                continue
            body = {k: v for k, v in field.items() if k != "options" or v}
            self._attempt("custom_fields", field["key"], fields.create_definition, self.settings, self.target, body)

    def _pipelines(self, wanted: list[dict[str, Any]]) -> None:
        existing = {p.name.lower(): p for p in pipeline_store.list_pipelines(self.target.workspace_id)
                    if p.status == "active"}
        for pipeline in wanted:
            found = existing.get(pipeline["name"].lower())
            if found is None:
                stages = [{k: s[k] for k in ("name", "kind", "probability")} for s in pipeline["stages"]]
                found = self._attempt("pipelines", pipeline["name"], pipelines.create_pipeline, self.target,
                                      {"name": pipeline["name"], "stages": stages})
            else:
                self.skipped["pipelines"].append({"name": pipeline["name"], "reason": "exists"})
            if found is not None:
                self.ids[pipeline["id"]] = found.id
                by_name = {s.name.lower(): s.id for s in found.stages}
                self.ids.update({s["id"]: by_name[s["name"].lower()] for s in pipeline["stages"]
                                 if s["name"].lower() in by_name})

    def _sms_templates(self, wanted: list[dict[str, Any]]) -> None:
        existing = {t["name"].lower(): t["id"] for t in _sms_templates(self.target)}
        for template in wanted:
            found = existing.get(template["name"].lower())
            if found is not None:
                self.skipped["sms_templates"].append({"name": template["name"], "reason": "exists"})
            else:
                created = self._attempt("sms_templates", template["name"], saved_templates.create, self.target,
                                        {"name": template["name"], "body": template["body"]})
                found = created.id if created is not None else None
            if found is not None:
                self.ids[template["id"]] = found

    def _sequences(self, wanted: list[dict[str, Any]]) -> None:
        existing = {s["name"].lower(): s for s in _sequences(self.target.workspace_id)}
        for sequence in wanted:
            name = sequence["definition"]["name"]
            found = existing.get(name.lower())
            if found is not None:
                self.skipped["sequences"].append({"name": name, "reason": "exists"})
            else:
                found = self._attempt("sequences", name, sequences.create_sequence, self.settings, self.config,
                                      self.target, self._remap(sequence["definition"]))
            if found is not None:
                self.ids.update({sequence["id"]: found["id"], sequence["flow_id"]: found["flow_id"]})

    def _flows(self, wanted: list[dict[str, Any]]) -> None:
        existing = {f.name.lower(): f.id for f in _flows(self.target)}
        for flow in wanted:
            found = existing.get(flow["name"].lower())
            if found is not None:
                self.skipped["flows"].append({"name": flow["name"], "reason": "exists"})
            else:
                created = self._attempt("flows", flow["name"], drafts.create_flow, self.target,
                                        self._remap(flow["document"]))
                found = created.id if created is not None else None
            if found is not None:
                self.ids[flow["id"]] = found
