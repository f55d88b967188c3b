"""Jobs: CSV import and export of contacts, bulk actions, their progress and error reports."""
from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from chalice import Chalice, Response

from leadpilot.api.cursors import decode_cursor, encode_cursor
from leadpilot.api.edge import Edge
from leadpilot.api.queues import process_sqs_batch
from leadpilot.automation.runs.config import runtime_config
from leadpilot.ids import parse_id
from leadpilot.lazy import lazy

if TYPE_CHECKING:
    from leadpilot.agency import templates as agency_templates
    from leadpilot.jobs import bulk, exports, imports, runner, store
    from leadpilot.platform import erase, suspend
else:  # domain modules load on first use: a cold start pays only for what its request needs
    agency_templates = lazy("leadpilot.agency.templates")
    bulk = lazy("leadpilot.jobs.bulk")
    exports = lazy("leadpilot.jobs.exports")
    imports = lazy("leadpilot.jobs.imports")
    runner = lazy("leadpilot.jobs.runner")
    store = lazy("leadpilot.jobs.store")
    erase = lazy("leadpilot.platform.erase")
    suspend = lazy("leadpilot.platform.suspend")

app = Chalice(app_name="leadpilot-jobs")
edge = Edge(app, "leadpilot.jobs")
ROW = re.compile(r"[0-9]{1,8}")


@edge.route("/imports", "POST")
def start_import() -> Response:
    identity = edge.identity("write")
    body = edge.body("import_create", max_bytes=edge.settings.max_import_bytes)
    return edge.created(imports.start_import(edge.settings, identity, body).to_dict())


@edge.route("/exports", "POST")
def start_export() -> Response:
    identity = edge.identity("read")
    return edge.created(exports.start_export(edge.settings, identity, edge.body("export_create")).to_dict())


@edge.route("/bulk-actions", "POST")
def start_bulk_action() -> Response:
    identity = edge.identity("write")
    body = edge.body("bulk_create", max_bytes=edge.settings.max_import_bytes)
    return edge.created(bulk.start_bulk(edge.settings, identity, body).to_dict())


@edge.route("/jobs", "GET")
def list_jobs() -> dict[str, Any]:
    identity = edge.identity()
    jobs, cursor = store.list_jobs(identity.workspace_id, edge.limit(), edge.query("cursor"))
    return {"items": [j.to_dict() for j in jobs], "next_cursor": cursor}


@edge.route("/jobs/{job_id}", "GET")
def get_job(job_id: str) -> dict[str, Any]:
    identity = edge.identity()
    return store.to_job(store.get_item(identity.workspace_id, parse_id(job_id, "job_id"))).to_dict()


@edge.route("/jobs/{job_id}/errors", "GET")
def job_errors(job_id: str) -> dict[str, Any]:
    identity = edge.identity()
    job = store.get_item(identity.workspace_id, parse_id(job_id, "job_id"))
    # Rows are keyed by 8 digits; the cursor is the row a page ends on, like after_row.
    after = edge.int_query("after_row", 0, 99_999_999)
    cursor = decode_cursor(edge.query("cursor"), lambda value: ROW.fullmatch(value))
    start = int(cursor) if cursor is not None else after
    items, last = store.list_errors(identity.workspace_id, job.job_id, edge.limit(100, 1000), start)
    return {"items": items, "next_cursor": encode_cursor(str(last)) if last is not None else None,
            "next_after_row": last}


@edge.route("/jobs/{job_id}/download", "GET")
def download(job_id: str) -> dict[str, Any]:
    identity = edge.identity()
    return exports.download(edge.settings, identity, parse_id(job_id, "job_id"))


def _run_chunk(record: Any) -> None:
    message = json.loads(record.body)
    ws, job_id, chunk = message["workspace_id"], message["job_id"], int(message["chunk"])
    runner.run_chunk(edge.settings, ws, job_id, chunk, {"import": imports.process_chunk,
                                                        "export": lambda s, w, j, _c: exports.process_export(s, w, j),
                                                        "agency_template_apply": _apply_agency_template,
                                                        "platform_pause_runs": suspend.pause_runs,
                                                        "platform_resume_runs": suspend.resume_runs,
                                                        "platform_erase_workspace": erase.erase_chunk},
                     default=bulk.process_bulk)


def _apply_agency_template(settings: Any, workspace_id: str, job_id: str, chunk: int) -> bool:
    return agency_templates.process_apply_job(settings, runtime_config(), workspace_id, job_id, chunk)


@app.lambda_function(name="run_job_chunk")
def run_job_chunk(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Jobs queue consumer: one message is one chunk of one job; failures retry, then the DLQ."""
    return process_sqs_batch(event, context, _run_chunk)
