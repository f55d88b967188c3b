"""Runs of flows: the runtime's items and configuration, flow drafts and published versions, Step Functions
machines, run records, enrolment, controls (pause, resume, skip, restart, cancel), recovery, per-flow metrics,
opt-outs, replies parked by runs, the step log and the dry run (ADR 0008, 0011)."""
