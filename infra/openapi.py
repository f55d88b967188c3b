"""``python -m infra.openapi [--check]``: build the OpenAPI document from the apps template.yaml routes to.

Writes shared/leadpilot/api/schemas/openapi.json (shipped in the layer, served as GET /openapi.json);
with --check, exits 1 when the file differs from what the apps say today.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from infra.local.template import load_template
from leadpilot.api import openapi

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"
OUTPUT = ROOT / "shared" / "leadpilot" / "api" / "schemas" / "openapi.json"


def http_code_uris(template: Path = TEMPLATE) -> list[str]:
    """The CodeUri of every function with an Api event, in template order."""
    uris: list[str] = []
    for res in load_template(template)["Resources"].values():
        events = (res.get("Properties") or {}).get("Events") or {}
        if res["Type"] == "AWS::Serverless::Function" and any(e["Type"] == "Api" for e in events.values()):
            uri = res["Properties"]["CodeUri"].rstrip("/")
            uris += [uri] if uri not in uris else []
    return uris


def _load(code_uri: str) -> ModuleType:
    name = "lp_openapi_" + code_uri.replace("/", "_")
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / code_uri / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def build() -> dict[str, Any]:
    """The document of every app the template routes to."""
    return openapi.build(_load(uri).app for uri in http_code_uris())


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.openapi", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the shipped document is out of date")
    args = parser.parse_args(argv)
    text = render(build())
    if args.check:
        current = OUTPUT.read_text() if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date: run python -m infra.openapi", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
