"""The API of a running local cloud over HTTP, with the get/post of tests.support.apps.Api, so one benchmark can
measure either in-process moto or the local cloud (`--url`)."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from tests.support.apps import Reply


class LocalApi:
    """JSON over HTTP to the local cloud's gateway (one kept-alive connection is not needed at these rates)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> Reply:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=120) as reply:
                status, text = reply.status, reply.read().decode()
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode()
        return Reply(status, json.loads(text) if text else None, text)

    def get(self, path: str, **kw: Any) -> Reply:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.call("POST", path, body, **kw)
