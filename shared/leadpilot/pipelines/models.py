"""Items of pipelines and deals in the CRM table. Every partition key begins with the workspace id.

Key design (docs/adr/0003-pipelines-and-deals.md):
  pipeline   WS#<ws>#PIPELINES              / PIPELINE#<pid>   stages embedded, in order
  deal       WS#<ws>#DEALS                  / DEAL#<did>       GSI1 WS#<ws>#CONTACT#<cid>#DEALS / DEAL#<did>
  card       WS#<ws>#PIPELINE#<pid>#DEALS   / STAGE#<sid>#<status>#<did>
                                                               GSI1 WS#<ws>#OWNER#<uid>#DEALS / DEAL#<did>
  stats      WS#<ws>#PIPELINE#<pid>#DEALS   / !STATS#STAGE#<sid>#<status>#<cur>
                                              !STATS#FORECAST#<yyyy-mm|none>#<status>#<cur>
  visit      WS#<ws>#DEAL#<did>             / VISIT#<vid>      one stay of a deal in a stage
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from pynamodb.attributes import (
    Attribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.constants import NUMBER

from leadpilot.db.base import CrmModel


class DecimalAttribute(Attribute[Decimal]):
    """A DynamoDB number read back as an exact Decimal (pynamodb's NumberAttribute gives floats)."""

    attr_type = NUMBER

    def serialize(self, value: Any) -> str:
        return format(Decimal(value), "f")

    def deserialize(self, value: Any) -> Decimal:
        return Decimal(value)


class StageAttribute(MapAttribute[str, Any]):
    """One stage of a pipeline; `deleting_to` is set while its deals are being moved out."""

    stage_id = UnicodeAttribute()
    name = UnicodeAttribute()
    kind = UnicodeAttribute()
    probability = NumberAttribute()
    deleting_to = UnicodeAttribute(null=True)


class PipelineItem(CrmModel, discriminator="pipeline"):
    """PK: WS#<ws>#PIPELINES  SK: PIPELINE#<pipeline_id>.

    `stages` is the ordered list; `open_stage_ids` the stages a deal may enter now (a stage being
    deleted, or every stage of a pipeline being deleted, is absent). Deal writes carry a condition
    check `contains(open_stage_ids, <stage>)`, so no deal enters a stage that is being emptied.
    """

    pipeline_id = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
    name = UnicodeAttribute()
    stages = ListAttribute(of=StageAttribute, default=list)
    open_stage_ids = UnicodeSetAttribute(null=True)
    status = UnicodeAttribute(default="active")
    deleting_to = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = NumberAttribute(default=1)


class DealFields:
    """The attributes of a deal, shared by the deal item and its board card (a full copy)."""

    deal_id = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
    pipeline_id = UnicodeAttribute()
    stage_id = UnicodeAttribute()
    contact_id = UnicodeAttribute()
    name = UnicodeAttribute()
    value = DecimalAttribute()
    currency = UnicodeAttribute()
    probability = NumberAttribute()
    expected_close_date = UnicodeAttribute(null=True)
    owner_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    lost_reason = UnicodeAttribute(null=True)
    stage_entered_at = UnicodeAttribute()
    visit_id = UnicodeAttribute()
    closed_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = NumberAttribute(default=1)


class DealItem(CrmModel, DealFields, discriminator="deal"):
    """PK: WS#<ws>#DEALS  SK: DEAL#<deal_id>  GSI1: WS#<ws>#CONTACT#<contact_id>#DEALS / DEAL#<deal_id>.

    The deal by id, every deal of a workspace in creation order, and a contact's deals.
    """


class DealCardItem(CrmModel, DealFields, discriminator="deal_card"):
    """PK: WS#<ws>#PIPELINE#<pipeline_id>#DEALS  SK: STAGE#<stage_id>#<status>#<deal_id>
    GSI1 (when owned): WS#<ws>#OWNER#<owner_id>#DEALS / DEAL#<deal_id>.

    The deal's copy on its pipeline's board, written in the same transaction as the deal: one
    capped Query per stage serves a board column, and an owner's deals come from GSI1.
    """


class PipelineStatsItem(CrmModel, discriminator="pipeline_stats"):
    """PK: WS#<ws>#PIPELINE#<pipeline_id>#DEALS  SK: !STATS#STAGE#<stage_id>#<status>#<currency> or
    !STATS#FORECAST#<yyyy-mm|none>#<status>#<currency>.

    Count, value and weighted value, moved by ADD in the transaction of every deal change, so the
    board's and the forecast's sums are one Query (they sort before every card).
    """

    deal_count = NumberAttribute(default=0)
    value = DecimalAttribute(default=Decimal)
    weighted = DecimalAttribute(default=Decimal)


class DealVisitItem(CrmModel, discriminator="deal_visit"):
    """PK: WS#<ws>#DEAL#<deal_id>  SK: VISIT#<visit_id> (ULID: chronological). One stay in a stage."""

    visit_id = UnicodeAttribute()
    pipeline_id = UnicodeAttribute()
    stage_id = UnicodeAttribute()
    from_pipeline_id = UnicodeAttribute(null=True)
    from_stage_id = UnicodeAttribute(null=True)
    entered_at = UnicodeAttribute()
    left_at = UnicodeAttribute(null=True)
