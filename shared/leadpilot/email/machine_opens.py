"""Tell machine opens and clicks (privacy proxies, link scanners, prefetchers) from people's.

Heuristics, first match wins, each with a stable reason code:

* `head_request` — a HEAD fetch never comes from a person's mail client; scanners use it to probe links.
* `empty_user_agent` — mail clients and browsers always send one.
* `apple_mail_privacy_protection` — Apple's MPP prefetches every remote image on delivery, whether or not
  the message is read, with the bare user agent `Mozilla/5.0`.
* `google_image_proxy`, `yahoo_mail_proxy` — the provider fetches images through its proxy and caches them,
  so the hit hides the device and repeats nothing; counted as machine (the opens product decision, ADR 0007).
* `security_scanner` — link-protection and gateway scanners (Barracuda, Mimecast, Proofpoint URL Defense,
  Microsoft Safe Links/Defender, Symantec/MessageLabs, Cisco IronPort, Trend Micro, Sophos, Forcepoint, Zscaler)
  and generic automation (bots, crawlers, headless browsers, HTTP libraries).
* `too_soon_after_delivery` — within DELIVERY_GRACE_SECONDS of delivery nobody has read the message yet;
  gateways scan at delivery.
* `burst_of_clicks` — BURST_LINKS or more distinct links of one message within BURST_WINDOW_SECONDS:
  a scanner following every link, not a person.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

DELIVERY_GRACE_SECONDS = 5
BURST_WINDOW_SECONDS = 1.0
BURST_LINKS = 2  # this click plus at least one other distinct link inside the window

_PROXIES = (
    ("googleimageproxy", "google_image_proxy"),
    ("ggpht.com", "google_image_proxy"),
    ("yahoomailproxy", "yahoo_mail_proxy"),
)
_SCANNER_TOKENS = (
    "barracuda", "mimecast", "proofpoint", "urldefense", "safelinks", "defender", "symantec", "messagelabs",
    "ironport", "trendmicro", "trend micro", "sophos", "forcepoint", "zscaler", "fortiguard", "checkpoint",
    "bot", "crawler", "spider", "headlesschrome", "phantomjs", "python-requests", "python-urllib", "aiohttp",
    "httpx", "curl/", "wget/", "go-http-client", "java/", "libwww-perl",
)
APPLE_MPP_USER_AGENT = "Mozilla/5.0"


@dataclass(frozen=True)
class TrackingHit:
    """One fetch of an open pixel or a click link."""

    kind: Literal["open", "click"]
    at: datetime
    user_agent: str | None
    method: str = "GET"
    delivered_at: datetime | None = None
    url: str | None = None


@dataclass(frozen=True)
class Verdict:
    """Whether a hit came from a machine, and the heuristic that said so (None for a person)."""

    machine: bool
    reason: str | None = None


HUMAN = Verdict(False)


def user_agent_reason(user_agent: str | None) -> str | None:
    """The machine reason a user agent alone gives, or None if it looks like a person's client."""
    agent = (user_agent or "").strip()
    if not agent:
        return "empty_user_agent"
    if agent == APPLE_MPP_USER_AGENT:
        return "apple_mail_privacy_protection"
    lowered = agent.lower()
    for token, reason in _PROXIES:
        if token in lowered:
            return reason
    # "bot" catches Googlebot, bingbot and friends; it would also catch a "CUBOT" phone model, which only costs
    # one human open in the stats. okhttp is left out on purpose: Android mail apps load images with it.
    if any(token in lowered for token in _SCANNER_TOKENS):
        return "security_scanner"
    return None


def _burst(hit: TrackingHit, recent_clicks: Sequence[TrackingHit]) -> bool:
    window = timedelta(seconds=BURST_WINDOW_SECONDS)
    links = {hit.url} | {c.url for c in recent_clicks if c.kind == "click" and abs(c.at - hit.at) <= window}
    return len(links - {None}) >= BURST_LINKS


def classify(hit: TrackingHit, recent_clicks: Sequence[TrackingHit] = ()) -> Verdict:
    """Machine or human for one hit; `recent_clicks` are the message's other clicks around the same time."""
    if hit.method.upper() == "HEAD":
        return Verdict(True, "head_request")
    reason = user_agent_reason(hit.user_agent)
    if reason:
        return Verdict(True, reason)
    if hit.delivered_at is not None and hit.at - hit.delivered_at < timedelta(seconds=DELIVERY_GRACE_SECONDS):
        return Verdict(True, "too_soon_after_delivery")
    if hit.kind == "click" and _burst(hit, recent_clicks):
        return Verdict(True, "burst_of_clicks")
    return HUMAN
