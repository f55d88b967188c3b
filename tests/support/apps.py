"""Load the Chalice apps the template declares and call them as API Gateway would."""
from __future__ import annotations

import importlib.util
import json
import re
import sys
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

from chalice.test import Client

from infra.local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"


@cache
def load_module(code_uri: str) -> ModuleType:
    """Import functions/<x>/app.py once under a unique name (every function dir has an app.py)."""
    path = ROOT / code_uri / "app.py"
    name = "lp_fn_" + code_uri.replace("/", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class TemplateRoute:
    function: str
    code_uri: str
    path: str
    method: str

    def regex(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{[^}/]+\}", "[^/]+", self.path) + "$")


@lru_cache(maxsize=1)
def template_routes() -> tuple[TemplateRoute, ...]:
    """Every Api event of every function in template.yaml."""
    resources = load_template(TEMPLATE)["Resources"]
    routes = []
    for logical_id, res in resources.items():
        if res["Type"] != "AWS::Serverless::Function":
            continue
        for event in (res["Properties"].get("Events") or {}).values():
            if event["Type"] == "Api":
                props = event["Properties"]
                routes.append(TemplateRoute(logical_id, res["Properties"]["CodeUri"], props["Path"],
                                            props["Method"].upper()))
    return tuple(routes)


def chalice_apps() -> dict[str, Any]:
    """code_uri -> Chalice app, for every function that serves HTTP routes."""
    return {r.code_uri: load_module(r.code_uri).app for r in template_routes()}


@dataclass
class Reply:
    status: int
    body: Any
    raw: str
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case

    def __repr__(self) -> str:
        return f"<Reply {self.status} {self.raw[:300]}>"


class Api:
    """An HTTP client over the Chalice test client, routed by the template like the gateway."""

    def __init__(self) -> None:
        self.routes = template_routes()

    def call(self, method: str, path: str, body: Any = None, token: str | None = None,
             headers: dict[str, str] | None = None, raw: str | None = None) -> Reply:
        route_path = path.split("?", 1)[0]
        route = next((r for r in self.routes if r.method == method and r.regex().match(route_path)), None)
        assert route is not None, f"no template route for {method} {route_path}"
        sent = {"Content-Type": "application/json", **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        payload = raw if raw is not None else (json.dumps(body) if body is not None else "")
        with Client(load_module(route.code_uri).app) as client:
            response = client.http.request(method, path, headers=sent, body=payload.encode())
        text = response.body.decode() if isinstance(response.body, bytes) else str(response.body)
        try:
            parsed = json.loads(text) if text else None
        except json.JSONDecodeError:
            parsed = None
        return Reply(response.status_code, parsed, text, {k.lower(): v for k, v in response.headers.items()})

    def get(self, path: str, **kw: Any) -> Reply:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.call("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.call("PATCH", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> Reply:
        return self.call("DELETE", path, **kw)
