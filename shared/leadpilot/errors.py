"""Domain exceptions. Each carries its HTTP status and a stable error code; one mapper renders them."""
from __future__ import annotations

from typing import Any


class ConfigurationError(RuntimeError):
    """The deployment is misconfigured (not the caller's fault)."""


class DomainError(Exception):
    """Base of every error a caller can cause."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def headers(self) -> dict[str, str]:
        """HTTP headers the response carries besides the error body."""
        return {}


class InvalidJson(DomainError):
    code = "invalid_json"


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"


class ValidationFailed(DomainError):
    """The request is well-formed JSON but a field is missing, wrong or unknown."""

    status = 422
    code = "validation_error"

    @classmethod
    def field(cls, field: str, message: str) -> ValidationFailed:
        """A validation error about one field."""
        return cls(f"{field}: {message}", {"errors": [{"field": field, "message": message}]})


class InvalidId(DomainError):
    code = "invalid_id"

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} is not a valid id", {"field": field})


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class TooManyRequests(DomainError):
    status = 429
    code = "too_many_requests"


class RateLimited(TooManyRequests):
    """The caller's workspace or API key is over its request rate; Retry-After says when to come back."""

    code = "rate_limited"

    def __init__(self, message: str, details: dict[str, Any], retry_after_s: int) -> None:
        super().__init__(message, details)
        self.retry_after_s = retry_after_s

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(max(1, self.retry_after_s))}


class ServiceUnavailable(DomainError):
    """A store or provider failed for a moment; nothing was recorded and the same request may be sent again."""

    status = 503
    code = "temporarily_unavailable"
