"""Tracking and unsubscribe: signed pixel and click links, machine opens, RFC 8058 one-click unsubscribe."""
from __future__ import annotations

import html
import re
from typing import Any

from tests.integration.test_email_helpers import backdate, captured, contact, deliver, path_of, send, verified_sender
from tests.support.apps import Api

PERSON = {"User-Agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko)",
          "Accept": "image/webp,image/png,image/*;q=0.8,*/*;q=0.5"}


def _sent(cloud: Any, api: Api, owner: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    token = owner["access_token"]
    verified_sender(api, token)
    contact_id = contact(api, token)
    message_id = send(api, token, contact_id).body["id"]
    deliver(cloud)
    backdate(owner["workspace"]["id"], message_id)
    return contact_id, message_id, captured(api, token)[0]


def _links(mail: dict[str, Any]) -> tuple[str, str]:
    hrefs = [html.unescape(h) for h in re.findall(r'(?:href|src)="([^"]+)"', mail["html"])]
    click = next(h for h in hrefs if "/e/c/" in h)
    pixel = next(h for h in hrefs if "/e/o/" in h)
    return path_of(click), path_of(pixel)


def _timeline_types(api: Api, token: str, contact_id: str) -> list[str]:
    return [e["type"] for e in api.get(f"/contacts/{contact_id}/timeline", token=token).body["items"]]


def test_a_person_s_open_and_click_are_counted_once_and_recorded(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a sent email
    token = owner["access_token"]
    contact_id, message_id, mail = _sent(cloud, api, owner)
    click, pixel = _links(mail)
    # When a person opens it twice and clicks its link
    for _ in range(2):
        assert _raw_get(api, pixel)["status"] == "200"
    redirect = api.get(click, headers=PERSON)
    # Then the pixel is a GIF, the click redirects to the signed destination
    assert redirect.status == 302
    with_headers = _raw_get(api, click)
    assert with_headers["location"] == "https://acme.test/pricing"
    # And the message counts two opens, one click, and the timeline has one email.opened and one email.clicked
    got = api.get(f"/emails/{message_id}", token=token).body
    assert (got["opens"], got["machine_opens"], got["clicks"]) == (2, 0, 2)
    types = _timeline_types(api, token, contact_id)
    assert types.count("email.opened") == 1 and types.count("email.clicked") == 1


def _raw_get(api: Api, path: str) -> dict[str, str]:
    from chalice.test import Client

    from tests.support.apps import load_module

    with Client(load_module("functions/email").app) as client:
        response = client.http.get(path, headers=PERSON)
    return {k.lower(): v for k, v in response.headers.items()} | {"status": str(response.status_code),
                                                                  "body": response.body}


def test_the_pixel_is_a_gif_and_forged_or_tampered_links_are_404(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a sent email
    _, _, mail = _sent(cloud, api, owner)
    click, pixel = _links(mail)
    got = _raw_get(api, pixel)
    assert got["status"] == "200" and got["content-type"] == "image/gif"
    assert got["body"][:6] == b"GIF89a" and "no-store" in got["cache-control"]
    # When a link is tampered with, unsigned or points elsewhere
    token = click.rsplit("/", 1)[1]
    payload, mac = token.split(".")
    tampered = [f"/e/c/{payload[:-2]}xx.{mac}", f"/e/c/{payload}.{'A' * len(mac)}", "/e/c/https%3A%2F%2Fevil.test",
                "/e/c/" + payload, pixel[:-8] + "AAAA.gif", "/e/o/nonsense.gif", "/e/u/" + token]
    for path in tampered:
        reply = _raw_get(api, path)
        # Then it is a 404 that redirects nowhere
        assert reply["status"] == "404", path
        assert "location" not in reply, path


def test_machine_opens_are_flagged_and_emit_nothing(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a sent email
    token = owner["access_token"]
    contact_id, message_id, mail = _sent(cloud, api, owner)
    _, pixel = _links(mail)
    # When Apple's privacy proxy, a scanner and a HEAD-less empty agent fetch the pixel
    for agent in ("Mozilla/5.0", "Mimecast URL Protect", ""):
        assert api.get(pixel, headers={"User-Agent": agent}).status == 204  # no Accept: empty reply
    # Then they count as machine opens, not opens, and no email.opened exists to trigger a flow
    got = api.get(f"/emails/{message_id}", token=token).body
    assert (got["opens"], got["machine_opens"], got["opened_at"]) == (0, 3, None)
    assert "email.opened" not in _timeline_types(api, token, contact_id)


def test_a_scanner_fetch_right_after_delivery_is_a_machine_open(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given an email sent just now (not backdated)
    token = owner["access_token"]
    verified_sender(api, token)
    message_id = send(api, token, contact(api, token)).body["id"]
    deliver(cloud)
    _, pixel = _links(captured(api, token)[0])
    # When a browser-like agent fetches the pixel within seconds of delivery (a gateway scan)
    _raw_get(api, pixel)
    # Then it is not a person's open
    got = api.get(f"/emails/{message_id}", token=token).body
    assert (got["opens"], got["machine_opens"]) == (0, 1)


def test_one_click_unsubscribe_suppresses_the_address(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a sent email with its List-Unsubscribe URL
    token = owner["access_token"]
    contact_id, message_id, mail = _sent(cloud, api, owner)
    url = path_of(mail["list_unsubscribe"].strip("<>"))
    # When the landing page is fetched (as a scanner would), nothing changes; it offers a confirm button
    landing = api.get(url)
    assert landing.status == 200 and 'method="post"' in landing.raw and "ada@example.com" in landing.raw
    assert api.get(f"/emails/{message_id}", token=token).body["unsubscribed_at"] is None
    # When the mail client POSTs the RFC 8058 one-click body (twice)
    for _ in range(2):
        reply = api.call("POST", url, raw="List-Unsubscribe=One-Click",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert reply.status == 200 and "unsubscribed" in reply.raw
    # Then the address is suppressed, recorded once, and the next email is refused
    assert api.get(f"/emails/{message_id}", token=token).body["unsubscribed_at"]
    assert _timeline_types(api, token, contact_id).count("email.unsubscribed") == 1
    again = send(api, token, contact_id)
    assert again.status == 409 and "suppressed:unsubscribed" in again.raw
