"""Webhook signatures and response mapping paths (no network, no AWS)."""
from __future__ import annotations

import hashlib
import hmac

import pytest

from leadpilot.automation.steps.webhooks import destination_problem, extract, sign, verify
from leadpilot.settings import get_destinations


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


def test_private_destinations_are_refused_unless_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the production default (no local receiver listed)
    monkeypatch.delenv("LEADPILOT_WEBHOOK_ALLOW", raising=False)
    get_destinations.cache_clear()
    try:
        # Then loopback, private, CGNAT, link-local (cloud metadata) and unspecified hosts are refused
        for url in ("http://127.0.0.1:8080/x", "http://10.1.2.3/x", "http://169.254.169.254/latest/meta-data",
                    "http://[::1]/x", "http://0.0.0.0/x", "http://192.168.1.1/", "http://100.64.0.1/",
                    "http://localhost:8080/x"):
            assert destination_problem(url), url
        assert destination_problem("https://93.184.215.14/hook") is None
        assert destination_problem("https:///nohost") == "the url has no host"
        assert "credentials" in str(destination_problem("https://u:p@93.184.215.14/"))
        # and a listed receiver is allowed on its port only
        monkeypatch.setenv("LEADPILOT_WEBHOOK_ALLOW", "127.0.0.1:8080")
        get_destinations.cache_clear()
        assert destination_problem("http://127.0.0.1:8080/x") is None
        assert destination_problem("http://127.0.0.1:8081/x")
    finally:
        monkeypatch.delenv("LEADPILOT_WEBHOOK_ALLOW", raising=False)
        get_destinations.cache_clear()
