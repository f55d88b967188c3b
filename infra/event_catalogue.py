"""``python -m infra.event_catalogue [--check]``: the webhook event catalogue from events/.

Every domain event with a JSON Schema in events/schemas/ is an event type outgoing webhooks can subscribe to.
events/ is not shipped with the functions, so this writes what the API serves (each type's description, schema
and sample payload: the `detail` of its EventBridge sample) to shared/leadpilot/webhooks/schemas/
event_catalogue.json; with --check, exits 1 when that file is out of date.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"
OUTPUT = ROOT / "shared" / "leadpilot" / "webhooks" / "schemas" / "event_catalogue.json"


def build() -> list[dict[str, Any]]:
    """One entry per event type with a schema, sorted by type; a type without a sample fails."""
    entries = []
    for path in sorted((EVENTS / "schemas").glob("*.json")):
        schema = json.loads(path.read_text())
        sample_path = EVENTS / "eventbridge" / path.name
        if not sample_path.is_file():
            raise SystemExit(f"{path.stem} has a schema but no sample in events/eventbridge/")
        entries.append({"type": path.stem, "description": schema.get("description", ""), "schema": schema,
                        "sample": json.loads(sample_path.read_text())["detail"]})
    return entries


def render(entries: list[dict[str, Any]]) -> str:
    return json.dumps(entries, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.event_catalogue", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the shipped catalogue is out of date")
    args = parser.parse_args(argv)
    text = render(build())
    if args.check:
        if not OUTPUT.is_file() or OUTPUT.read_text() != text:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date: run python -m infra.event_catalogue", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
