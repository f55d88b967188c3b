"""Pipelines and deals: HTTP routes (pipelines, stages, deals, board, forecast)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Chalice, Response

from leadpilot.api.edge import Edge
from leadpilot.identity.authenticate import require_role
from leadpilot.ids import parse_id
from leadpilot.lazy import lazy

if TYPE_CHECKING:
    from leadpilot.pipelines import board, deals, listing, pipelines, store
else:  # domain modules load on first use: a cold start pays only for what its request needs
    board = lazy("leadpilot.pipelines.board")
    deals = lazy("leadpilot.pipelines.deals")
    listing = lazy("leadpilot.pipelines.listing")
    pipelines = lazy("leadpilot.pipelines.pipelines")
    store = lazy("leadpilot.pipelines.store")

app = Chalice(app_name="leadpilot-pipelines")
edge = Edge(app, "leadpilot.pipelines")


def _move_to() -> str | None:
    raw = edge.query("move_to_stage_id")
    return None if raw is None else parse_id(raw, "move_to_stage_id")


@edge.route("/pipelines", "POST")
def create_pipeline() -> Response:
    identity = edge.identity("write")
    return edge.created(pipelines.create_pipeline(identity, edge.body("pipeline_create")).to_dict())


@edge.route("/pipelines", "GET")
def list_pipelines() -> dict[str, Any]:
    identity = edge.identity()
    items, cursor = store.pipeline_page(identity.workspace_id, edge.limit(), edge.query("cursor"))
    return {"items": [p.to_dict() for p in items], "next_cursor": cursor}


@edge.route("/pipelines/{pipeline_id}", "GET")
def get_pipeline(pipeline_id: str) -> dict[str, Any]:
    identity = edge.identity()
    return store.get_pipeline(identity.workspace_id, parse_id(pipeline_id, "pipeline_id")).to_dict()


@edge.route("/pipelines/{pipeline_id}", "PATCH")
def rename_pipeline(pipeline_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    pid = parse_id(pipeline_id, "pipeline_id")
    return pipelines.rename_pipeline(identity, pid, edge.body("pipeline_update")).to_dict()


@edge.route("/pipelines/{pipeline_id}", "DELETE")
def delete_pipeline(pipeline_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    pid = parse_id(pipeline_id, "pipeline_id")
    require_role(identity, "owner", "admin")
    return pipelines.delete_pipeline(edge.settings, identity, pid, _move_to())


@edge.route("/pipelines/{pipeline_id}/stages", "POST")
def add_stage(pipeline_id: str) -> Response:
    identity = edge.identity("write")
    pid = parse_id(pipeline_id, "pipeline_id")
    return edge.created(pipelines.add_stage(identity, pid, edge.body("stage_create")).to_dict())


@edge.route("/pipelines/{pipeline_id}/stages/{stage_id}", "PATCH")
def update_stage(pipeline_id: str, stage_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    pid, sid = parse_id(pipeline_id, "pipeline_id"), parse_id(stage_id, "stage_id")
    return pipelines.update_stage(identity, pid, sid, edge.body("stage_update")).to_dict()


@edge.route("/pipelines/{pipeline_id}/stages/{stage_id}", "DELETE")
def delete_stage(pipeline_id: str, stage_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    pid, sid = parse_id(pipeline_id, "pipeline_id"), parse_id(stage_id, "stage_id")
    require_role(identity, "owner", "admin")
    return pipelines.delete_stage(edge.settings, identity, pid, sid, _move_to())


@edge.route("/pipelines/{pipeline_id}/stage-order", "PUT")
def reorder_stages(pipeline_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    pid = parse_id(pipeline_id, "pipeline_id")
    return pipelines.reorder_stages(identity, pid, edge.body("stage_order")).to_dict()


@edge.route("/pipelines/{pipeline_id}/board", "GET")
def pipeline_board(pipeline_id: str) -> dict[str, Any]:
    with edge.reading() as identity:
        return board.board(identity, parse_id(pipeline_id, "pipeline_id"), edge.limit(default=25, maximum=100))


@edge.route("/pipelines/{pipeline_id}/forecast", "GET")
def pipeline_forecast(pipeline_id: str) -> dict[str, Any]:
    identity = edge.identity()
    return board.forecast(identity, parse_id(pipeline_id, "pipeline_id"))


@edge.route("/deals", "POST")
def create_deal() -> Response:
    identity = edge.identity("write")
    return edge.created(deals.view(deals.create_deal(edge.settings, identity, edge.body("deal_create"))))


@edge.route("/deals", "GET")
def list_deals() -> dict[str, Any]:
    identity = edge.identity()
    filters = {name: edge.query(name) for name in listing.FILTERS}
    items, cursor = listing.list_deals(identity, filters, edge.limit(), edge.query("cursor"))
    return {"items": items, "next_cursor": cursor}


@edge.route("/deals/{deal_id}", "GET")
def get_deal(deal_id: str) -> dict[str, Any]:
    identity = edge.identity()
    return deals.get_deal(identity, parse_id(deal_id, "deal_id"))


@edge.route("/deals/{deal_id}", "PATCH")
def update_deal(deal_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    did = parse_id(deal_id, "deal_id")
    return deals.view(deals.update_deal(edge.settings, identity, did, edge.body("deal_update")))


@edge.route("/deals/{deal_id}", "DELETE")
def delete_deal(deal_id: str) -> Response:
    identity = edge.identity("write")
    deals.delete_deal(edge.settings, identity, parse_id(deal_id, "deal_id"))
    return edge.no_content()


@edge.route("/deals/{deal_id}/move", "POST")
def move_deal(deal_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    did = parse_id(deal_id, "deal_id")
    return deals.view(deals.move_deal(edge.settings, identity, did, edge.body("deal_move")))


@edge.route("/deals/{deal_id}/history", "GET")
def deal_history(deal_id: str) -> dict[str, Any]:
    identity = edge.identity()
    return deals.history(identity, parse_id(deal_id, "deal_id"), edge.limit(), edge.query("cursor"))
