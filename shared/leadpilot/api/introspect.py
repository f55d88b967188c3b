"""What each route reads, found in its own source: body schema, query parameters, credentials, statuses.

The OpenAPI document is built from this, so it cannot drift from the code: a route that calls
`edge.body("x")` documents schemas/x.json, one that calls `edge.query("status")` documents `status`.
Where the source reads the raw request instead (its query string, body, or hands the request to a
domain function), the route is marked opaque and the document needs a declaration for it.
"""
from __future__ import annotations

import ast
import inspect
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType
from typing import Any

from leadpilot.api.edge import Edge

_RAW_ATTRIBUTES = {"query_params": "query", "raw_body": "body", "json_body": "body"}


@dataclass
class RouteInfo:
    """One route as its source shows it."""

    path: str
    method: str
    name: str
    doc: str
    bodies: list[tuple[str, str]] = field(default_factory=list)  # (schema package, schema name)
    query: list[str] = field(default_factory=list)
    limit: tuple[int, int] | None = None  # (default, maximum)
    scope: str | None = None  # None: a public route (no credentials read)
    statuses: set[int] = field(default_factory=set)
    media_types: dict[int, str] = field(default_factory=dict)  # non-JSON success bodies
    opaque: set[str] = field(default_factory=set)  # "query" / "body": read from the raw request


def routes_of(app: Any) -> list[RouteInfo]:
    """Every route of a Chalice app whose views are Edge routes, sorted by path and method."""
    found = []
    for path, methods in sorted(app.routes.items()):
        for method, entry in sorted(methods.items()):
            found.append(_route(path, method, inspect.unwrap(entry.view_function)))
    return found


def _route(path: str, method: str, view: Callable[..., Any]) -> RouteInfo:
    module = sys.modules[view.__module__]
    doc = (inspect.getdoc(view) or "").split("\n")[0]
    info = RouteInfo(path, method, view.__name__, doc)
    functions, edges = _functions(module), _edges(module)
    for node in _reached(functions, view.__name__):
        _Reader(info, edges, vars(module)).visit(node)
    if not info.statuses:
        info.statuses.add(200)
    return info


@cache
def _functions_of(module_name: str, source: str) -> dict[str, ast.FunctionDef]:
    tree = ast.parse(source)
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


def _functions(module: ModuleType) -> dict[str, ast.FunctionDef]:
    return _functions_of(module.__name__, inspect.getsource(module))


def _edges(module: ModuleType) -> dict[str, str]:
    """Module-level Edge objects by variable name -> the package their schemas live in."""
    return {name: obj.schema_package for name, obj in vars(module).items() if isinstance(obj, Edge)}


def _reached(functions: dict[str, ast.FunctionDef], start: str) -> Iterator[ast.FunctionDef]:
    """The view and every module-level function it calls, directly or not."""
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name in seen or name not in functions:
            continue
        seen.add(name)
        yield functions[name]
        todo += [c.func.id for c in ast.walk(functions[name])
                 if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)]


def _literal(node: ast.AST | None) -> Any:
    try:
        return ast.literal_eval(node) if node is not None else None
    except ValueError:
        return None


class _Reader(ast.NodeVisitor):
    """Collects what one function reads from the request into a RouteInfo."""

    def __init__(self, info: RouteInfo, edges: dict[str, str], namespace: dict[str, Any]) -> None:
        self.info, self.edges, self.namespace = info, edges, namespace
        self.bound: dict[str, ast.expr] = {}  # comprehension variables -> what they iterate over
        self.requests: set[str] = set()  # local names holding the current request

    def visit_Assign(self, node: ast.Assign) -> None:
        if isinstance(node.value, ast.Attribute) and node.value.attr == "current_request":
            self.requests |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        self.generic_visit(node)

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp) -> None:
        for gen in node.generators:
            if isinstance(gen.target, ast.Name):
                self.bound[gen.target.id] = gen.iter
        self.generic_visit(node)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension

    def _is_request(self, node: ast.AST) -> bool:
        return (isinstance(node, ast.Attribute) and node.attr == "current_request") or (
            isinstance(node, ast.Name) and node.id in self.requests)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in _RAW_ATTRIBUTES and self._is_request(node.value):
            self.info.opaque.add(_RAW_ATTRIBUTES[node.attr])
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in self.edges:
            self._edge_call(self.edges[func.value.id], func.attr, node)
        elif isinstance(func, ast.Name) and func.id == "Response":
            self._response(node)
        callee = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if not callee.endswith("public_url") and any(self._is_request(a) for a in node.args):
            self.info.opaque |= {"query", "body"}  # the request goes to code this reader does not see
        self.generic_visit(node)

    def _edge_call(self, package: str, attr: str, node: ast.Call) -> None:
        first = node.args[0] if node.args else None
        if attr == "body":
            name = _literal(first)
            if isinstance(name, str):
                self.info.bodies.append((package, name))
            else:
                self.info.opaque.add("body")
        elif attr == "query":
            names = self._names(first)
            self.info.query += names
            if not names:
                self.info.opaque.add("query")
        elif attr == "limit":
            self._limit(node)
        elif attr == "identity":
            self.info.scope = _literal(first) or "read"
        elif attr == "reading":
            self.info.scope = "read"
        elif attr in ("created", "no_content"):
            self.info.statuses.add(201 if attr == "created" else 204)

    def _names(self, node: ast.expr | None) -> list[str]:
        """A literal name, or the names a comprehension variable runs over (a module constant)."""
        value = _literal(node)
        if isinstance(value, str):
            return [value]
        if isinstance(node, ast.Name) and node.id in self.bound:
            source = self.bound[node.id]
            if all(isinstance(n, ast.Name | ast.Attribute | ast.Load) for n in ast.walk(source)):
                return [str(n) for n in eval(compile(ast.Expression(source), "<route>", "eval"), self.namespace)]
        return []

    def _limit(self, node: ast.Call) -> None:
        defaults = inspect.signature(Edge.limit).parameters
        values = {"default": defaults["default"].default, "maximum": defaults["maximum"].default}
        for key, arg in zip(("default", "maximum"), node.args, strict=False):
            values[key] = _literal(arg)
        values.update({k.arg: _literal(k.value) for k in node.keywords if k.arg})
        self.info.limit = (int(values["default"]), int(values["maximum"]))
        self.info.query.append("limit")

    def _response(self, node: ast.Call) -> None:
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        statuses = [n.value for n in ast.walk(keywords["status_code"]) if isinstance(n, ast.Constant)
                    and isinstance(n.value, int)] if "status_code" in keywords else [200]
        self.info.statuses |= set(statuses)
        headers = keywords.get("headers")
        if isinstance(headers, ast.Dict):
            for key, value in zip(headers.keys, headers.values, strict=True):
                media = _literal(value) if _literal(key) == "Content-Type" else None
                if isinstance(media, str) and not media.startswith("application/json"):
                    self.info.media_types.update({s: media.split(";")[0] for s in statuses if s != 204})
