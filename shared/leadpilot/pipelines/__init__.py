"""Pipelines and deals: ordered stages per pipeline, deals moved through them, board and forecast."""
from leadpilot.pipelines.merge import reassign_contact

__all__ = ["reassign_contact"]
