"""A local HTTP server for tests of real clients: it records every request and answers from a script."""
from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# A reply: (status, headers, body bytes); a script turns the recorded request into one.
Reply = tuple[int, dict[str, str], bytes]


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Stub:
    url: str
    requests: list[Recorded] = field(default_factory=list)


@contextmanager
def http_stub(script: Callable[[Recorded, int], Reply]) -> Iterator[Stub]:
    """Serve on 127.0.0.1 (a free port) until the block ends; script(request, index) answers each request."""
    stub = Stub(url="")

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = Recorded(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                               self.rfile.read(length) if length else b"")
            stub.requests.append(request)
            status, headers, body = script(request, len(stub.requests) - 1)
            self.send_response(status)
            for key, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()


def chat_completion(content: dict[str, Any] | str, model: str = "gpt-4o-mini") -> Reply:
    """An OpenAI chat.completion answer whose message content is `content` (JSON-encoded when a dict)."""
    text = content if isinstance(content, str) else json.dumps(content)
    body = {"id": "chatcmpl-stub", "object": "chat.completion", "created": 1763770000, "model": model,
            "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                         "message": {"role": "assistant", "content": text, "refusal": None}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}}
    return 200, {}, json.dumps(body).encode()
