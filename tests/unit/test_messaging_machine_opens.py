"""Machine opens and clicks: privacy proxies, security scanners, prefetch timing, HEAD probes and click bursts."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from leadpilot.email.machine_opens import TrackingHit, classify

DELIVERED = datetime(2030, 5, 6, 14, 0, tzinfo=UTC)
LATER = DELIVERED + timedelta(minutes=42)

IPHONE_MAIL = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
               "Mobile/15E148")
OUTLOOK_DESKTOP = "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)"
CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 "
          "Safari/537.36")
ANDROID_SPANISH = ("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
                   "Chrome/124.0.6367.82 Mobile Safari/537.36")


def _open(user_agent: str | None, at: datetime = LATER, method: str = "GET") -> TrackingHit:
    return TrackingHit("open", at, user_agent, method, DELIVERED)


@pytest.mark.parametrize(("user_agent", "reason"), [
    ("Mozilla/5.0", "apple_mail_privacy_protection"),
    ("Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
     "google_image_proxy"),
    ("YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html", "yahoo_mail_proxy"),
    ("Barracuda Sentinel (EE)", "security_scanner"),
    ("Mozilla/5.0 (compatible; Mimecast-Url-Protect/1.0)", "security_scanner"),
    ("Proofpoint URL Defense", "security_scanner"),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36",
     "security_scanner"),
    ("python-requests/2.31.0", "security_scanner"),
    ("curl/8.5.0", "security_scanner"),
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "security_scanner"),
    ("", "empty_user_agent"),
    (None, "empty_user_agent"),
])
def test_proxies_scanners_and_bots_are_machines(user_agent: str | None, reason: str) -> None:
    # Given an open long after delivery from a known machine user agent; Then machine, with the reason
    verdict = classify(_open(user_agent))
    assert verdict.machine and verdict.reason == reason


@pytest.mark.parametrize("user_agent", [IPHONE_MAIL, OUTLOOK_DESKTOP, CHROME, ANDROID_SPANISH,
                                        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
                                        "(KHTML, like Gecko)"])
def test_people_reading_in_their_clients_are_human(user_agent: str) -> None:
    verdict = classify(_open(user_agent))
    assert not verdict.machine and verdict.reason is None


def test_a_fetch_within_seconds_of_delivery_is_a_scanner_even_with_a_browser_agent() -> None:
    assert classify(_open(CHROME, at=DELIVERED + timedelta(seconds=2))).reason == "too_soon_after_delivery"
    assert not classify(_open(CHROME, at=DELIVERED + timedelta(seconds=6))).machine


def test_a_head_request_is_a_machine() -> None:
    assert classify(_open(CHROME, method="HEAD")).reason == "head_request"


def test_several_links_clicked_within_a_second_are_a_scanner() -> None:
    # Given three different links of one message followed within 400 ms
    clicks = [TrackingHit("click", LATER + timedelta(milliseconds=ms), CHROME, "GET", DELIVERED,
                          f"https://clinica-sol.es/{n}") for n, ms in enumerate((0, 150, 400))]
    # Then the last one is a burst
    assert classify(clicks[2], clicks[:2]).reason == "burst_of_clicks"


def test_a_person_clicking_two_links_a_minute_apart_or_one_link_twice_is_human() -> None:
    first = TrackingHit("click", LATER, IPHONE_MAIL, "GET", DELIVERED, "https://clinica-sol.es/a")
    second = TrackingHit("click", LATER + timedelta(seconds=60), IPHONE_MAIL, "GET", DELIVERED,
                         "https://clinica-sol.es/b")
    double = TrackingHit("click", LATER + timedelta(milliseconds=200), IPHONE_MAIL, "GET", DELIVERED,
                         "https://clinica-sol.es/a")
    assert not classify(second, [first]).machine
    assert not classify(double, [first]).machine
