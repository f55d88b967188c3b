"""Agencies: sub-account workspaces, their monthly rollups, rebilling markups and templates ("snapshots")."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalice import Chalice, Response

from leadpilot.api.edge import Edge
from leadpilot.api.queues import process_sqs_batch
from leadpilot.automation.runs.config import runtime_config
from leadpilot.identity.authenticate import require_role
from leadpilot.ids import parse_id
from leadpilot.lazy import lazy
from leadpilot.observability import logger

if TYPE_CHECKING:
    from leadpilot.agency import accounts, activity, rollups, templates
else:  # domain modules load on first use: a cold start pays only for what its request needs
    accounts = lazy("leadpilot.agency.accounts")
    activity = lazy("leadpilot.agency.activity")
    rollups = lazy("leadpilot.agency.rollups")
    templates = lazy("leadpilot.agency.templates")

app = Chalice(app_name="leadpilot-agency")
edge = Edge(app, "leadpilot.agency")
ADMINS = ("owner", "admin")


@edge.route("/agency", "POST")
def become_agency() -> Response:
    """Make the caller's workspace an agency (owners only; idempotent)."""
    identity = edge.identity("write")
    require_role(identity, "owner")
    return edge.created(accounts.become_agency(identity))


@edge.route("/agency", "GET")
def get_agency() -> dict[str, Any]:
    return accounts.describe_agency(edge.identity())


@edge.route("/agency/sub-accounts", "POST")
def create_sub_account() -> Response:
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    return edge.created(accounts.create_sub_account(edge.settings, identity, edge.body("sub_account_create")))


@edge.route("/agency/sub-accounts", "GET")
def list_sub_accounts() -> dict[str, Any]:
    identity = edge.identity()
    items, cursor = accounts.list_sub_accounts(identity, edge.limit(), edge.query("cursor"))
    return {"items": items, "next_cursor": cursor}


@edge.route("/agency/sub-accounts/{sub_account_id}", "GET")
def get_sub_account(sub_account_id: str) -> dict[str, Any]:
    identity = edge.identity()
    return accounts.get_sub_account(identity, parse_id(sub_account_id, "sub_account_id"))


@edge.route("/agency/sub-accounts/{sub_account_id}/open", "POST")
def open_sub_account(sub_account_id: str) -> dict[str, Any]:
    """A session in the sub-account for the calling agency owner or admin."""
    identity = edge.identity("write")
    sid = parse_id(sub_account_id, "sub_account_id")
    accounts.sub_account_item(identity, sid)  # another agency's id is a 404 before any role check
    require_role(identity, *ADMINS)
    return accounts.open_sub_account(edge.settings, identity, sid)


@edge.route("/agency/sub-accounts/{sub_account_id}/rebilling", "GET")
def get_rebilling(sub_account_id: str) -> dict[str, Any]:
    identity = edge.identity()
    return rollups.get_rebilling(identity, parse_id(sub_account_id, "sub_account_id"))


@edge.route("/agency/sub-accounts/{sub_account_id}/rebilling", "PUT")
def set_rebilling(sub_account_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    sid = parse_id(sub_account_id, "sub_account_id")
    body = edge.body("rebilling_update")
    accounts.sub_account_item(identity, sid)
    require_role(identity, *ADMINS)
    return rollups.set_rebilling(identity, sid, body)


@edge.route("/agency/rollups", "GET")
def get_rollups() -> dict[str, Any]:
    """Each sub-account's month (?month=YYYY-MM, default this month), a page at a time, with the page's totals."""
    identity = edge.identity()
    return rollups.rollups(identity, edge.query("month"), edge.limit(), edge.query("cursor"))


@edge.route("/agency/rollups/csv", "GET")
def get_rollups_csv() -> Response:
    """Every sub-account's month (?month=YYYY-MM) as CSV, one line each and the agency's TOTAL line."""
    text, month = rollups.rollups_csv(edge.identity(), edge.query("month"))
    disposition = f'attachment; filename="rollups-{month}.csv"'
    return Response(body=text, status_code=200, headers={"Content-Type": "text/csv; charset=utf-8",
                                                         "Content-Disposition": disposition})


@edge.route("/agency/templates", "POST")
def capture_template() -> Response:
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    return edge.created(templates.capture_template(identity, edge.body("agency_template_create")))


@edge.route("/agency/templates", "GET")
def list_templates() -> dict[str, Any]:
    identity = edge.identity()
    items, cursor = templates.list_templates(identity, edge.limit(), edge.query("cursor"))
    return {"items": items, "next_cursor": cursor}


@edge.route("/agency/templates/{agency_template_id}", "GET")
def get_template(agency_template_id: str) -> dict[str, Any]:
    identity = edge.identity()
    return templates.get_template(identity, parse_id(agency_template_id, "agency_template_id"))


@edge.route("/agency/templates/{agency_template_id}/apply", "POST")
def apply_template(agency_template_id: str) -> Response:
    """Copy the template into a sub-account of this agency (what is already there is skipped); a large template is
    queued as a job (202; its report becomes the job's result)."""
    identity = edge.identity("write")
    tid = parse_id(agency_template_id, "agency_template_id")
    body = edge.body("agency_template_apply")
    require_role(identity, *ADMINS)
    report, queued = templates.apply_template(edge.settings, runtime_config(), identity, tid, body)
    return Response(body=report, status_code=202 if queued else 200, headers={"Content-Type": "application/json"})


def _count_event(record: Any) -> None:
    event = json.loads(record.body)["detail"]
    if not activity.apply_event(edge.settings, event):
        logger.info("event not counted (duplicate or not counted)", extra={"event_id": event.get("id")})


@app.lambda_function(name="on_activity_event")
def on_activity_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS consumer of the events the rollups count (EventBridge rule -> queue): the whole batch in one transaction
    (one write instead of one per event); when that fails, each event alone, reporting partial batch failures."""
    records = event.get("Records") or []
    try:
        details = [json.loads(r["body"])["detail"] for r in records]
        whole = bool(records) and activity.apply_events(edge.settings, details)
    except (ValueError, KeyError, TypeError):  # a malformed record: the per-record path reports it alone
        whole = False
    return {"batchItemFailures": []} if whole else process_sqs_batch(event, context, _count_event)
