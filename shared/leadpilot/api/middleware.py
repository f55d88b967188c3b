"""Powertools around every handler of a Chalice app: the Lambda handler is the app, so a middleware it is."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice import Chalice
from chalice.app import Request

from leadpilot.observability import logger, metrics, tracer, tracing_enabled


def instrument(app: Chalice) -> None:
    """Run every handler of the app (routes, queue and scheduled handlers) under Powertools."""
    app.register_middleware(_powertools, "all")


def _powertools(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Lambda context keys on every log line, a trace subsegment, and this invocation's metrics flushed."""
    context = event.lambda_context if isinstance(event, Request) else getattr(event, "context", None)
    raw = event.to_original_event() if isinstance(event, Request) else event.to_dict()

    def handler(_event: Any, _context: Any) -> Any:
        return get_response(event)

    handler.__name__ = getattr(context, "function_name", None) or "handler"  # names the X-Ray subsegment
    traced = tracer().capture_lambda_handler(handler, capture_response=False) if tracing_enabled() else handler
    wrapped = metrics.log_metrics(traced)
    if context is not None:  # a handler called directly (a script, a test) has no Lambda context to log
        wrapped = logger.inject_lambda_context(wrapped)
    return wrapped(raw, context)
