"""Automation runtime: flows API, publishing, triggers, the action worker and run records (ADR 0008).

The flow document, its validation and its compilation to ASL live in `leadpilot.automations`.
"""
