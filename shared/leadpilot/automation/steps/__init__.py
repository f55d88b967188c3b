"""The action worker and the actions a run performs: send, tag, task, stage, webhook, waits, human handoff and
the AI steps (ADR 0008, 0012)."""
