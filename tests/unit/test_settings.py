"""Settings read from the environment: the dev tools switch."""
from __future__ import annotations

import pytest

from leadpilot.errors import ConfigurationError
from leadpilot.settings import load_settings

BASE = {"LEADPILOT_JWT_SECRET": "s" * 40, "IDENTITY_TABLE": "i", "CRM_TABLE": "c", "EVENT_BUS_NAME": "b"}


def test_dev_tools_are_off_unless_turned_on() -> None:
    # Given environments without the switch, with it off, and with it on
    # When settings are loaded
    # Then only "on" turns the dev tools on
    assert load_settings(BASE).dev_tools is False
    assert load_settings({**BASE, "LEADPILOT_DEV_TOOLS": "off"}).dev_tools is False
    assert load_settings({**BASE, "LEADPILOT_DEV_TOOLS": "on"}).dev_tools is True


def test_a_misspelt_dev_tools_switch_fails_loudly() -> None:
    # Given a value that is neither on nor off
    # When settings are loaded
    # Then the error names the variable instead of guessing
    with pytest.raises(ConfigurationError, match="LEADPILOT_DEV_TOOLS"):
        load_settings({**BASE, "LEADPILOT_DEV_TOOLS": "yes"})
