"""SMS compliance: opt-out/opt-in/HELP keywords, the first-message footer and quiet hours."""
from __future__ import annotations

import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from leadpilot.errors import ValidationFailed

Intent = Literal["opt_out", "opt_in", "help"]

# Twilio's default keywords for long codes (Advanced Opt-Out off): the words it filters itself, so ours must agree.
OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"})
OPT_IN_WORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})
# Twilio's Advanced Opt-Out adds an OptOutType form field (STOP, START or HELP) once it has matched a keyword.
_OPT_OUT_TYPES: dict[str, Intent] = {"STOP": "opt_out", "START": "opt_in", "HELP": "help"}


@dataclass(frozen=True)
class Keyword:
    """What an inbound SMS asks for, and the word that said so."""

    intent: Intent
    word: str


def keyword_of(body: str) -> str:
    """The message as a carrier compares it to keywords: NFKC, upper case, no surrounding spaces or punctuation."""
    text = unicodedata.normalize("NFKC", body).upper()
    start, end = 0, len(text)
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return text[start:end]


def classify_inbound(body: str, opt_out_type: str | None = None) -> Keyword | None:
    """The compliance intent of an inbound SMS (the whole message must be the keyword), or None for a message."""
    if opt_out_type and opt_out_type.strip().upper() in _OPT_OUT_TYPES:
        return Keyword(_OPT_OUT_TYPES[opt_out_type.strip().upper()], keyword_of(body) or opt_out_type.upper())
    word = keyword_of(body)
    for words, intent in ((OPT_OUT_WORDS, "opt_out"), (OPT_IN_WORDS, "opt_in"), (HELP_WORDS, "help")):
        if word in words:
            return Keyword(intent, word)  # type: ignore[arg-type]
    return None


def help_reply(business_name: str, contact_hint: str | None = None) -> str:
    """The reply to HELP (GSM-7 only, so it stays one cheap segment for a short business name)."""
    where = f" or {contact_hint}" if contact_hint else ""
    return (f"{business_name.strip()}: for help, reply to this message{where}. "
            "Msg & data rates may apply. Reply STOP to opt out.")


def opt_out_reply(business_name: str) -> str:
    """The confirmation sent once after an opt-out (carriers allow exactly one)."""
    return f"{business_name.strip()}: you are unsubscribed and will get no more messages. Reply START to resubscribe."


def opt_in_reply(business_name: str) -> str:
    """The confirmation sent after an opt-in."""
    return f"{business_name.strip()}: you are subscribed again. Reply STOP to opt out, HELP for help."


def first_message_footer(business_name: str) -> str:
    """The text appended to the first message to a contact: who is writing and how to stop (plain GSM-7)."""
    return f"\n\n- {business_name.strip()}. Reply STOP to opt out."


def _zone(name: str | None) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name and name == name.strip() and ".." not in name else None
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def send_zone(contact_timezone: str | None, workspace_timezone: str | None) -> ZoneInfo:
    """The contact's zone, else the workspace's, else UTC: a bad zone on a contact must not block its messages."""
    return _zone(contact_timezone) or _zone(workspace_timezone) or ZoneInfo("UTC")


def _windows(day: date, tz: ZoneInfo, start: time, end: time) -> tuple[datetime, datetime]:
    """One day's window as UTC instants; a window ending before (or where) it starts runs past midnight."""
    # Wall times in a DST gap resolve forward (fold=0 uses the old offset), ambiguous ones to the first occurrence.
    opens = datetime.combine(day, start, tzinfo=tz).astimezone(UTC)
    closes_day = day + timedelta(days=1) if end <= start else day
    closes = datetime.combine(closes_day, end, tzinfo=tz).astimezone(UTC)
    return opens, closes


def next_allowed_send(now_utc: datetime, contact_timezone: str | None, window_start: time, window_end: time,
                      allowed_weekdays: Collection[int], workspace_timezone: str | None = None) -> datetime:
    """`now_utc` when inside the contact's send window, else the next window start (UTC); weekdays 0=Mon..6=Sun.

    A message is deferred, never dropped: some window always opens within the next eight days.
    """
    if now_utc.tzinfo is None:
        raise ValueError("now_utc must be timezone-aware")
    days = {d for d in allowed_weekdays if 0 <= d <= 6}
    if not days:
        raise ValidationFailed.field("allowed_weekdays", "must name at least one weekday (0=Monday .. 6=Sunday)")
    now = now_utc.astimezone(UTC)
    tz = send_zone(contact_timezone, workspace_timezone)
    today = now.astimezone(tz).date()
    upcoming: list[datetime] = []
    for offset in range(-1, 9):  # yesterday's window may run past midnight into today
        day = today + timedelta(days=offset)
        if day.weekday() not in days:
            continue
        opens, closes = _windows(day, tz, window_start, window_end)
        if opens <= now < closes:
            return now
        if opens > now:
            upcoming.append(opens)
    return min(upcoming)
