"""Contacts: HTTP routes, the contact-events consumer and the outbox publisher."""
from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from chalice import Chalice, Response

from leadpilot.api.edge import Edge
from leadpilot.api.errors import flush_metrics
from leadpilot.contacts import service, stats
from leadpilot.events import outbox
from leadpilot.ids import parse_id
from leadpilot.observability import logger, metrics

app = Chalice(app_name="leadpilot-contacts")
edge = Edge(app, "leadpilot.contacts")
_processor = BatchProcessor(event_type=EventType.SQS)


@edge.route("/contacts", "POST")
def create_contact() -> Response:
    identity = edge.identity("write")
    return edge.created(service.create_contact(edge.settings, identity, edge.body("contact_create")).to_dict())


@edge.route("/contacts", "GET")
def list_contacts() -> dict[str, Any]:
    identity = edge.identity()
    items, cursor = service.list_contacts(identity, edge.limit(), edge.query("cursor"))
    return {"items": [c.to_dict() for c in items], "next_cursor": cursor}


@edge.route("/contacts/{contact_id}", "GET")
def get_contact(contact_id: str) -> dict[str, Any]:
    identity = edge.identity()
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
    identity = edge.identity()
    items, cursor = service.list_activity(identity, parse_id(contact_id, "contact_id"), edge.limit(),
                                          edge.query("cursor"))
    return {"items": items, "next_cursor": cursor}


def _apply_contact_event(record: SQSRecord) -> None:
    event = json.loads(record.body)["detail"]
    if not stats.apply_event(edge.settings, event):
        logger.info("duplicate event ignored", extra={"event_id": event["id"]})


@app.lambda_function(name="on_contact_event")
def on_contact_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS consumer of contact events (EventBridge rule -> queue); reports partial batch failures."""
    return dict(process_partial_response(event=event, record_handler=_apply_contact_event, processor=_processor,
                                         context=context))


@app.lambda_function(name="publish_outbox")
def publish_outbox(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Scheduled: publish domain events whose immediate publish did not happen."""
    published = outbox.drain(edge.settings)
    if published:
        metrics.add_metric(name="OutboxRepublished", unit="Count", value=published)
    flush_metrics()
    return {"published": published}
