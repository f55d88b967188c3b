"""Around every handler of a Chalice app (the Lambda handler is the app, so middleware it is): Powertools, and
the dashboard's CORS headers on every reply of its routes."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice import Chalice
from chalice.app import Request, Response

from leadpilot.observability import logger, metrics, tracer, tracing_enabled
from leadpilot.settings import get_settings

# Headers of our replies that the dashboard's script may read besides the CORS-safelisted ones.
EXPOSED_HEADERS = "Retry-After, Location"


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


def admit_dashboard(app: Chalice) -> None:
    """Let the dashboard's origin (DASHBOARD_ORIGIN) read every reply of the app's routes, errors included.

    API Gateway answers the browser's preflight (the template's Cors); the replies themselves come from
    the functions, so the function adds the headers."""
    app.register_middleware(_cors, "http")


def cors_headers(origin: str | None, dashboard_origin: str) -> dict[str, str]:
    """The CORS headers of a reply to a request from `origin`: the dashboard's origin is admitted, no other."""
    if not origin or not dashboard_origin:
        return {}
    if origin.lower() != dashboard_origin:
        return {"Vary": "Origin"}  # a cache must not hand this reply to the dashboard's origin either
    return {"Access-Control-Allow-Origin": dashboard_origin, "Access-Control-Expose-Headers": EXPOSED_HEADERS,
            "Vary": "Origin"}


def _cors(request: Request, get_response: Callable[[Request], Response]) -> Response:
    response = get_response(request)
    origin = request.headers.get("origin")
    if origin:  # a request without Origin (curl, a server, same-origin GET) needs no settings read
        for name, value in cors_headers(origin, get_settings().dashboard_origin).items():
            _set_header(response, name, value)
    return response


def _set_header(response: Response, name: str, value: str) -> None:
    """Set a header whatever its case in the reply; Vary keeps the values already there."""
    existing = next((key for key in response.headers if key.lower() == name.lower()), None)
    if existing is None:
        response.headers[name] = value
    elif name == "Vary":
        values = [v.strip() for v in str(response.headers[existing]).split(",") if v.strip()]
        if value.lower() not in {v.lower() for v in values}:
            response.headers[existing] = ", ".join([*values, value])
    else:
        response.headers[existing] = value
