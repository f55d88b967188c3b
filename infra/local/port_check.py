"""``python -m infra.local.port_check PORT [HOST]``: exit 1 with one line naming a free port when PORT is taken.

`make dev` runs it first, before installing or starting anything; it needs only the standard library.
"""

from __future__ import annotations

import socket
import sys


def is_free(host: str, port: int) -> bool:
    """Whether the gateway could bind the port now (as it binds: with SO_REUSEADDR)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def main(argv: list[str]) -> int:
    """0 when the port is free; else 1, with the `make dev PORT=...` to run instead."""
    port, host = int(argv[0]), argv[1] if len(argv) > 1 else "127.0.0.1"
    if is_free(host, port):
        return 0
    other = next((p for p in range(port + 1, min(port + 100, 65536)) if is_free(host, p)), None)
    hint = f"make dev PORT={other}" if other else "make dev PORT=<a free port>"
    print(f"port {port} on {host} is in use (another `make dev`?): stop what uses it, or run {hint}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
