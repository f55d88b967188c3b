"""Webhook signatures and response mapping paths (no network, no AWS)."""
from __future__ import annotations

import hashlib
import hmac

from leadpilot.automation_runtime.webhooks import extract, sign, verify


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    header = sign("whsec_x", 1700000000, b'{"a":1}')
    expected = hmac.new(b"whsec_x", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


def test_verify_accepts_a_recent_signature_and_refuses_tampering_or_replay() -> None:
    header = sign("whsec_x", 1700000000, b"body")
    assert verify("whsec_x", header, b"body", now=1700000100)
    assert not verify("whsec_x", header, b"body!", now=1700000100)
    assert not verify("whsec_y", header, b"body", now=1700000100)
    assert not verify("whsec_x", header, b"body", now=1700000000 + 301)
    assert not verify("whsec_x", "garbage", b"body", now=1700000000)


def test_extract_follows_keys_and_indexes() -> None:
    doc = {"a": {"b": [{"c": 1}, {"c": 2}]}, "n": None}
    assert extract(doc, "$.a.b[1].c") == 2
    assert extract(doc, "$") == doc
    assert extract(doc, "$.a.x.c") is None and extract(doc, "$.a.b[5]") is None and extract(doc, "$.n.x") is None
