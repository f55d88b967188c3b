"""A local stand-in for Twilio's Messages API (create and list), so the real `twilio` client runs in tests."""
from __future__ import annotations

import base64
import json
import secrets
import threading
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

INVALID_NUMBER = "+15005550001"  # as with Twilio's test credentials: "not a valid phone number"


class TwilioStub:
    """Serves POST/GET /2010-04-01/Accounts/<sid>/Messages.json on 127.0.0.1; records every request."""

    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid, self.auth_token = account_sid, auth_token
        self.accounts = {account_sid: auth_token}  # every account it serves (`also`); messages name theirs
        self.messages: list[dict[str, Any]] = []
        self.creates: list[dict[str, str]] = []
        self.fail_next_create_with: int | None = None
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _account(self) -> str:
                parts = urlsplit(self.path).path.split("/")
                return parts[3] if len(parts) > 3 and parts[2] == "Accounts" else ""

            def _authorized(self) -> bool:
                account = self._account()
                expected = base64.b64encode(f"{account}:{stub.accounts.get(account)}".encode()).decode()
                return account in stub.accounts and self.headers.get("Authorization") == f"Basic {expected}"

            def do_POST(self) -> None:
                if not self._authorized():
                    return self._reply(401, {"code": 20003, "message": "Authenticate", "status": 401})
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode(),
                                                     keep_blank_values=True).items()}
                stub.creates.append(form)
                if stub.fail_next_create_with is not None:
                    status, stub.fail_next_create_with = stub.fail_next_create_with, None
                    return self._reply(status, {"code": 20500, "message": "Internal Server Error", "status": status})
                if form.get("To") == INVALID_NUMBER:
                    return self._reply(400, {"code": 21211, "message": "The 'To' number is not a valid phone number.",
                                             "status": 400})
                message = {"sid": "SM" + secrets.token_hex(16), "account_sid": self._account(), "to": form["To"],
                           "from": form.get("From"), "body": form["Body"], "status": "queued",
                           "date_created": format_datetime(datetime.now(UTC)), "num_segments": "1",
                           "status_callback": form.get("StatusCallback")}
                stub.messages.append(message)
                self._reply(201, message)

            def do_GET(self) -> None:
                if not self._authorized():
                    return self._reply(401, {"code": 20003, "message": "Authenticate", "status": 401})
                query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                found = [m for m in reversed(stub.messages)
                         if m["to"] == query.get("To", m["to"]) and m["from"] == query.get("From", m["from"])]
                self._reply(200, {"messages": found, "next_page_uri": None, "page": 0, "page_size": 50,
                                  "uri": urlsplit(self.path).path})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def also(self, account_sid: str, auth_token: str) -> None:
        """Serve another account too (the platform's beside a workspace's own)."""
        self.accounts[account_sid] = auth_token

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> TwilioStub:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
