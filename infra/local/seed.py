"""Demo data, created through the HTTP gateway exactly as a user would create it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

DEMO_EMAIL = "owner@demo.leadpilot.test"
DEMO_PASSWORD = "demo-password-2026"
DEMO_SIGNUP = {
    "workspace_name": "Demo Agency",
    "email": DEMO_EMAIL,
    "password": DEMO_PASSWORD,
    "name": "Demo Owner",
    "timezone": "America/New_York",
    "default_region": "US",
}
DEMO_CONTACTS = [
    {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "phone": "+1 415 555 0101",
        "company": "Analytical Engines",
        "source": "seed",
        "tags": ["vip"],
    },
    {
        "first_name": "Grace",
        "last_name": "Hopper",
        "email": "grace@example.com",
        "phone": "+1 415 555 0102",
        "company": "Compilers Inc",
        "source": "seed",
        "tags": ["lead"],
    },
    {
        "first_name": "Alan",
        "last_name": "Turing",
        "email": "alan@example.com",
        "phone": "+1 415 555 0103",
        "company": "Bletchley Consulting",
        "source": "seed",
        "tags": [],
    },
]


@dataclass
class SeedResult:
    """What seeding did: whether the workspace was new, a token for it, and any errors."""

    created: bool = False
    access_token: str | None = None
    contacts: int = 0
    errors: list[str] = field(default_factory=list)


def call(
    api_url: str, method: str, path: str, body: Any = None, token: str | None = None, timeout: float = 30.0
) -> tuple[int, Any]:
    """One JSON request to the API; returns (status, decoded body or text)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(api_url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode("utf-8", "replace")


def seed(api_url: str, existing: bool = False) -> SeedResult:
    """Sign up the demo workspace (201 new, 409 existing) and add demo contacts when new.

    With `existing` data the demo owner most likely exists: log in first, so that the log shows no 409.
    """
    result = SeedResult()
    try:
        if existing:
            status, body = call(api_url, "POST", "/auth/login", {"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
            if status == 200:
                result.access_token = body.get("access_token")
                return result
        status, body = call(api_url, "POST", "/auth/signup", DEMO_SIGNUP)
        if status == 201:
            result.created = True
            result.access_token = body.get("access_token")
        elif status == 409:
            status, body = call(api_url, "POST", "/auth/login", {"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
            if status == 200:
                result.access_token = body.get("access_token")
            else:
                result.errors.append(f"POST /auth/login -> {status}: {body}")
        else:
            result.errors.append(f"POST /auth/signup -> {status}: {body}")
        if result.created and result.access_token:
            for contact in DEMO_CONTACTS:
                status, body = call(api_url, "POST", "/contacts", contact, result.access_token)
                if status == 201:
                    result.contacts += 1
                else:
                    result.errors.append(f"POST /contacts -> {status}: {body}")
    except (OSError, AttributeError) as error:  # unreachable API or an unexpected body shape
        result.errors.append(f"seeding failed: {error!r}")
    return result
