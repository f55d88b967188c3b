"""Platform administration rules without AWS: feature-flag changes and default-plan overrides."""
from __future__ import annotations

import pytest

from leadpilot.errors import ValidationFailed
from leadpilot.platform.flags import MAX_FLAGS, applied
from leadpilot.platform.settings import merged_plans
from leadpilot.usage.plans import PLANS


def test_flag_changes_set_clear_and_name_the_bad_field() -> None:
    # Given flags already set
    current = {"ai_voice": True, "beta.inbox": True}
    # When one is turned off, one cleared and one added
    after = applied(current, {"ai_voice": False, "beta.inbox": None, "new-thing_2": True})
    # Then the result says so and the input is unchanged
    assert after == {"ai_voice": False, "new-thing_2": True} and current["beta.inbox"] is True
    # And a name that is not lower-case words, or one flag too many, is a 422 naming it
    for changes, field in (({"Beta": True}, "flags/Beta"), ({"": True}, "flags/"), ({"a b": True}, "flags/a b"),
                           ({f"f{n}": True for n in range(MAX_FLAGS + 1)}, "flags")):
        with pytest.raises(ValidationFailed) as refused:
            applied({}, changes)
        assert refused.value.details["errors"][0]["field"] == field


def test_plan_overrides_change_only_what_they_name() -> None:
    # When the starter plan's daily emails and the scale plan's monthly texts are overridden
    plans = merged_plans({"starter": {"emails": {"day": 50}}, "scale": {"sms_segments": {"month": None}}})
    # Then those periods change and everything else stays the default
    assert plans["starter"]["emails"] == {"day": 50, "month": PLANS["starter"]["emails"]["month"]}
    assert plans["scale"]["sms_segments"] == {"day": None, "month": None}
    assert plans["growth"] == PLANS["growth"] and PLANS["starter"]["emails"]["day"] == 2_000
