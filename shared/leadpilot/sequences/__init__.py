"""Email sequences: steps compiled to a flow that runs on the automation runtime (ADR 0010)."""
