"""CSV import of contacts: mapping, dedupe by email/phone (skip, update or create), per-row errors,
run as a job in parallel chunks whose progress the API reports."""
from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from leadpilot import request_context
from leadpilot.api.request import load_schema, validate
from leadpilot.contacts import service as contacts
from leadpilot.contacts.normalize import normalize_fields
from leadpilot.contacts.store import claim_key
from leadpilot.db.crm_models import ContactClaimItem
from leadpilot.errors import Conflict, DomainError
from leadpilot.identity.entities import Identity
from leadpilot.ids import derived_id
from leadpilot.jobs import files, runner, store
from leadpilot.jobs.csv_mapping import parse_csv, resolve_mapping, row_to_body
from leadpilot.jobs.store import Job
from leadpilot.observability import metrics
from leadpilot.settings import Settings

_PARALLEL_ROWS = 8


def start_import(settings: Settings, identity: Identity, body: dict[str, Any]) -> Job:
    """Check the file and mapping now (a 422 names the problem), then import in the background."""
    headers, rows = parse_csv(body["csv"])
    mapping = resolve_mapping(headers, body.get("mapping"))
    chunks = math.ceil(len(rows) / runner.CHUNK_ROWS)
    params = {"mapping": mapping, "dedupe": body.get("dedupe", "skip"), "tags": body.get("tags", []),
              "source": body.get("source"), "file": "", "headers": headers,
              "unmapped_columns": [h for h in headers if h not in mapping]}  # what the import leaves out
    job = store.create(identity.workspace_id, "import", len(rows), chunks, params, identity.principal_id)
    key = files.key_for(identity.workspace_id, job.id, "import.csv")
    item = store.get_item(identity.workspace_id, job.id)
    with runner.failing_job(identity.workspace_id, job.id):
        files.put_text(settings, key, body["csv"])
        item.update(actions=[type(item).params.set({**params, "file": key})])
        runner.enqueue_chunks(settings, identity.workspace_id, job.id, chunks)
    metrics.add_metric(name="ContactImportStarted", unit="Count", value=1)
    return store.to_job(item)


def _existing(identity: Identity, bodies: list[dict[str, Any]]) -> dict[str, str]:
    """claim key -> contact id for every email/phone of the chunk that a contact already holds."""
    keys = {claim_key(identity.workspace_id, f, b[f]) for b in bodies for f in ("email", "phone") if b.get(f)}
    found: dict[str, str] = {}
    key_list = [(k, "CLAIM") for k in keys]
    for start in range(0, len(key_list), 100):
        for claim in ContactClaimItem.batch_get(key_list[start:start + 100], consistent_read=True):
            found[claim.PK] = claim.contact_id
    return found


def row_contact_id(job_id: str, number: int) -> str:
    """The id of the contact a row creates: the same for every attempt at its chunk."""
    return derived_id(job_id, "row", str(number))


def _apply_row(settings: Settings, identity: Identity, job_id: str, number: int, body: dict[str, Any],
               existing: str | None, dedupe: str) -> tuple[str, dict[str, Any] | None]:
    """Apply one row: ('succeeded'|'skipped'|'failed', error or None)."""
    try:
        if existing == row_contact_id(job_id, number):
            return "succeeded", None  # created by an earlier attempt at this chunk (a crash or a redelivery)
        if existing is None:
            contacts.create_contact(settings, identity, body)
        elif dedupe == "skip":
            return "skipped", {"row": number, "field": None, "ref": existing,
                               "message": "skipped: a contact with this email or phone exists"}
        elif dedupe == "update":
            contacts.update_contact(settings, identity, existing, body)
        else:
            raise Conflict("another contact in this workspace already has this email or phone",
                           {"existing_contact_id": existing})
    except DomainError as exc:
        return "failed", _row_error(number, exc)
    return "succeeded", None


def _split_repeats(workspace_id: str, rows: list[tuple[int, dict[str, Any]]]
                   ) -> tuple[list[tuple[int, dict[str, Any]]], list[tuple[int, dict[str, Any]]]]:
    """Rows whose email or phone appeared in an earlier row of the chunk go second."""
    seen: set[str] = set()
    firsts: list[tuple[int, dict[str, Any]]] = []
    repeats: list[tuple[int, dict[str, Any]]] = []
    for number, body in rows:
        keys = {claim_key(workspace_id, f, body[f]) for f in ("email", "phone") if body.get(f)}
        (repeats if keys & seen else firsts).append((number, body))
        seen |= keys
    return firsts, repeats


def _apply_rows(settings: Settings, identity: Identity, job_id: str, rows: list[tuple[int, dict[str, Any]]],
                dedupe: str, parallel: int) -> list[tuple[str, dict[str, Any] | None]]:
    existing = _existing(identity, [b for _, b in rows])

    def match(body: dict[str, Any]) -> str | None:
        for f in ("email", "phone"):
            key = claim_key(identity.workspace_id, f, body[f]) if body.get(f) else None
            if key in existing:
                return existing[key]
        return None

    new = [(n, b) for n, b in rows if match(b) is None]
    known = [(n, b) for n, b in rows if match(b) is not None]
    outcomes = _create_many(settings, identity, job_id, new, parallel)

    def apply(row: tuple[int, dict[str, Any]]) -> tuple[str, dict[str, Any] | None]:
        return _apply_row(settings, identity, job_id, row[0], row[1], match(row[1]), dedupe)

    with ThreadPoolExecutor(max_workers=parallel) as pool:  # each thread acts as the job's caller, too
        outcomes += list(pool.map(request_context.carrying(apply), known))
    return outcomes


def _create_many(settings: Settings, identity: Identity, job_id: str, rows: list[tuple[int, dict[str, Any]]],
                 parallel: int) -> list[tuple[str, dict[str, Any] | None]]:
    """New contacts in batches (several per transaction), batches in parallel."""
    size = max(1, math.ceil(len(rows) / parallel))
    batches = [rows[i:i + size] for i in range(0, len(rows), size)]

    def run(batch: list[tuple[int, dict[str, Any]]]) -> list[tuple[str, dict[str, Any] | None]]:
        results = contacts.create_contacts(settings, identity, [b for _, b in batch],
                                           [row_contact_id(job_id, n) for n, _ in batch])
        return [("succeeded", None) if not isinstance(r, DomainError) else ("failed", _row_error(n, r))
                for (n, _), r in zip(batch, results, strict=True)]

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        return [outcome for chunk in pool.map(request_context.carrying(run), batches) for outcome in chunk]


def _row_error(number: int, exc: DomainError) -> dict[str, Any]:
    errors = exc.details.get("errors") or [{"field": exc.details.get("field"), "message": exc.message}]
    return {"row": number, "field": errors[0].get("field"), "message": errors[0]["message"],
            "ref": exc.details.get("existing_contact_id")}


def process_chunk(settings: Settings, workspace_id: str, job_id: str, chunk: int) -> bool:
    """Import one chunk of rows; safe to run again for the same chunk (counted once)."""
    job = store.get_item(workspace_id, job_id)
    params = job.params.as_dict() if hasattr(job.params, "as_dict") else dict(job.params)
    identity = runner.acting_as(workspace_id, job.created_by)
    _, rows = parse_csv(files.get_text(settings, params["file"]))
    first = chunk * runner.CHUNK_ROWS
    schema = load_schema("leadpilot.contacts", "contact_create")
    prepared: list[tuple[int, dict[str, Any]]] = []
    errors: list[dict[str, Any]] = []
    for offset, row in enumerate(rows[first:first + runner.CHUNK_ROWS]):
        number = first + offset + 2  # 1-based, after the header row, as a spreadsheet shows it
        body = row_to_body(row, params["mapping"])
        if params.get("tags"):
            body["tags"] = list(body.get("tags", [])) + list(params["tags"])
        if params.get("source") and "source" not in body:
            body["source"] = params["source"]
        try:
            validate(body, schema)
            normalized = normalize_fields(body, identity.workspace.default_region)
        except DomainError as exc:
            err = (exc.details.get("errors") or [{"field": None, "message": exc.message}])[0]
            errors.append({"row": number, "field": err["field"], "message": err["message"]})
            continue
        prepared.append((number, {**body, **{k: normalized[k] for k in ("email", "phone") if k in normalized}}))
    firsts, repeats = _split_repeats(workspace_id, prepared)
    outcomes = _apply_rows(settings, identity, job_id, firsts, params["dedupe"], parallel=_PARALLEL_ROWS)
    # A row repeating an earlier row's email/phone meets the contact that row created: deterministic.
    outcomes += _apply_rows(settings, identity, job_id, repeats, params["dedupe"], parallel=1)
    counts = {"processed": len(prepared) + len(errors), "succeeded": 0, "skipped": 0, "failed": len(errors)}
    for outcome, error in outcomes:
        counts[outcome] += 1
        if error is not None:
            errors.append(error)
    metrics.add_metric(name="ContactsImported", unit="Count", value=counts["succeeded"])
    return runner.finish_chunk(settings, workspace_id, job_id, chunk, counts, errors)
