"""Run one benchmark in a fresh interpreter and hand its result back as JSON.

Each benchmark sets up its own AWS (in-process moto or the local cloud's moto server) in os.environ, and the
data layer keeps what it built at first use for the life of the process, as a Lambda container does: the
transaction connection (leadpilot.db.base), the models' connections, the boto3 clients of the bus, queues and
state machines, get_settings(). A later benchmark in the same process would reuse clients bound to the previous
one's endpoint (in-process moto's clients point at the real AWS endpoint and only reach moto while its mock is
active), so every benchmark gets its own process.

Run: python -m bench.isolated <module> <result.json> [args...]
"""
from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def run(module: str, argv: list[str], env: dict[str, str] | None = None) -> Any:
    """`bench.<module>.main(argv)` in a fresh interpreter (its output goes to ours), with `env` added to the
    environment (a running local cloud's, for a benchmark that measures it); its return value."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        subprocess.run([sys.executable, "-m", "bench.isolated", module, str(out), *argv], cwd=ROOT, check=True,
                       env={**os.environ, **env} if env else None)
        return json.loads(out.read_text())


def _main() -> None:
    module, out, argv = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
    result = importlib.import_module(f"bench.{module}").main(argv)
    out.write_text(json.dumps(result, default=str))


if __name__ == "__main__":
    _main()
