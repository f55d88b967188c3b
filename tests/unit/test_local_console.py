"""What a person sees of the local cloud: the port check, readable log lines, one-line helper errors."""

from __future__ import annotations

import logging
import socket

import pytest

from infra.local import port_check
from infra.local.logs import ReadableFormatter
from leadpilot.identity import platform


def test_a_taken_port_is_one_line_naming_make_dev_with_a_free_port(capsys: pytest.CaptureFixture[str]) -> None:
    # Given a port something listens on
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # When make dev's check runs on it
        status = port_check.main([str(port)])
    # Then it fails with one line that says which make dev to run instead
    err = capsys.readouterr().err
    assert status == 1 and err.count("\n") == 1
    assert f"port {port} on 127.0.0.1 is in use" in err and "make dev PORT=" in err
    suggested = int(err.rsplit("PORT=", 1)[1].split()[0])
    assert suggested > port and port_check.is_free("127.0.0.1", suggested)


def test_a_free_port_passes_silently(capsys: pytest.CaptureFixture[str]) -> None:
    # Given a port nothing listens on / When it is checked / Then the check passes and says nothing
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert port_check.main([str(port)]) == 0 and capsys.readouterr().err == ""


def test_log_records_read_as_one_line_with_their_fields() -> None:
    # Given a record logged with extra fields, as the functions log a text sent
    record = logging.LogRecord("leadpilot", logging.INFO, __file__, 1, "sms sent", (), None)
    record.message_id, record.provider_sid, record.unset = "01ABC", "SM1", None
    # When it is formatted for the console
    line = ReadableFormatter().format(record)
    # Then it is one line: level, logger, message and each field that has a value
    assert "\n" not in line
    assert line.endswith("INFO    leadpilot: sms sent message_id=01ABC provider_sid=SM1")


def test_granting_an_admin_without_settings_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    # Given none of the functions' settings
    monkeypatch.delenv("LEADPILOT_JWT_SECRET", raising=False)
    platform.get_settings.cache_clear()
    # When the platform command runs
    try:
        status = platform.main(["grant-admin", "someone@example.com"])
    finally:
        platform.get_settings.cache_clear()
    # Then it fails with one line naming the missing setting, no traceback
    err = capsys.readouterr().err
    assert status == 1 and err == "grant-admin: environment variable LEADPILOT_JWT_SECRET is required\n"
