"""The OpenAPI 3.1 document of the HTTP API, built from the apps' routes and their JSON Schemas.

Routes, path and query parameters, credentials and request bodies come from the route source
(`leadpilot.api.introspect`); response bodies of the main resources from schemas/<resource>.json.
The build runs where the apps are importable (`python -m infra.openapi`); the result ships in the
layer as schemas/openapi.json, which `document()` reads.
"""
from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from leadpilot.api.introspect import RouteInfo, routes_of

TITLE = "LeadPilot API"
VERSION = "0.1.0"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
ERROR = {"$ref": "#/components/responses/Error"}
_CREDENTIALS: list[dict[str, list[str]]] = [{"bearerAuth": []}, {"apiKey": []}]
_SEARCH_PARAMS = ("q", "tags_all", "tags_any", "tags_none", "source", "score_min", "score_max", "created_from",
                  "created_to", "activity_from", "activity_to", "do_not_contact", "owner_id", "sort", "cursor")


@dataclass(frozen=True)
class Raw:
    """What a route that reads the raw request takes, which its source cannot show."""

    body: str | None = None  # media type of a body not validated by a JSON Schema
    optional_body: bool = False  # the route's JSON Schema body may be left out
    query: tuple[str, ...] = ()
    note: str = ""


# Routes whose source reads the raw request; the build refuses one that is missing here.
RAW: dict[tuple[str, str], Raw] = {
    ("GET", "/contacts/search"): Raw(query=_SEARCH_PARAMS, note="Custom fields filter as cf.<key>=<op>:<value>."),
    ("POST", "/hooks/{token}"): Raw(body=JSON, note="Any JSON; signed with the flow's secret when it has one."),
    ("POST", "/runs/{run_id}/skip"): Raw(optional_body=True),
    ("POST", "/e/u/{token}"): Raw(body=FORM, note="RFC 8058 one-click: List-Unsubscribe=One-Click."),
    ("POST", "/email/webhooks/ses"): Raw(body="text/plain", note="An SNS notification (JSON sent as text/plain)."),
    ("POST", "/email/inbound"): Raw(body=JSON, note="An inbound email, signed with X-LeadPilot-Signature."),
    ("POST", "/webhooks/twilio/sms"): Raw(body=FORM, note="Twilio's inbound-message webhook (X-Twilio-Signature)."),
    ("POST", "/webhooks/twilio/status"): Raw(body=FORM, note="Twilio's status callback (X-Twilio-Signature)."),
    ("POST", "/webhooks/twilio/voice"): Raw(body=FORM, note="Twilio's voice webhook (inbound call); answers TwiML."),
    **{("POST", f"/webhooks/twilio/voice/{hook}"): Raw(body=FORM, query=("ws", "call_id"), note=note)
       for hook, note in (
        ("answer", "An outbound call answered; answers TwiML (the agent)."),
        ("amd", "The answering machine's verdict (AnsweredBy) on an outbound call, asynchronous."),
        ("status", "Twilio's call status callback."), ("recording", "Twilio's recording callback."),
        ("gather", "One turn of the <Gather input=\"speech\"> loop; answers TwiML."),
        ("relay-end", "A ConversationRelay session ended (HandoffData); answers TwiML."))},
    ("POST", "/calendar-sync/webhooks/google"): Raw(
        optional_body=True, note="Google Calendar push: X-Goog-Channel-ID and X-Goog-Channel-Token, no body."),
    ("POST", "/calendar-sync/webhooks/microsoft"): Raw(
        body=JSON, query=("validationToken",), note="Graph change notifications (clientState checked), or the "
                                                    "validationToken handshake, echoed as text/plain."),
}

# Response bodies of the main resources: (package, schema) and "one" | "page" (items + next_cursor).
RESPONSES: dict[tuple[str, str], tuple[str, str, str]] = {
    **{(m, p): ("leadpilot.contacts", "contact", shape) for m, p, shape in (
        ("POST", "/contacts", "one"), ("GET", "/contacts", "page"), ("GET", "/contacts/{contact_id}", "one"),
        ("PATCH", "/contacts/{contact_id}", "one"), ("GET", "/contacts/search", "page"),
        ("POST", "/contacts/{contact_id}/tags", "one"))},
    **{(m, p): ("leadpilot.pipelines", "deal", shape) for m, p, shape in (
        ("POST", "/deals", "one"), ("GET", "/deals", "page"), ("GET", "/deals/{deal_id}", "one"),
        ("PATCH", "/deals/{deal_id}", "one"), ("POST", "/deals/{deal_id}/move", "one"))},
    **{(m, p): ("leadpilot.pipelines", "pipeline", shape) for m, p, shape in (
        ("POST", "/pipelines", "one"), ("GET", "/pipelines", "page"), ("GET", "/pipelines/{pipeline_id}", "one"),
        ("PATCH", "/pipelines/{pipeline_id}", "one"), ("PUT", "/pipelines/{pipeline_id}/stage-order", "one"),
        ("POST", "/pipelines/{pipeline_id}/stages", "one"),
        ("PATCH", "/pipelines/{pipeline_id}/stages/{stage_id}", "one"))},
    ("GET", "/pipelines/{pipeline_id}/board"): ("leadpilot.pipelines", "board", "one"),
    ("GET", "/pipelines/{pipeline_id}/forecast"): ("leadpilot.pipelines", "forecast", "one"),
    ("GET", "/deals/{deal_id}/history"): ("leadpilot.pipelines", "deal_history", "one"),
    **{(m, p): ("leadpilot.calendar", "schedule", shape) for m, p, shape in (
        ("POST", "/availability/schedules", "one"), ("GET", "/availability/schedules", "page"),
        ("GET", "/availability/schedules/{schedule_id}", "one"),
        ("PATCH", "/availability/schedules/{schedule_id}", "one"))},
    **{(m, p): ("leadpilot.calendar", "event_type", shape) for m, p, shape in (
        ("POST", "/event-types", "one"), ("GET", "/event-types", "page"),
        ("GET", "/event-types/{event_type_id}", "one"), ("PATCH", "/event-types/{event_type_id}", "one"))},
    **{(m, p): ("leadpilot.calendar", "appointment", shape) for m, p, shape in (
        ("GET", "/appointments", "page"), ("GET", "/appointments/{appointment_id}", "one"),
        *(("POST", f"/appointments/{{appointment_id}}/{verb}", "one")
          for verb in ("reschedule", "cancel", "no-show", "complete", "confirm")))},
    **{(m, "/booking-page"): ("leadpilot.calendar", "booking_page_slug", "one") for m in ("GET", "PUT")},
    ("GET", "/book/{workspace}/{slug}"): ("leadpilot.calendar", "public_page", "one"),
    ("GET", "/book/{workspace}/{slug}/slots"): ("leadpilot.calendar", "public_slots", "one"),
    ("POST", "/book/{workspace}/{slug}/holds"): ("leadpilot.calendar", "public_hold_result", "one"),
    ("POST", "/book/{workspace}/{slug}/bookings"): ("leadpilot.calendar", "public_booking_result", "one"),
    ("POST", "/bookings/{token}/reschedule"): ("leadpilot.calendar", "public_booking_result", "one"),
    **{(m, p): ("leadpilot.calendar", "public_appointment", "one") for m, p in (
        ("GET", "/bookings/{token}"), ("POST", "/bookings/{token}/cancel"))},
    **{(m, p): ("leadpilot.calendar_sync", "connection_calendars", "one") for m, p in (
        ("GET", "/calendar/connections/{connection_id}/calendars"),
        ("PATCH", "/calendar/connections/{connection_id}"))},
    ("POST", "/me/calendar-feed"): ("leadpilot.tasks", "calendar_feed", "one"),
    ("GET", "/me/calendar-feed"): ("leadpilot.tasks", "calendar_feed_status", "one"),
    **{(m, p): ("leadpilot.tasks", "task", shape) for m, p, shape in (
        ("POST", "/tasks", "one"), ("GET", "/tasks", "page"), ("GET", "/tasks/{task_id}", "one"),
        ("PATCH", "/tasks/{task_id}", "one"))},
    **{(m, p): ("leadpilot.automation", "flow", shape) for m, p, shape in (
        ("POST", "/flows", "one"), ("GET", "/flows", "page"), ("GET", "/flows/{flow_id}", "one"),
        ("PATCH", "/flows/{flow_id}", "one"))},
    **{(m, p): ("leadpilot.automation", "run", shape) for m, p, shape in (
        ("GET", "/runs", "page"), ("GET", "/flows/{flow_id}/runs", "page"), ("GET", "/runs/{run_id}", "one"),
        *(("POST", f"/runs/{{run_id}}/{verb}", "one") for verb in ("pause", "resume", "skip", "restart", "cancel")))},
    ("GET", "/segments/{segment_id}/contacts"): ("leadpilot.contacts", "contact", "page"),
    ("GET", "/contacts/{contact_id}/timeline"): ("leadpilot.contacts", "timeline_entry", "page"),
    ("GET", "/contacts/{contact_id}/activity"): ("leadpilot.contacts", "timeline_entry", "page"),
    ("GET", "/contacts/{contact_id}/score"): ("leadpilot.contacts", "contact_score", "one"),
    ("GET", "/contacts/{contact_id}/sequences"): ("leadpilot.sequences", "contact_sequence", "page"),
    ("GET", "/tags"): ("leadpilot.contacts", "tag", "page"),
    **{(m, p): ("leadpilot.contacts", "contact_field", shape) for m, p, shape in (
        ("POST", "/contact-fields", "one"), ("GET", "/contact-fields", "page"),
        ("PATCH", "/contact-fields/{field_key}", "one"))},
    **{(m, p): ("leadpilot.contacts", "segment", shape) for m, p, shape in (
        ("POST", "/segments", "one"), ("GET", "/segments", "page"), ("GET", "/segments/{segment_id}", "one"),
        ("PATCH", "/segments/{segment_id}", "one"))},
    **{(m, p): ("leadpilot.jobs", "job", shape) for m, p, shape in (
        ("POST", "/imports", "one"), ("POST", "/exports", "one"), ("POST", "/bulk-actions", "one"),
        ("GET", "/jobs", "page"), ("GET", "/jobs/{job_id}", "one"))},
    ("GET", "/jobs/{job_id}/errors"): ("leadpilot.jobs", "job_error", "page"),
    ("GET", "/jobs/{job_id}/download"): ("leadpilot.jobs", "job_download", "one"),
    **{(m, p): ("leadpilot.notes", "note", shape) for m, p, shape in (
        ("POST", "/notes", "one"), ("GET", "/notes", "page"), ("GET", "/notes/{note_id}", "one"),
        ("PATCH", "/notes/{note_id}", "one"))},
    ("GET", "/me"): ("leadpilot.identity", "me", "one"),
    ("GET", "/workspace/members"): ("leadpilot.identity", "member", "page"),
    ("GET", "/conversations"): ("leadpilot.sms", "conversation", "page"),
    ("GET", "/conversations/{contact_id}/messages"): ("leadpilot.sms", "sms_message", "page"),
    ("POST", "/conversations/{contact_id}/read"): ("leadpilot.sms", "conversation_read", "one"),
    ("POST", "/sms"): ("leadpilot.sms", "sms_message", "one"),
    **{(m, p): ("leadpilot.voice", "call", shape) for m, p, shape in (
        ("POST", "/calls", "one"), ("GET", "/calls", "page"), ("GET", "/calls/{call_id}", "one"))},
    **{(m, "/phone-numbers/{number_id}/voice"): ("leadpilot.voice", "voice_settings", "one") for m in ("GET", "PUT")},
    ("POST", "/dev/voice/calls"): ("leadpilot.voice", "sim_call_result", "one"),
    ("POST", "/dev/voice/calls/{call_id}/hangup"): ("leadpilot.voice", "call", "one"),
    **{(m, p): ("leadpilot.sms", "sms_template", shape) for m, p, shape in (
        ("POST", "/sms-templates", "one"), ("GET", "/sms-templates", "page"),
        ("GET", "/sms-templates/{template_id}", "one"), ("PATCH", "/sms-templates/{template_id}", "one"))},
    ("POST", "/emails"): ("leadpilot.email", "email_queued", "one"),
    ("POST", "/emails/bulk"): ("leadpilot.email", "email_bulk_result", "one"),
    **{(m, p): ("leadpilot.sequences", "sequence", shape) for m, p, shape in (
        ("POST", "/sequences", "one"), ("GET", "/sequences", "page"), ("GET", "/sequences/{sequence_id}", "one"),
        ("PATCH", "/sequences/{sequence_id}", "one"))},
    ("GET", "/sequences/{sequence_id}/stats"): ("leadpilot.sequences", "sequence_stats", "one"),
    ("POST", "/sequences/{sequence_id}/enrollments"): ("leadpilot.sequences", "sequence_enrollments", "one"),
    ("DELETE", "/sequences/{sequence_id}/enrollments/{contact_id}"): ("leadpilot.sequences", "sequence_exit", "one"),
    **{(m, p): ("leadpilot.identity", "workspace", "one") for m, p in (("GET", "/workspace"), ("PATCH", "/workspace"))},
    ("PATCH", "/workspace/members/{user_id}"): ("leadpilot.identity", "member", "one"),
    ("GET", "/workspace/invites"): ("leadpilot.identity", "invite", "page"),
    ("POST", "/workspace/invites"): ("leadpilot.identity", "invite", "one"),
    ("GET", "/workspace/api-keys"): ("leadpilot.identity", "api_key", "page"),
    ("POST", "/workspace/api-keys"): ("leadpilot.identity", "api_key", "one"),
    ("GET", "/phone-numbers"): ("leadpilot.sms", "phone_number", "page"),
    ("POST", "/phone-numbers"): ("leadpilot.sms", "phone_number", "one"),
    **{(m, "/messaging/settings"): ("leadpilot.sms", "sms_settings", "one") for m in ("GET", "PUT")},
    **{(m, "/email/sender"): ("leadpilot.email", "email_sender", "one") for m in ("GET", "PUT")},
    **{(m, p): ("leadpilot.usage", "usage", "one") for m, p in (("GET", "/usage"), ("PUT", "/usage/limits"))},
    **{("GET", p): ("leadpilot.usage", "usage_report", "one") for p in ("/usage/reports", "/platform/usage/reports")},
    **{(m, "/platform/usage/monthly-reports"): ("leadpilot.usage", "monthly_usage_report", "one")
       for m in ("GET", "POST")},
    ("GET", "/platform/usage/reconciliation"): ("leadpilot.usage", "usage_reconciliation", "one"),
    **{(m, "/notifications/preferences"): ("leadpilot.notifications", "notification_preferences", "one")
       for m in ("GET", "PATCH")},
    ("GET", "/runs/{run_id}/steps"): ("leadpilot.automation", "run_step", "page"),
    ("GET", "/flows/{flow_id}/metrics"): ("leadpilot.automation", "flow_metrics", "one"),
    ("GET", "/flows/{flow_id}/versions"): ("leadpilot.automation", "flow_version", "page"),
    ("POST", "/flows/{flow_id}/publish"): ("leadpilot.automation", "flow_publication", "one"),
    ("POST", "/flows/generate"): ("leadpilot.automation", "flow_generated", "one"),
    ("POST", "/flows/{flow_id}/dry-run"): ("leadpilot.automation", "dry_run_result", "one"),
    ("POST", "/flows/dry-run"): ("leadpilot.automation", "dry_run_result", "one"),
    ("POST", "/flows/{flow_id}/runs/bulk"): ("leadpilot.automation", "runs_bulk_result", "one"),
    ("POST", "/flows/{flow_id}/enrollments"): ("leadpilot.automation", "flow_enrolment", "one"),
    ("GET", "/integrations"): ("leadpilot.integrations", "integration_catalogue", "one"),
    ("POST", "/integrations/oauth/start"): ("leadpilot.integrations", "oauth_authorization", "one"),
    ("POST", "/integrations/oauth/callback"): ("leadpilot.integrations", "oauth_connection", "one"),
    **{("PUT", f"/integrations/{kind}/credentials"): ("leadpilot.integrations", "credential_status", "one")
       for kind in ("twilio", "openai")},
    ("GET", "/webhooks/event-types"): ("leadpilot.webhooks", "webhook_event_type", "page"),
    **{(m, p): ("leadpilot.webhooks", "webhook_endpoint", shape) for m, p, shape in (
        ("GET", "/webhooks/endpoints", "page"), ("GET", "/webhooks/endpoints/{endpoint_id}", "one"),
        ("PATCH", "/webhooks/endpoints/{endpoint_id}", "one"))},
    **{(m, p): ("leadpilot.webhooks", "webhook_endpoint_secret", "one") for m, p in (
        ("POST", "/webhooks/endpoints"), ("POST", "/webhooks/endpoints/{endpoint_id}/rotate-secret"))},
    **{(m, p): ("leadpilot.webhooks", "webhook_delivery", shape) for m, p, shape in (
        ("GET", "/webhooks/endpoints/{endpoint_id}/deliveries", "page"),
        ("POST", "/webhooks/endpoints/{endpoint_id}/test", "one"),
        ("POST", "/webhooks/endpoints/{endpoint_id}/deliveries/{delivery_id}/replay", "one"))},
    ("POST", "/webhooks/endpoints/{endpoint_id}/replay"): ("leadpilot.webhooks", "webhook_replayed", "one"),
    ("POST", "/webhooks/hooks"): ("leadpilot.webhooks", "rest_hook", "one"),
    ("GET", "/webhooks/hooks/samples"): ("leadpilot.webhooks", "webhook_sample", "page"),
    **{(m, "/agency"): ("leadpilot.agency", "agency", "one") for m in ("GET", "POST")},
    **{(m, p): ("leadpilot.agency", "sub_account", shape) for m, p, shape in (
        ("POST", "/agency/sub-accounts", "one"), ("GET", "/agency/sub-accounts", "page"),
        ("GET", "/agency/sub-accounts/{sub_account_id}", "one"))},
    ("POST", "/agency/sub-accounts/{sub_account_id}/open"): ("leadpilot.agency", "sub_account_session", "one"),
    **{(m, "/agency/sub-accounts/{sub_account_id}/rebilling"): ("leadpilot.agency", "rebilling", "one")
       for m in ("GET", "PUT")},
    ("GET", "/agency/rollups"): ("leadpilot.agency", "rollup", "page"),
    **{(m, p): ("leadpilot.agency", "agency_template", shape) for m, p, shape in (
        ("POST", "/agency/templates", "one"), ("GET", "/agency/templates", "page"),
        ("GET", "/agency/templates/{agency_template_id}", "one"))},
    ("POST", "/agency/templates/{agency_template_id}/apply"): ("leadpilot.agency", "agency_template_report", "one"),
    **{("GET", p): ("leadpilot.audit", "audit_entry", "page") for p in ("/workspace/audit", "/platform/audit")},
    **{(m, "/workspace/audit-settings"): ("leadpilot.audit", "audit_settings", "one") for m in ("GET", "PUT")},
    ("GET", "/workspace/support-access"): ("leadpilot.audit", "support_access", "page"),
    ("POST", "/platform/impersonations"): ("leadpilot.audit", "impersonation", "one"),
    ("GET", "/platform/workspaces"): ("leadpilot.platform", "platform_workspace", "page"),
    **{(m, "/platform/workspaces/{workspace_id}"): ("leadpilot.platform", "platform_workspace_detail", "one")
       for m in ("GET", "PATCH")},
    ("DELETE", "/platform/workspaces/{workspace_id}"): ("leadpilot.jobs", "job", "one"),
    **{("POST", f"/platform/workspaces/{{workspace_id}}/{verb}"): ("leadpilot.platform", "platform_workspace_action",
                                                                   "one") for verb in ("suspend", "reactivate")},
    **{(m, "/platform/workspaces/{workspace_id}/flags"): ("leadpilot.platform", "platform_flags_state", "one")
       for m in ("GET", "PUT")},
    **{(m, "/platform/settings"): ("leadpilot.platform", "platform_settings_state", "one") for m in ("GET", "PUT")},
}

# The sums of agency rollups (a page's, or the agency's over every sub-account).
_ROLLUP_TOTALS: dict[str, Any] = {
    "type": "object", "additionalProperties": False,
    "required": ["sub_accounts", "contacts", "messages", "calls", "appointments", "usage", "cost_micros",
                 "billed_micros"],
    "properties": {
        "sub_accounts": {"type": "integer", "minimum": 0},
        **{k: {"$ref": f"#/components/schemas/Rollup.{d}"} for k, d in (
            ("contacts", "contacts"), ("messages", "messages"), ("usage", "usage"),
            ("cost_micros", "money"), ("billed_micros", "money"))},
        "calls": {"type": "integer", "minimum": 0},
        "appointments": {"type": "integer", "minimum": 0}}}

# Fields a page answers with besides items and next_cursor (the inbox's unread counts).
PAGE_EXTRAS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/conversations"): {"unread_total": {"type": "integer", "minimum": 0}},
    ("GET", "/conversations/{contact_id}/messages"): {"unread": {"type": "integer", "minimum": 0}},
    ("GET", "/agency/rollups"): {
        "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
        "totals": {**_ROLLUP_TOTALS, "description": "the sums of this page's items, and how many sub-accounts"},
        "agency_totals": {"anyOf": [{**_ROLLUP_TOTALS, "description": "the sums over every sub-account"},
                                    {"type": "null"}],
                          "description": "the agency's totals over every sub-account on the first page; null on "
                                         "later pages"}},
}


@cache
def document() -> dict[str, Any]:
    """The document as built and shipped with the library (schemas/openapi.json)."""
    return dict(json.loads(resources.files("leadpilot.api").joinpath("schemas", "openapi.json").read_text()))


def served_at(base_url: str) -> dict[str, Any]:
    """The shipped document, naming the API's base URL (scheme, host and stage) as its server."""
    return {**document(), "servers": [{"url": base_url.rstrip("/") or "/"}]}


def build(apps: Iterable[Any]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of these Chalice apps."""
    components: dict[str, Any] = {"Error": _error_schema()}
    paths: dict[str, Any] = {}
    routes = [(app, r) for app in apps for r in routes_of(app)]
    for app, route in sorted(routes, key=lambda pair: (pair[1].path, pair[1].method)):
        tag = app.app_name.removeprefix("leadpilot-")
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, tag, components)
    _check_declarations({(r.method, r.path) for _, r in routes})
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {"title": TITLE, "version": VERSION,
                 "description": "Every error is {\"error\": {\"code\", \"message\", \"details\"}} with a 4xx status."},
        "paths": paths,
        "components": {
            "schemas": dict(sorted(components.items())),
            "responses": {"Error": {"description": "The request was refused; `details` names the field.",
                                    "content": {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}}},
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                               "description": "An access token from POST /auth/login or /auth/signup."},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key",
                           "description": "A workspace API key (POST /workspace/api-keys)."},
            },
        },
    }


def _error_schema() -> dict[str, Any]:
    """{"error": {"code", "message", "details"}}: the one shape of every refusal."""
    error = {"type": "object", "additionalProperties": False, "required": ["code", "message", "details"],
             "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "details": {"type": "object"}}}
    return {"type": "object", "additionalProperties": False, "required": ["error"], "properties": {"error": error}}


def _check_declarations(routes: set[tuple[str, str]]) -> None:
    stale = (set(RAW) | set(RESPONSES) | set(PAGE_EXTRAS)) - routes
    if stale:
        raise ValueError(f"declared for routes that do not exist: {sorted(stale)}")


def _operation(route: RouteInfo, tag: str, components: dict[str, Any]) -> dict[str, Any]:
    raw = RAW.get((route.method, route.path))
    if route.opaque and raw is None:
        raise ValueError(f"{route.method} {route.path} reads the raw request ({', '.join(sorted(route.opaque))}); "
                         "declare what it takes in leadpilot.api.openapi.RAW")
    operation: dict[str, Any] = {
        "operationId": route.name, "tags": [tag],
        "summary": route.doc or route.name.replace("_", " ").capitalize(),
        "security": _CREDENTIALS if route.scope else [],
    }
    if raw and raw.note:
        operation["description"] = raw.note
    parameters = _path_parameters(route.path) + _query_parameters(route, raw)
    if parameters:
        operation["parameters"] = parameters
    body = _request_body(route, raw, components)
    if body:
        operation["requestBody"] = body
    operation["responses"] = _responses(route, components)
    return operation


def _path_parameters(path: str) -> list[dict[str, Any]]:
    return [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in re.findall(r"\{([^}]+)\}", path)]


def _query_parameters(route: RouteInfo, raw: Raw | None) -> list[dict[str, Any]]:
    names = list(dict.fromkeys([*route.query, *(raw.query if raw else ())]))
    params = []
    for name in names:
        schema: dict[str, Any] = {"type": "string"}
        if name == "limit" and route.limit:
            default, maximum = route.limit
            schema = {"type": "integer", "minimum": 1, "maximum": maximum, "default": default}
        elif name == "cursor":
            schema = {"type": "string", "description": "next_cursor of the previous page"}
        params.append({"name": name, "in": "query", "required": False, "schema": schema})
    return params


def _request_body(route: RouteInfo, raw: Raw | None, components: dict[str, Any]) -> dict[str, Any] | None:
    if route.bodies:
        refs = [_component(package, name, components) for package, name in dict.fromkeys(route.bodies)]
        schema = refs[0] if len(refs) == 1 else {"oneOf": refs}
        return {"required": not (raw and raw.optional_body), "content": {JSON: {"schema": schema}}}
    if raw and raw.body:
        media = {"type": "object"} if raw.body in (JSON, FORM) else {"type": "string"}
        return {"required": True, "content": {raw.body: {"schema": media}}}
    return None


def _responses(route: RouteInfo, components: dict[str, Any]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    declared = RESPONSES.get((route.method, route.path))
    for status in sorted(route.statuses):
        entry: dict[str, Any] = {"description": _DESCRIPTIONS.get(status, "OK")}
        if status == 302:
            entry["headers"] = {"Location": {"schema": {"type": "string"}}}
        elif status in route.media_types:
            entry["content"] = {route.media_types[status]: {"schema": {"type": "string"}}}
        elif status != 204:
            extras = PAGE_EXTRAS.get((route.method, route.path), {})
            entry["content"] = {JSON: {"schema": _response_schema(declared, components, extras)}}
        responses[str(status)] = entry
    responses["4XX"] = ERROR
    return responses


_DESCRIPTIONS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No content", 302: "Redirect"}


def _response_schema(declared: tuple[str, str, str] | None, components: dict[str, Any],
                     extras: dict[str, Any]) -> dict[str, Any]:
    if declared is None:
        return {"type": "object"}
    package, name, shape = declared
    ref = _component(package, name, components)
    if shape == "one":
        return ref
    return {"type": "object", "required": ["items", *extras],
            "properties": {"items": {"type": "array", "items": ref}, "next_cursor": {"type": ["string", "null"]},
                           **extras}}


def _component(package: str, name: str, components: dict[str, Any]) -> dict[str, str]:
    """Add schemas/<name>.json of a package to the components (its $defs beside it); return a $ref."""
    key = "".join(part.capitalize() for part in name.split("_"))
    schema = json.loads(resources.files(package).joinpath("schemas", f"{name}.json").read_text())
    defs = schema.pop("$defs", {})
    for field in ("$schema", "$id"):
        schema.pop(field, None)
    schema = _rewrite(schema, key)
    if components.setdefault(key, schema) != schema:
        raise ValueError(f"two different schemas would be named {key} (the second: {package}/{name})")
    for def_name, definition in defs.items():
        components[f"{key}.{def_name}"] = _rewrite(definition, key)
    return {"$ref": f"#/components/schemas/{key}"}


def _rewrite(node: Any, key: str) -> Any:
    """Point local $refs (#/$defs/x) at the components the definitions moved to."""
    if isinstance(node, dict):
        out = {k: _rewrite(v, key) for k, v in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            out["$ref"] = f"#/components/schemas/{key}.{ref.removeprefix('#/$defs/')}"
        elif isinstance(ref, str) and ref == "#":
            out["$ref"] = f"#/components/schemas/{key}"
        return out
    if isinstance(node, list):
        return [_rewrite(v, key) for v in node]
    return copy.copy(node)
