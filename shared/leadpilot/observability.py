"""Logger and Metrics, created once per process (Powertools)."""
from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="leadpilot")
metrics = Metrics(namespace="LeadPilot")
