"""The vault's pure parts: the signed state, sealing with the local key, configuration, status functions."""
from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag

from leadpilot.errors import ConfigurationError
from leadpilot.integrations import catalogue
from leadpilot.integrations.config import load_vault_config
from leadpilot.integrations.crypto import LocalCipher
from leadpilot.integrations.state import InvalidState, State, challenge, sign_state, verify_state

SECRET = "unit-secret-0123456789abcdef0123456789"
STATE = State("01M80A45J90JMESM0AR82N1PFF", "01M80A45J90JMESM0AR82N1PFG", "google", "nonce", 2_000_000_000)


def test_a_state_verifies_only_unaltered_unexpired_and_signed_by_this_deployment() -> None:
    # Given a signed state
    token = sign_state(SECRET, STATE)
    # Then it verifies before its expiry, and carries what was signed
    assert verify_state(SECRET, token, 1_999_999_999) == STATE
    payload, signature = token.split(".")
    # And an altered payload, a missing or foreign signature, or an expired one is refused
    for bad, now in ((payload[:-1] + ("A" if payload[-1] != "A" else "B") + "." + signature, 0), (payload, 0),
                     (sign_state("another-secret-0123456789abcdef01234567", STATE), 0), (token, 2_000_000_001),
                     ("é.ü", 0)):
        with pytest.raises(InvalidState) as refused:
            verify_state(SECRET, bad, now)
        assert refused.value.details == {"field": "state"} and refused.value.status == 400


def test_the_pkce_challenge_is_rfc_7636_s256() -> None:
    # The RFC's own example (appendix B)
    assert challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_sealed_values_open_only_in_their_context_and_the_key_file_is_private(tmp_path: Path) -> None:
    # Given a local cipher (its key file created on first use)
    key = tmp_path / "vault.key"
    sealed = LocalCipher(key).seal("ya29.secret-token", "WS1/oauth/google/U1/access")
    # Then the key file is readable by its owner only, and another cipher on the same file opens the value
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert "secret-token" not in sealed
    assert LocalCipher(key).open(sealed, "WS1/oauth/google/U1/access") == "ya29.secret-token"
    # And the value does not open for another workspace (a copied item stays sealed)
    with pytest.raises(InvalidTag):
        LocalCipher(key).open(sealed, "WS2/oauth/google/U1/access")


def test_configuration_defaults_the_redirect_to_the_dashboard_and_refuses_an_unknown_key_spec() -> None:
    config = load_vault_config({"DASHBOARD_ORIGIN": "https://app.example.com", "VAULT_KEY": "kms:alias/x"})
    assert config.redirect_url == "https://app.example.com/app/integrations/callback"
    assert not config.google.configured
    with pytest.raises(ConfigurationError):
        load_vault_config({"VAULT_KEY": "plaintext"})


def reported(settings: Any, identity: Any) -> dict[str, Any]:
    return {"status": "needs_attention", "reason": "2 endpoints disabled"}


def test_a_status_function_is_found_by_name_and_a_missing_one_reads_as_none(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a status function named by module path, and one whose module does not exist (yet)
    monkeypatch.setattr(catalogue, "STATUS_FUNCTIONS", {"webhooks": "tests.unit.test_integrations:reported",
                                                        "zapier": "leadpilot.not_deployed:status"})
    monkeypatch.setattr(catalogue, "_hooks", {})
    # Then the first reports the status, and the second is absent
    function = catalogue.status_function("webhooks")
    assert function is not None and catalogue._reported(function, None, None).reason == "2 endpoints disabled"  # type: ignore[arg-type]
    assert catalogue.status_function("zapier") is None
