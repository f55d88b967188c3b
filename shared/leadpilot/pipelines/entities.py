"""Domain objects of pipelines and deals; the data layer returns these, never pynamodb items."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

STAGE_KINDS = ("open", "won", "lost")
STATUSES = ("open", "won", "lost")


def money(value: Decimal) -> str:
    """A Decimal as a plain string without exponent or trailing zeros ("1500.5", "1500")."""
    normal = value.normalize()
    return format(normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal, "f")


def seconds_between(start: str, end: str) -> int:
    """Whole seconds from one ISO timestamp to another."""
    return int((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds())


@dataclass(frozen=True)
class Stage:
    id: str
    name: str
    kind: str
    probability: int
    deleting_to: str | None = None

    def to_dict(self, position: int) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "kind": self.kind, "probability": self.probability,
                "position": position, "deleting": self.deleting_to is not None}


@dataclass(frozen=True)
class Pipeline:
    id: str
    workspace_id: str
    name: str
    stages: tuple[Stage, ...]
    open_stage_ids: frozenset[str]
    status: str
    created_at: str
    updated_at: str
    version: int

    def stage(self, stage_id: str) -> Stage | None:
        return next((s for s in self.stages if s.id == stage_id), None)

    def accepts(self, stage_id: str) -> bool:
        """True when deals may enter this stage now (it exists and is not being deleted)."""
        return stage_id in self.open_stage_ids

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "status": self.status,
                "stages": [s.to_dict(i) for i, s in enumerate(self.stages)],
                "created_at": self.created_at, "updated_at": self.updated_at, "version": self.version}


@dataclass(frozen=True)
class Deal:
    id: str
    workspace_id: str
    pipeline_id: str
    stage_id: str
    contact_id: str
    name: str
    value: Decimal
    currency: str
    probability: int
    expected_close_date: str | None
    owner_id: str | None
    status: str
    lost_reason: str | None
    stage_entered_at: str
    visit_id: str
    closed_at: str | None
    created_at: str
    updated_at: str
    version: int

    @property
    def weighted(self) -> Decimal:
        return self.value * self.probability / 100

    def to_dict(self) -> dict[str, Any]:
        """The deal as events carry it: value as an exact decimal string."""
        data = asdict(self)
        data.pop("workspace_id")
        data.pop("visit_id")
        data["value"] = money(self.value)
        return data

    def view(self, now: str) -> dict[str, Any]:
        """The deal as the API shows it: with its aging (whole days in the current stage)."""
        return {**self.to_dict(), "weighted_value": money(self.weighted),
                "days_in_stage": seconds_between(self.stage_entered_at, now) // 86400}


@dataclass(frozen=True)
class Visit:
    id: str
    pipeline_id: str
    stage_id: str
    from_pipeline_id: str | None
    from_stage_id: str | None
    entered_at: str
    left_at: str | None

    def to_dict(self, now: str) -> dict[str, Any]:
        return {"pipeline_id": self.pipeline_id, "from_stage_id": self.from_stage_id, "to_stage_id": self.stage_id,
                "from_pipeline_id": self.from_pipeline_id, "entered_at": self.entered_at, "left_at": self.left_at,
                "seconds_in_stage": seconds_between(self.entered_at, self.left_at or now),
                "current": self.left_at is None}
