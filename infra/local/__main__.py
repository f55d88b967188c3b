"""CLI: ``python -m infra.local up [--host H] [--port P] [--data-dir D] [--no-seed]``."""

from __future__ import annotations

import argparse
import errno
import logging
import signal
import sys
from pathlib import Path
from types import FrameType

from infra.local.cloud import LocalCloud


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # SIGINT and SIGTERM both take the clean path of Ctrl-C.
    raise KeyboardInterrupt


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m infra.local", description="LeadPilot's embedded local cloud")
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start moto, provision template.yaml and host the functions")
    up.add_argument("--host", default="127.0.0.1", help="address of the HTTP gateway")
    up.add_argument("--port", type=int, default=3000, help="port of the HTTP gateway")
    up.add_argument("--data-dir", type=Path, default=Path(".leadpilot"), help="snapshot, secrets and logs")
    up.add_argument("--no-seed", action="store_true", help="do not create the demo workspace")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the local cloud until Ctrl-C or SIGTERM; 0 on a clean stop."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    for noisy in ("botocore", "boto3", "pynamodb", "urllib3"):
        # They log every client creation at INFO, which would bury the request log.
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Installed explicitly: a shell that starts us in the background sets SIGINT to "ignore".
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    cloud = LocalCloud(args.data_dir, args.host, args.port, seed=not args.no_seed)
    status = 0
    try:
        cloud.start()
        print(cloud.banner())
        # one write: a print's text and its newline are two, and a server thread's log line can land between them
        sys.stdout.write(f"LEADPILOT READY {cloud.api_url}\n")
        sys.stdout.flush()
        while True:
            signal.pause()
    except KeyboardInterrupt:
        print("\nstopping the local cloud...", flush=True)
    except Exception as error:
        if isinstance(error, OSError) and error.errno == errno.EADDRINUSE:
            print(f"port {args.port} on {args.host} is in use: stop what uses it or pass --port", file=sys.stderr)
        else:
            logging.getLogger("infra.local").exception("the local cloud failed to start")
        status = 1
    finally:
        # A second Ctrl-C must not cut the final snapshot short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        cloud.stop()
    return status


if __name__ == "__main__":
    sys.exit(main())
