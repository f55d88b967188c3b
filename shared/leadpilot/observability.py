"""Logger, Metrics and Tracer, created once per process (Powertools); leadpilot.api.middleware runs them.

The service name is each function's POWERTOOLS_SERVICE_NAME (set per function in template.yaml); a process
that hosts every function (the local cloud, tests) has none and says "leadpilot".
"""
from __future__ import annotations

import os
import warnings
from functools import cache

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME") or "leadpilot"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="LeadPilot")
# Most invocations record no business event; Powertools would warn about each empty flush.
warnings.filterwarnings("ignore", "No application metrics to publish")


@cache
def tracing_enabled() -> bool:
    """Powertools' rule: X-Ray traces in Lambda only (not SAM or Chalice local), unless POWERTOOLS_TRACE_DISABLED."""
    if os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").lower() in ("1", "true", "yes", "on", "y", "t"):
        return False
    local = os.environ.get("AWS_SAM_LOCAL") or os.environ.get("AWS_CHALICE_CLI_MODE")
    return bool(os.environ.get("LAMBDA_TASK_ROOT")) and not local


@cache
def tracer() -> Tracer:
    """The X-Ray tracer, built on first use: building one imports aws_xray_sdk (~150 ms), which only tracing needs."""
    return Tracer(service=SERVICE)
