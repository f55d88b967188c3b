"""Notes: notes on contacts with @mentions (each lands on the contact's timeline)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Chalice, Response

from leadpilot.api.edge import Edge
from leadpilot.ids import parse_id
from leadpilot.lazy import lazy

if TYPE_CHECKING:
    from leadpilot.notes import service
else:  # domain modules load on first use: a cold start pays only for what its request needs
    service = lazy("leadpilot.notes.service")

app = Chalice(app_name="leadpilot-notes")
edge = Edge(app, "leadpilot.notes")


@edge.route("/notes", "POST")
def create_note() -> Response:
    identity = edge.identity("write")
    return edge.created(service.create_note(edge.settings, identity, edge.body("note_create")))


@edge.route("/notes", "GET")
def list_notes() -> dict[str, Any]:
    identity = edge.identity()
    items, cursor = service.list_notes(identity, edge.query("contact_id"), edge.limit(), edge.query("cursor"))
    return {"items": items, "next_cursor": cursor}


@edge.route("/notes/{note_id}", "GET")
def get_note(note_id: str) -> dict[str, Any]:
    identity = edge.identity()
    return service.get_note(identity, parse_id(note_id, "note_id"))


@edge.route("/notes/{note_id}", "PATCH")
def update_note(note_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    nid = parse_id(note_id, "note_id")
    return service.update_note(edge.settings, identity, nid, edge.body("note_update"))


@edge.route("/notes/{note_id}", "DELETE")
def delete_note(note_id: str) -> Response:
    identity = edge.identity("write")
    service.delete_note(edge.settings, identity, parse_id(note_id, "note_id"))
    return edge.no_content()
