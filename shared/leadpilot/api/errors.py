"""One mapper from domain exceptions to HTTP responses, wrapped around every route."""
from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from chalice import Response

from leadpilot.errors import DomainError
from leadpilot.observability import logger

JSON_HEADERS = {"Content-Type": "application/json"}


def error_response(status: int, code: str, message: str, details: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    """The one error body shape: {"error": {"code", "message", "details"}}."""
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    return Response(body=json.dumps(body), status_code=status, headers={**JSON_HEADERS, **(headers or {})})


def mapped(view: Callable[..., Any], request_id: Callable[[], str]) -> Callable[..., Any]:
    """Wrap a view: DomainError becomes its 4xx, anything unexpected a logged 500."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        rid = request_id()
        logger.thread_safe_append_keys(request_id=rid)  # per thread: the local cloud serves requests side by side
        try:
            return view(*args, **kwargs)
        except DomainError as exc:
            return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers())
        except Exception:
            logger.exception("unhandled error")
            return error_response(500, "internal_error", "Something went wrong on our side.", {"request_id": rid})
        finally:
            # Keys must not outlive the request: the next one may be another tenant's.
            logger.thread_safe_remove_keys(["request_id", "workspace_id"])

    return wrapper
