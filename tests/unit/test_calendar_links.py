"""Signed booking links and where the booker's pages are served."""
from __future__ import annotations

import dataclasses

import pytest

from leadpilot.calendar.links import app_base, sign, verify
from leadpilot.errors import NotFound
from leadpilot.settings import load_settings

SECRET = "a-secret-of-at-least-thirty-two-characters"
WS, APPT = "01M80A45J90JMESM0AR82N1PFF", "01M80A46AE3NAJSG3E822B9799"


def test_a_link_names_its_appointment_and_version_and_any_change_is_refused() -> None:
    # Given a link for version 3 of an appointment
    token = sign(SECRET, WS, APPT, 3)
    # Then it reads back; a changed character, another secret or garbage is the same 404
    assert verify(SECRET, token) == (WS, APPT, 3)
    body, mac = token.split("~")
    changed = f"{body}~{mac[:-1]}{'A' if mac[-1] != 'A' else 'B'}"
    other = sign("another-secret-of-thirty-two-chars!!", WS, APPT, 3)
    for forged in (changed, other, "x~y", "", "~" * 300):
        with pytest.raises(NotFound):
            verify(SECRET, forged)


def test_pages_are_on_the_local_cloud_itself_else_on_the_dashboard_origin() -> None:
    # Given a deployment's settings with a dashboard origin
    settings = load_settings({"LEADPILOT_JWT_SECRET": SECRET, "IDENTITY_TABLE": "i", "CRM_TABLE": "c",
                              "EVENT_BUS_NAME": "b", "DASHBOARD_ORIGIN": "https://app.example.com"})
    # Then links go to the dashboard; on the local cloud (dev tools) or without a dashboard, to the API's base
    assert app_base(settings, "https://api.example.com/Prod") == "https://app.example.com"
    assert app_base(dataclasses.replace(settings, dev_tools=True), "http://127.0.0.1:3101/") == "http://127.0.0.1:3101"
    assert app_base(dataclasses.replace(settings, dashboard_origin=""), "https://api.example.com/Prod") == (
        "https://api.example.com/Prod")
