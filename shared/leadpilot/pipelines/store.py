"""Data access for pipelines and deals: keys, reads, and conversion to domain objects."""
from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from pynamodb.exceptions import DoesNotExist

from leadpilot.api import cursors
from leadpilot.db.base import CrmModel, sk_begins_with
from leadpilot.errors import NotFound
from leadpilot.pipelines.entities import Deal, Pipeline, Stage, Visit
from leadpilot.pipelines.models import (
    DealCardItem,
    DealFields,
    DealItem,
    DealVisitItem,
    PipelineItem,
    PipelineStatsItem,
    StageAttribute,
)

_ULID = "[0-7][0-9A-HJKMNP-TV-Z]{25}"
_SORT_KEY = re.compile(rf"^(DEAL#{_ULID}|STAGE#{_ULID}#(open|won|lost)#{_ULID})$")
STATS = "!STATS#"


def pipelines_pk(ws: str) -> str:
    return f"WS#{ws}#PIPELINES"


def deals_pk(ws: str) -> str:
    return f"WS#{ws}#DEALS"


def board_pk(ws: str, pipeline_id: str) -> str:
    return f"WS#{ws}#PIPELINE#{pipeline_id}#DEALS"


def contact_deals_pk(ws: str, contact_id: str) -> str:
    return f"WS#{ws}#CONTACT#{contact_id}#DEALS"


def owner_deals_pk(ws: str, owner_id: str) -> str:
    return f"WS#{ws}#OWNER#{owner_id}#DEALS"


def visits_pk(ws: str, deal_id: str) -> str:
    return f"WS#{ws}#DEAL#{deal_id}"


def card_sk(deal: Deal) -> str:
    return f"STAGE#{deal.stage_id}#{deal.status}#{deal.id}"


# ------------------------------------------------------------------ conversion

def to_pipeline(item: PipelineItem) -> Pipeline:
    stages = tuple(Stage(id=s.stage_id, name=s.name, kind=s.kind, probability=int(s.probability),
                         deleting_to=s.deleting_to) for s in item.stages or [])
    return Pipeline(id=item.pipeline_id, workspace_id=item.workspace_id, name=item.name, stages=stages,
                    open_stage_ids=frozenset(item.open_stage_ids or ()), status=item.status,
                    created_at=item.created_at, updated_at=item.updated_at, version=int(item.version))


def stage_attributes(stages: tuple[Stage, ...] | list[Stage]) -> list[StageAttribute]:
    return [StageAttribute(stage_id=s.id, name=s.name, kind=s.kind, probability=s.probability,
                           deleting_to=s.deleting_to) for s in stages]


def to_deal(item: DealFields) -> Deal:
    return Deal(id=item.deal_id, workspace_id=item.workspace_id, pipeline_id=item.pipeline_id,
                stage_id=item.stage_id, contact_id=item.contact_id, name=item.name, value=Decimal(item.value),
                currency=item.currency, probability=int(item.probability),
                expected_close_date=item.expected_close_date, owner_id=item.owner_id, status=item.status,
                lost_reason=item.lost_reason, stage_entered_at=item.stage_entered_at, visit_id=item.visit_id,
                closed_at=item.closed_at, created_at=item.created_at, updated_at=item.updated_at,
                version=int(item.version))


def _fields(deal: Deal) -> dict[str, Any]:
    return {"deal_id": deal.id, "workspace_id": deal.workspace_id, "pipeline_id": deal.pipeline_id,
            "stage_id": deal.stage_id, "contact_id": deal.contact_id, "name": deal.name, "value": deal.value,
            "currency": deal.currency, "probability": deal.probability,
            "expected_close_date": deal.expected_close_date, "owner_id": deal.owner_id, "status": deal.status,
            "lost_reason": deal.lost_reason, "stage_entered_at": deal.stage_entered_at, "visit_id": deal.visit_id,
            "closed_at": deal.closed_at, "created_at": deal.created_at, "updated_at": deal.updated_at,
            "version": deal.version}


def deal_item(deal: Deal) -> DealItem:
    return DealItem(deals_pk(deal.workspace_id), f"DEAL#{deal.id}", GSI1PK=contact_deals_pk(
        deal.workspace_id, deal.contact_id), GSI1SK=f"DEAL#{deal.id}", **_fields(deal))


def card_item(deal: Deal) -> DealCardItem:
    owner: dict[str, Any] = {"GSI1PK": owner_deals_pk(deal.workspace_id, deal.owner_id), "GSI1SK": f"DEAL#{deal.id}"} \
        if deal.owner_id else {}
    return DealCardItem(board_pk(deal.workspace_id, deal.pipeline_id), card_sk(deal), **owner, **_fields(deal))


def to_visit(item: DealVisitItem) -> Visit:
    return Visit(id=item.visit_id, pipeline_id=item.pipeline_id, stage_id=item.stage_id,
                 from_pipeline_id=item.from_pipeline_id, from_stage_id=item.from_stage_id,
                 entered_at=item.entered_at, left_at=item.left_at)


# ------------------------------------------------------------------ reads

def find_pipeline(ws: str, pipeline_id: str) -> Pipeline | None:
    try:
        return to_pipeline(PipelineItem.get(pipelines_pk(ws), f"PIPELINE#{pipeline_id}", consistent_read=True))
    except DoesNotExist:
        return None


def get_pipeline(ws: str, pipeline_id: str) -> Pipeline:
    """The pipeline, or 404 naming pipeline_id (another workspace's id is simply not found)."""
    pipeline = find_pipeline(ws, pipeline_id)
    if pipeline is None:
        raise NotFound("pipeline not found", {"field": "pipeline_id"})
    return pipeline


def pipeline_page(ws: str, limit: int, cursor: str | None) -> tuple[list[Pipeline], str | None]:
    """A page of the workspace's pipelines, oldest first."""
    items, next_cursor = cursors.query_page(PipelineItem, pipelines_pk(ws), "PIPELINE#", limit,
                                            cursors.decode_cursor(cursor), consistent_read=True)
    return [to_pipeline(i) for i in items], next_cursor


def list_pipelines(ws: str) -> list[Pipeline]:
    return [to_pipeline(i) for i in PipelineItem.query(pipelines_pk(ws), PipelineItem.SK.startswith("PIPELINE#"),
                                                       consistent_read=True)]


def get_deal(ws: str, deal_id: str) -> Deal:
    """The deal, or 404 naming deal_id."""
    try:
        return to_deal(DealItem.get(deals_pk(ws), f"DEAL#{deal_id}", consistent_read=True))
    except DoesNotExist:
        raise NotFound("deal not found", {"field": "deal_id"}) from None


def visits(ws: str, deal_id: str, limit: int = 1000) -> list[Visit]:
    return [to_visit(i) for i in DealVisitItem.query(visits_pk(ws, deal_id), DealVisitItem.SK.startswith("VISIT#"),
                                                     consistent_read=True, limit=limit)]


def stage_cards(ws: str, pipeline_id: str, prefix: str, limit: int) -> list[Deal]:
    """Deals on the board under one sort-key prefix (a stage, or a stage and status), in id order. Read raw:
    pynamodb's per-attribute deserialisation cost more than the Query itself for a board's ~150 cards."""
    connection = DealCardItem._get_connection()
    deals: list[Deal] = []
    start = None
    while len(deals) < limit:
        reply = connection.query(board_pk(ws, pipeline_id), sk_begins_with(DealCardItem.SK, prefix),
                                 consistent_read=True, limit=limit - len(deals), exclusive_start_key=start)
        deals += [deal_from_raw(i) for i in reply.get("Items", []) if i["SK"]["S"].startswith(prefix)]
        start = reply.get("LastEvaluatedKey")
        if start is None:
            break
    return deals


def deal_from_raw(raw: dict[str, Any]) -> Deal:
    """A Deal from a raw deal or card item (DynamoDB JSON), as to_deal of its model gives it."""
    def text(name: str) -> Any:
        value = raw.get(name)
        return None if value is None or "NULL" in value else value["S"]

    return Deal(id=text("deal_id"), workspace_id=text("workspace_id"), pipeline_id=text("pipeline_id"),
                stage_id=text("stage_id"), contact_id=text("contact_id"), name=text("name"),
                value=Decimal(raw["value"]["N"]), currency=text("currency"), probability=int(raw["probability"]["N"]),
                expected_close_date=text("expected_close_date"), owner_id=text("owner_id"), status=text("status"),
                lost_reason=text("lost_reason"), stage_entered_at=text("stage_entered_at"), visit_id=text("visit_id"),
                closed_at=text("closed_at"), created_at=text("created_at"), updated_at=text("updated_at"),
                version=int(raw["version"]["N"]) if "version" in raw else 1)


def stats(ws: str, pipeline_id: str, kind: str) -> Iterator[PipelineStatsItem]:
    """The pipeline's counters of one kind (STAGE or FORECAST), in one Query."""
    return PipelineStatsItem.query(board_pk(ws, pipeline_id), PipelineStatsItem.SK.startswith(f"{STATS}{kind}#"),
                                   consistent_read=True)


def stats_keys(ws: str, pipeline_id: str) -> list[tuple[str, str]]:
    return [(i.PK, i.SK) for i in PipelineStatsItem.query(board_pk(ws, pipeline_id),
                                                          PipelineStatsItem.SK.startswith(STATS))]


# ------------------------------------------------------------------ cursor pages

def encode_cursor(sort_key: str) -> str:
    return cursors.encode_cursor(sort_key)


def decode_cursor(cursor: str | None, prefix: str) -> str | None:
    """The sort key a page continues after. Only a sort key of the expected shape is accepted, and
    the partition always comes from the caller's workspace, so a cursor cannot reach another tenant."""
    return cursors.decode_cursor(cursor, lambda v: bool(_SORT_KEY.match(v)) and v.startswith(prefix))


def scan_partition(pk: str, prefix: str, after: str | None, on_index: bool, limit: int) -> Iterator[Any]:
    """Items of one partition (or GSI1 partition) under a sort-key prefix, strictly after `after`."""
    key = CrmModel.GSI1SK if on_index else CrmModel.SK
    condition = key.between(after, prefix + "~") if after else key.startswith(prefix)
    query = CrmModel.gsi1.query if on_index else CrmModel.query
    kwargs: dict[str, Any] = {"limit": limit} if on_index else {"limit": limit, "consistent_read": True}
    for item in query(pk, condition, **kwargs):
        if (item.GSI1SK if on_index else item.SK) != after:
            yield item
