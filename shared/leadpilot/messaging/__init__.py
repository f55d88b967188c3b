"""Messaging domain core: SMS segments, templates, compliance, signatures, email content and tracking links.

Pure functions only (no AWS, no HTTP); routes, workers and data models build on them.
"""
