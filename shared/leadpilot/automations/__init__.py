"""Automation engine: flow documents, their validation and their compilation to Step Functions."""
