"""Contacts: HTTP routes, the contact-events consumer and the outbox publisher."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalice import Chalice, Response

from leadpilot.api.edge import Edge
from leadpilot.api.queues import process_sqs_batch
from leadpilot.errors import ValidationFailed
from leadpilot.identity.authenticate import require_role
from leadpilot.ids import parse_id
from leadpilot.lazy import lazy
from leadpilot.observability import logger, metrics

if TYPE_CHECKING:
    from leadpilot.contacts import fields, merge, privacy, scoring, search, segments, service, stats, tags, timeline
    from leadpilot.events import outbox
else:  # domain modules load on first use: a cold start pays only for what its request needs
    fields = lazy("leadpilot.contacts.fields")
    merge = lazy("leadpilot.contacts.merge")
    privacy = lazy("leadpilot.contacts.privacy")
    scoring = lazy("leadpilot.contacts.scoring")
    search = lazy("leadpilot.contacts.search")
    segments = lazy("leadpilot.contacts.segments")
    service = lazy("leadpilot.contacts.service")
    stats = lazy("leadpilot.contacts.stats")
    tags = lazy("leadpilot.contacts.tags")
    timeline = lazy("leadpilot.contacts.timeline")
    outbox = lazy("leadpilot.events.outbox")

app = Chalice(app_name="leadpilot-contacts")
edge = Edge(app, "leadpilot.contacts")
ADMINS = ("owner", "admin")


def _params() -> dict[str, str]:
    request = app.current_request
    return dict(request.query_params or {}) if request is not None else {}


def _field_key(value: str) -> str:
    if not fields.KEY.match(value):
        raise ValidationFailed.field("field_key", "is not a custom field key")
    return value


def _page(items: list[Any], cursor: str | None) -> dict[str, Any]:
    return {"items": [i.to_dict() for i in items], "next_cursor": cursor}


@edge.route("/contacts", "POST")
def create_contact() -> Response:
    identity = edge.identity("write")
    return edge.created(service.create_contact(edge.settings, identity, edge.body("contact_create")).to_dict())


@edge.route("/contacts", "GET")
def list_contacts() -> dict[str, Any]:
    with edge.reading() as identity:
        return _page(*service.list_contacts(identity, edge.limit(), edge.query("cursor")))


@edge.route("/contacts/{contact_id}", "GET")
def get_contact(contact_id: str) -> dict[str, Any]:
    with edge.reading() as identity:
        return service.get_contact(identity, parse_id(contact_id, "contact_id")).to_dict()


@edge.route("/contacts/{contact_id}", "PATCH")
def update_contact(contact_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    cid = parse_id(contact_id, "contact_id")
    return service.update_contact(edge.settings, identity, cid, edge.body("contact_update")).to_dict()


@edge.route("/contacts/{contact_id}", "DELETE")
def delete_contact(contact_id: str) -> Response:
    identity = edge.identity("write")
    service.delete_contact(edge.settings, identity, parse_id(contact_id, "contact_id"))
    return edge.no_content()


@edge.route("/contacts/{contact_id}/activity", "GET")
def contact_activity(contact_id: str) -> dict[str, Any]:
    """Alias of the timeline without filters (kept for existing clients)."""
    identity = edge.identity()
    items, cursor = timeline.list_activity(identity, parse_id(contact_id, "contact_id"), edge.limit(),
                                           edge.query("cursor"))
    return {"items": items, "next_cursor": cursor}


@edge.route("/contacts/{contact_id}/timeline", "GET")
def contact_timeline(contact_id: str) -> dict[str, Any]:
    identity = edge.identity()
    items, cursor = timeline.list_timeline(identity, parse_id(contact_id, "contact_id"), edge.limit(),
                                           edge.query("cursor"), timeline.parse_types(edge.query("types")),
                                           edge.query("from"), edge.query("to"))
    return {"items": items, "next_cursor": cursor}


@edge.route("/contacts/search", "GET")
def search_contacts() -> dict[str, Any]:
    with edge.reading() as identity:
        return _page(*search.search_query(identity, _params(), edge.limit()))


@edge.route("/contacts/{contact_id}/tags", "POST")
def change_contact_tags(contact_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    cid = parse_id(contact_id, "contact_id")
    return tags.change_contact_tags(edge.settings, identity, cid, edge.body("contact_tags")).to_dict()


@edge.route("/contacts/{contact_id}/merge", "POST")
def merge_contacts(contact_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    cid = parse_id(contact_id, "contact_id")
    return merge.merge_contacts(edge.settings, identity, cid, edge.body("contact_merge")["duplicate_id"])


@edge.route("/contacts/{contact_id}/export", "GET")
def export_contact(contact_id: str) -> dict[str, Any]:
    identity = edge.identity()
    return privacy.export_contact(identity, parse_id(contact_id, "contact_id"))


@edge.route("/contacts/{contact_id}/erase", "POST")
def erase_contact(contact_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    return privacy.erase_contact(edge.settings, identity, parse_id(contact_id, "contact_id"))


@edge.route("/contacts/{contact_id}/score", "GET")
def contact_score(contact_id: str) -> dict[str, Any]:
    identity = edge.identity()
    return scoring.contact_score(identity, service.get_contact(identity, parse_id(contact_id, "contact_id")))


@edge.route("/contact-fields", "GET")
def list_contact_fields() -> dict[str, Any]:
    identity = edge.identity()
    return _page(*fields.list_definitions(identity, edge.limit(), edge.query("cursor")))


@edge.route("/contact-fields", "POST")
def create_contact_field() -> Response:
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    return edge.created(fields.create_definition(edge.settings, identity, edge.body("contact_field_create")).to_dict())


@edge.route("/contact-fields/{field_key}", "PATCH")
def update_contact_field(field_key: str) -> dict[str, Any]:
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    body = edge.body("contact_field_update")
    return fields.update_definition(edge.settings, identity, _field_key(field_key), body).to_dict()


@edge.route("/contact-fields/{field_key}", "DELETE")
def delete_contact_field(field_key: str) -> Response:
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    fields.delete_definition(edge.settings, identity, _field_key(field_key))
    return edge.no_content()


@edge.route("/tags", "GET")
def list_tags() -> dict[str, Any]:
    identity = edge.identity()
    items, cursor = tags.list_tags(identity, edge.limit(), edge.query("cursor"))
    return {"items": items, "next_cursor": cursor}


@edge.route("/tags/{tag}", "PATCH")
def rename_tag(tag: str) -> dict[str, Any]:
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    return tags.rename_tag(edge.settings, identity, tag, edge.body("tag_rename"))


@edge.route("/tags/{tag}", "DELETE")
def delete_tag(tag: str) -> dict[str, Any]:
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    return tags.delete_tag(edge.settings, identity, tag)


@edge.route("/segments", "POST")
def create_segment() -> Response:
    identity = edge.identity("write")
    return edge.created(segments.create_segment(identity, edge.body("segment_create")).to_dict())


@edge.route("/segments", "GET")
def list_segments() -> dict[str, Any]:
    identity = edge.identity()
    return _page(*segments.list_segments(identity, edge.limit(), edge.query("cursor")))


@edge.route("/segments/{segment_id}", "GET")
def get_segment(segment_id: str) -> dict[str, Any]:
    identity = edge.identity()
    return segments.get_segment(identity, parse_id(segment_id, "segment_id")).to_dict()


@edge.route("/segments/{segment_id}", "PATCH")
def update_segment(segment_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    sid = parse_id(segment_id, "segment_id")
    return segments.update_segment(identity, sid, edge.body("segment_update")).to_dict()


@edge.route("/segments/{segment_id}", "DELETE")
def delete_segment(segment_id: str) -> Response:
    identity = edge.identity("write")
    segments.delete_segment(identity, parse_id(segment_id, "segment_id"))
    return edge.no_content()


@edge.route("/segments/{segment_id}/contacts", "GET")
def segment_contacts(segment_id: str) -> dict[str, Any]:
    identity = edge.identity()
    sid = parse_id(segment_id, "segment_id")
    return _page(*segments.segment_contacts(identity, sid, edge.limit(), edge.query("cursor")))


@edge.route("/contact-scoring", "GET")
def get_scoring() -> dict[str, Any]:
    return scoring.get_config(edge.identity().workspace_id)


@edge.route("/contact-scoring", "PUT")
def put_scoring() -> dict[str, Any]:
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    return scoring.put_config(edge.settings, identity, edge.body("scoring_rules"))


def _apply_contact_event(record: Any) -> None:
    event = json.loads(record.body)["detail"]
    if event["type"] == "pipeline.stage_changed":
        scoring.on_stage_changed(edge.settings, event)
    elif not stats.apply_event(edge.settings, event):
        logger.info("duplicate event ignored", extra={"event_id": event["id"]})


@app.lambda_function(name="on_contact_event")
def on_contact_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS consumer of contact events (EventBridge rule -> queue): a batch of contact events is counted in one
    transaction; otherwise (a stage change, a duplicate, a failure) record by record, reporting partial failures."""
    records = event.get("Records") or []
    try:
        details = [json.loads(r["body"])["detail"] for r in records]
        whole = (bool(details) and all(d["type"] != "pipeline.stage_changed" for d in details)
                 and stats.apply_events(edge.settings, details))
    except (ValueError, KeyError, TypeError):  # a malformed record: the per-record path reports it alone
        whole = False
    return {"batchItemFailures": []} if whole else process_sqs_batch(event, context, _apply_contact_event)


@app.lambda_function(name="publish_outbox")
def publish_outbox(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Scheduled: publish domain events whose immediate publish did not happen."""
    published = outbox.drain(edge.settings)
    if published:
        metrics.add_metric(name="OutboxRepublished", unit="Count", value=published)
    return {"published": published}
