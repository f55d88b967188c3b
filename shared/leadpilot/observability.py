"""Logger, Metrics and Tracer, created once per process (Powertools); leadpilot.api.middleware runs them.

The service name is each function's POWERTOOLS_SERVICE_NAME (set per function in template.yaml); a process
that hosts every function (the local cloud, tests) has none and says "leadpilot".
"""
from __future__ import annotations

import os
import warnings

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME") or "leadpilot"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="LeadPilot")
# Off outside Lambda (and where POWERTOOLS_TRACE_DISABLED is set); on AWS the template turns X-Ray on.
tracer = Tracer(service=SERVICE)
# Most invocations record no business event; Powertools would warn about each empty flush.
warnings.filterwarnings("ignore", "No application metrics to publish")

