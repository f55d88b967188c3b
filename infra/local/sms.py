"""The SMS simulator's CLI: play Twilio against the local cloud, signed with the sandbox token.

    python -m infra.local.sms inbound --from +14155550123 --to +14155550100 --body "STOP"
    python -m infra.local.sms status --sid SM0123... --status delivered [--error-code 30003]

The webhook is signed exactly as Twilio signs it (RequestValidator over the URL and form) with the
deployment's sandbox token, derived from the JWT secret in the data dir, and the local cloud verifies it
through the same code path as a real Twilio request.
"""
from __future__ import annotations

import argparse
import json
import secrets
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from leadpilot.messages.signatures import TWILIO_HEADER, twilio_signature
from leadpilot.sms.config import SANDBOX_ACCOUNT, sandbox_token


def token_from(data_dir: Path) -> str:
    """The sandbox token of the local cloud that keeps its secrets in `data_dir`."""
    path = data_dir / "secrets.json"
    if not path.exists():
        raise SystemExit(f"no {path}: start the local cloud first (make dev), or pass --data-dir")
    return sandbox_token(json.loads(path.read_text())["JwtSecret"])


def post_signed(url: str, form: dict[str, str], token: str, signed_url: str | None = None) -> tuple[int, str]:
    """POST a Twilio-style form with its X-Twilio-Signature; returns (status, body)."""
    signature = twilio_signature(token, signed_url or url, form)
    request = urllib.request.Request(url, data=urlencode(form).encode(), method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded",
                                              TWILIO_HEADER: signature})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except urllib.error.URLError as error:  # nothing listening: one line, not a traceback
        raise SystemExit(f"cannot reach {url}: {error.reason} (is the local cloud running? make dev)") from error


def inbound_form(sender: str, to: str, body: str, sid: str | None = None) -> dict[str, str]:
    sid = sid or "SM" + secrets.token_hex(16)
    return {"MessageSid": sid, "SmsSid": sid, "AccountSid": SANDBOX_ACCOUNT, "From": sender, "To": to, "Body": body,
            "NumMedia": "0", "NumSegments": "1", "SmsStatus": "received", "ApiVersion": "2010-04-01"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.local.sms", description=__doc__.split("\n\n")[0])
    parser.add_argument("--api", default="http://127.0.0.1:3000", help="the local cloud's gateway")
    parser.add_argument("--data-dir", type=Path, default=Path(".leadpilot"), help="where the local cloud keeps secrets")
    parser.add_argument("--public-base-url", help="sign for this base instead of --api (when PUBLIC_BASE_URL is set)")
    commands = parser.add_subparsers(dest="command", required=True)
    inbound = commands.add_parser("inbound", help="a text from a phone to one of the workspace's numbers")
    inbound.add_argument("--from", dest="sender", required=True)
    inbound.add_argument("--to", required=True)
    inbound.add_argument("--body", required=True)
    inbound.add_argument("--sid", help="reuse a MessageSid (to see the duplicate ignored)")
    status = commands.add_parser("status", help="a delivery receipt for a text (its provider_sid)")
    status.add_argument("--sid", required=True)
    status.add_argument("--status", required=True, choices=["queued", "sending", "sent", "delivered", "undelivered",
                                                             "failed"])
    status.add_argument("--error-code")
    args = parser.parse_args(argv)
    token = token_from(args.data_dir)
    if args.command == "inbound":
        path, form = "/webhooks/twilio/sms", inbound_form(args.sender, args.to, args.body, args.sid)
    else:
        path = "/webhooks/twilio/status"
        form = {"MessageSid": args.sid, "SmsSid": args.sid, "MessageStatus": args.status, "SmsStatus": args.status,
                "AccountSid": SANDBOX_ACCOUNT, "ApiVersion": "2010-04-01"}
        if args.error_code:
            form["ErrorCode"] = args.error_code
    base = args.api.rstrip("/")
    code, body = post_signed(base + path, form, token,
                             (args.public_base_url.rstrip("/") + path) if args.public_base_url else None)
    print(f"{code} {body}")
    return 0 if code < 400 else 1


if __name__ == "__main__":
    sys.exit(main())
