"""What every route needs from the request: settings, a validated body, a verified identity."""
from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from chalice import Chalice, Response
from chalice.app import Request

from leadpilot import request_context
from leadpilot.api import errors
from leadpilot.api.middleware import admit_dashboard, instrument
from leadpilot.api.request import (
    check_request_text,
    int_param,
    json_body,
    limit_param,
    load_schema,
    query_param,
    source_ip,
)
from leadpilot.db.base import bind_tables
from leadpilot.errors import NotFound
from leadpilot.identity import rate_limit
from leadpilot.identity.authenticate import from_authorization, require_scope
from leadpilot.identity.entities import Identity
from leadpilot.observability import logger
from leadpilot.settings import Settings, get_settings

DEV_PREFIX = "/dev/"


class Edge:
    """Bound to one Chalice app; routes call it to read their input."""

    def __init__(self, app: Chalice, schema_package: str) -> None:
        self.app = app
        self.schema_package = schema_package
        instrument(app)
        admit_dashboard(app)

    def route(self, path: str, method: str) -> Any:
        """app.route for one method; content types are checked by body() so errors keep one shape."""
        register = self.app.route(path, methods=[method], content_types=["*/*"])

        def decorate(view: Any) -> Any:
            if path.startswith(DEV_PREFIX):
                view = self._dev_only(view)

            @functools.wraps(view)
            def checked(*args: Any, **kwargs: Any) -> Any:
                request = self._request()
                check_request_text(request)
                with request_context.serving(source_ip(request)):
                    return view(*args, **kwargs)

            return register(errors.mapped(checked, self._request_id))

        return decorate

    def _dev_only(self, view: Any) -> Any:
        """A /dev/* route exists only where the stage turns dev tools on (the local cloud); 404 elsewhere."""

        @functools.wraps(view)
        def gated(*args: Any, **kwargs: Any) -> Any:
            if not self.settings.dev_tools:
                raise NotFound("not found", {"field": "path"})
            return view(*args, **kwargs)

        return gated

    def _request(self) -> Request:
        request = self.app.current_request
        assert request is not None, "Edge is used only inside a route"
        return request

    def _request_id(self) -> str:
        request = self.app.current_request
        return str((request.context or {}).get("requestId", "")) if request is not None else ""

    @property
    def settings(self) -> Settings:
        settings = get_settings()
        bind_tables(settings)
        return settings

    def body(self, schema: str, max_bytes: int | None = None) -> dict[str, Any]:
        """The request's JSON object, validated against schemas/<schema>.json of the app's package."""
        return json_body(self._request(), load_schema(self.schema_package, schema),
                         max_bytes or self.settings.max_body_bytes)

    def identity(self, scope: str = "read") -> Identity:
        """The verified caller, within its rate limits and holding `scope`; adds workspace_id to every log line."""
        identity = self._verified()
        rate_limit.admit(self.settings, identity)
        require_scope(identity, scope)
        return identity

    @contextmanager
    def reading(self) -> Iterator[Identity]:
        """The verified caller of a route that only reads (read scope): its rate-limit count runs while the route
        reads, and the route's answer waits for it, so over the limit it is 429 whatever the route found (ADR
        0014). Only for routes with no writes: a write must not happen before the request is admitted."""
        identity = self._verified()
        counted = rate_limit.admit_alongside(self.settings, identity)
        try:
            require_scope(identity, "read")
            yield identity
        finally:
            counted.result()

    def _verified(self) -> Identity:
        request = self._request()
        identity = from_authorization(self.settings, request.headers.get("authorization"),
                                      request.headers.get("x-api-key"))
        logger.thread_safe_append_keys(workspace_id=identity.workspace_id)
        _act_as(identity)
        return identity

    def query(self, name: str) -> str | None:
        return query_param(self._request(), name)

    def limit(self, default: int = 50, maximum: int = 200) -> int:
        return limit_param(self._request(), default, maximum)

    def int_query(self, name: str, minimum: int, maximum: int) -> int | None:
        """An integer query parameter in minimum..maximum, None when absent, else a 422 naming it."""
        return int_param(self._request(), name, minimum, maximum)

    @staticmethod
    def created(body: dict[str, Any]) -> Response:
        return Response(body=body, status_code=201, headers=dict(errors.JSON_HEADERS))

    @staticmethod
    def no_content() -> Response:
        return Response(body="", status_code=204)


def _act_as(identity: Identity) -> None:
    """Name the verified caller for the request's audit entries and events: impersonating, the platform admin acts
    and the user is the subject."""
    if identity.impersonator is None:
        request_context.act(identity.person())
        return
    admin = {"type": "user", "id": identity.impersonator["id"], "email": identity.impersonator["email"]}
    request_context.act(admin, identity.person(), identity.session_id)
