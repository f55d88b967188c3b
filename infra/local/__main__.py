"""CLI: ``python -m infra.local up [--host H] [--port P] [--data-dir D] [--no-seed]``, and
``python -m infra.local with-env [--data-dir D] -- COMMAND ...`` to run a command with the running cloud's settings."""

from __future__ import annotations

import argparse
import errno
import faulthandler
import json
import logging
import os
import signal
import sys
from pathlib import Path
from types import FrameType

from infra.local import botocore_files, logs
from infra.local.cloud import LocalCloud


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # SIGINT and SIGTERM both take the clean path of Ctrl-C.
    raise KeyboardInterrupt


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m infra.local", description="LeadPilot's embedded local cloud")
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start DynamoDB Local and moto, provision template.yaml and host the functions")
    up.add_argument("--host", default="127.0.0.1", help="address of the HTTP gateway")
    up.add_argument("--port", type=int, default=3000, help="port of the HTTP gateway")
    up.add_argument("--data-dir", type=Path, default=Path(".leadpilot"), help="database, secrets and logs")
    up.add_argument("--no-seed", action="store_true", help="do not create the demo workspace")
    run = commands.add_parser("with-env", help="run a command with the functions' settings of the running cloud")
    run.add_argument("--data-dir", type=Path, default=Path(".leadpilot"), help="the running cloud's data dir")
    run.add_argument("argv", nargs=argparse.REMAINDER, help="the command, after --")
    return parser


def with_env(data_dir: Path, argv: list[str]) -> int:
    """Replace this process with `argv`, run with the environment the running cloud gives its functions."""
    argv = argv[1:] if argv[:1] == ["--"] else argv
    if not argv:
        print("with-env: give a command after --", file=sys.stderr)
        return 2
    env_path = data_dir / "env.json"
    if not env_path.exists():
        print(f"no local cloud is running on {data_dir} (no {env_path}): start it with `make dev`", file=sys.stderr)
        return 1
    os.execvpe(argv[0], argv, {**os.environ, **json.loads(env_path.read_text())})


def main(argv: list[str] | None = None) -> int:
    """Run the local cloud until Ctrl-C or SIGTERM; 0 on a clean stop."""
    args = _parser().parse_args(argv)
    if args.command == "with-env":
        return with_env(args.data_dir, args.argv)
    logs.configure()
    botocore_files.share()  # pollers, schedule stores and provisioning each make a session of their own
    # Installed explicitly: a shell that starts us in the background sets SIGINT to "ignore".
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    # `kill -USR1 <pid>` writes every thread's stack to the output, even when a thread holds the interpreter: what
    # a cloud that does not answer, or does not stop, is doing.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
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
            print(f"port {args.port} on {args.host} is in use: stop what uses it, or use another port "
                  f"(make dev PORT={args.port + 1}, or --port)", file=sys.stderr)
        else:
            logging.getLogger("infra.local").exception("the local cloud failed to start")
        status = 1
    finally:
        # A second Ctrl-C must not cut the stop (and the final snapshot of moto's DynamoDB) short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        cloud.stop()
        print("the local cloud has stopped" + ("" if status == 0 else " (it failed; see above)"), flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
