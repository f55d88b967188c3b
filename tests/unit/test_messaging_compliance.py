"""Compliance: opt-out/opt-in/HELP keywords as carriers match them, the footer, quiet hours across DST."""
from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from leadpilot.errors import ValidationFailed
from leadpilot.messages.segments import segment_info
from leadpilot.sms.compliance import (
    HELP_WORDS,
    OPT_IN_WORDS,
    OPT_OUT_WORDS,
    classify_inbound,
    first_message_footer,
    help_reply,
    next_allowed_send,
    opt_in_reply,
    opt_out_reply,
)

WEEKDAYS = range(0, 5)
EVERY_DAY = range(0, 7)
NINE, EIGHT_PM = time(9, 0), time(20, 0)


@pytest.mark.parametrize("body", ["STOP", "stop", " Stop ", "STOP.", "stop!!", "STOPALL", "unsubscribe", "Cancel",
                                  "end", "QUIT", "\tStop\n", "\uff33\uff34\uff2f\uff30", "Stop 🛑", "OPTOUT",
                                  "optout", "Revoke", "revoke."])
def test_opt_out_words_are_recognised_whatever_the_case_spacing_or_punctuation(body: str) -> None:
    keyword = classify_inbound(body)
    assert keyword is not None and keyword.intent == "opt_out"


def test_the_keywords_are_twilio_s_default_lists() -> None:
    # Twilio filters these itself on long codes: a word it treats as an opt-out must opt out here too
    assert {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"} == OPT_OUT_WORDS
    assert {"START", "YES", "UNSTOP"} == OPT_IN_WORDS
    assert {"HELP", "INFO"} == HELP_WORDS
    assert all(classify_inbound(word).intent == "opt_out" for word in OPT_OUT_WORDS)  # type: ignore[union-attr]


@pytest.mark.parametrize("body", ["please don't stop", "Stop by at 5?", "I want to cancel my appointment",
                                  "The END", "st op", "STOP STOP", "", "stopped", "Yes please", "helpful",
                                  "opt out", "revoked", "Please revoke my order"])
def test_a_keyword_inside_a_longer_message_is_just_a_message(body: str) -> None:
    assert classify_inbound(body) is None


@pytest.mark.parametrize(("body", "intent"), [("START", "opt_in"), ("yes", "opt_in"), ("Unstop", "opt_in"),
                                              ("HELP", "help"), ("help?", "help"), ("info", "help")])
def test_opt_in_and_help_words(body: str, intent: str) -> None:
    keyword = classify_inbound(body)
    assert keyword is not None and keyword.intent == intent


def test_twilio_opt_out_type_takes_precedence_over_the_body() -> None:
    # Given Twilio's Advanced Opt-Out matched a custom keyword the body alone would not
    keyword = classify_inbound("ARRÊTER", opt_out_type="STOP")
    assert keyword is not None and (keyword.intent, keyword.word) == ("opt_out", "ARRÊTER")
    # And it wins even over a body that reads as another keyword
    assert classify_inbound("HELP", opt_out_type="START").intent == "opt_in"  # type: ignore[union-attr]
    # And an unknown or empty OptOutType falls back to the body
    assert classify_inbound("stop", opt_out_type="").intent == "opt_out"  # type: ignore[union-attr]
    assert classify_inbound("hello", opt_out_type="OTHER") is None


def test_replies_carry_the_business_name_and_stay_gsm7() -> None:
    for text in (help_reply("Acme Dental"), opt_out_reply("Acme Dental"), opt_in_reply("Acme Dental"),
                 first_message_footer("Acme Dental")):
        assert "Acme Dental" in text
        assert segment_info(text).encoding == "GSM-7"
    assert "STOP" in help_reply("Acme") and "STOP" in first_message_footer("Acme")
    assert "support@acme.test" in help_reply("Acme", "email support@acme.test")


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_inside_the_window_the_send_is_now() -> None:
    # Given 10:00 in New York on a Wednesday (15:00 UTC in winter)
    now = _utc(2030, 1, 16, 15, 0)
    assert next_allowed_send(now, "America/New_York", NINE, EIGHT_PM, WEEKDAYS) == now


def test_after_hours_the_send_waits_for_the_next_morning_in_the_contact_zone() -> None:
    # Given 21:30 New York time on a Wednesday in winter (02:30 UTC Thursday)
    when = next_allowed_send(_utc(2030, 1, 17, 2, 30), "America/New_York", NINE, EIGHT_PM, WEEKDAYS)
    # Then Thursday 09:00 EST
    assert when == _utc(2030, 1, 17, 14, 0)


def test_friday_evening_waits_for_monday_when_weekends_are_excluded() -> None:
    when = next_allowed_send(_utc(2030, 1, 19, 2, 0), "America/New_York", NINE, EIGHT_PM, WEEKDAYS)
    assert when == _utc(2030, 1, 21, 14, 0)  # Monday 09:00 EST


def test_spring_forward_in_new_york_moves_the_utc_start_an_hour_earlier() -> None:
    # Given Saturday 9 March 2030 21:00 EST; DST starts Sunday 10 March at 02:00
    when = next_allowed_send(_utc(2030, 3, 10, 2, 0), "America/New_York", NINE, EIGHT_PM, EVERY_DAY)
    # Then Sunday 09:00 EDT = 13:00 UTC (not 14:00)
    assert when == _utc(2030, 3, 10, 13, 0)


def test_a_window_starting_in_the_dst_gap_opens_at_the_first_real_instant_after() -> None:
    # Given a window from 02:30, a wall time that does not exist on 10 March 2030 in New York
    when = next_allowed_send(_utc(2030, 3, 10, 5, 0), "America/New_York", time(2, 30), time(6, 0), EVERY_DAY)
    # Then 03:30 EDT (07:30 UTC), never skipped to the next day
    assert when == _utc(2030, 3, 10, 7, 30)


def test_fall_back_in_london_uses_gmt_after_the_change() -> None:
    # Given Saturday 26 October 2030 22:00 BST (21:00 UTC); clocks go back Sunday 27 October at 02:00
    when = next_allowed_send(_utc(2030, 10, 26, 21, 0), "Europe/London", NINE, EIGHT_PM, EVERY_DAY)
    # Then Sunday 09:00 GMT = 09:00 UTC
    assert when == _utc(2030, 10, 27, 9, 0)
    # And in summer the same wall time is 08:00 UTC
    assert next_allowed_send(_utc(2030, 7, 1, 5, 0), "Europe/London", NINE, EIGHT_PM, EVERY_DAY) == \
        _utc(2030, 7, 1, 8, 0)


def test_a_window_across_midnight_is_open_after_midnight() -> None:
    # Given a night-shift window 22:00-06:00 London and 01:00 on a Tuesday in winter
    now = _utc(2030, 1, 15, 1, 0)
    assert next_allowed_send(now, "Europe/London", time(22, 0), time(6, 0), [0]) == now  # Monday's window
    # And at 07:00 it waits for the evening
    assert next_allowed_send(_utc(2030, 1, 15, 7, 0), "Europe/London", time(22, 0), time(6, 0), EVERY_DAY) == \
        _utc(2030, 1, 15, 22, 0)


@pytest.mark.parametrize("contact_zone", [None, "", "Mars/Olympus", "../etc/passwd"])
def test_a_missing_or_bad_contact_zone_falls_back_to_the_workspace_zone(contact_zone: str | None) -> None:
    when = next_allowed_send(_utc(2030, 1, 16, 23, 0), contact_zone, NINE, EIGHT_PM, EVERY_DAY,
                             workspace_timezone="Europe/London")
    assert when == _utc(2030, 1, 17, 9, 0)


def test_no_weekday_allowed_is_refused_rather_than_dropping_messages() -> None:
    with pytest.raises(ValidationFailed) as exc:
        next_allowed_send(_utc(2030, 1, 16, 12), "UTC", NINE, EIGHT_PM, [])
    assert exc.value.details["errors"][0]["field"] == "allowed_weekdays"
    with pytest.raises(ValueError):
        next_allowed_send(datetime(2030, 1, 16, 12), "UTC", NINE, EIGHT_PM, EVERY_DAY)


def test_a_single_allowed_day_is_always_reached_within_a_week() -> None:
    # Given only Sundays allowed and a Sunday evening after the window
    when = next_allowed_send(_utc(2030, 1, 13, 21, 0), "UTC", NINE, EIGHT_PM, [6])
    assert when == _utc(2030, 1, 20, 9, 0)
