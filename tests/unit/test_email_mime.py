"""Email MIME pieces: reply addresses, Message-ID references, unsubscribe tokens, the built message."""
from __future__ import annotations

import json
from email import message_from_bytes, policy
from pathlib import Path

import jsonschema
import pytest

from leadpilot.email import links, mime
from leadpilot.email.config import load_email_config
from leadpilot.errors import ConfigurationError

WS, MSG = "01M80BG3HNHC61GZVYXCQ3A06K", "01M80C0Z9Y8X7W6V5T4S3R2Q1P"
CONFIG = load_email_config({"LEADPILOT_JWT_SECRET": "s" * 40, "PUBLIC_BASE_URL": "https://api.leadpilot.test/v1",
                            "EMAIL_INBOUND_DOMAIN": "reply.leadpilot.test"})
ROOT = Path(__file__).resolve().parents[2]


def test_a_reply_address_round_trips_fits_rfc_5321_and_rejects_forgeries() -> None:
    # Given the reply address of a message
    address = mime.reply_address(CONFIG, WS, MSG)
    local = address.split("@")[0]
    # Then its local part fits in 64 characters and it names the message
    assert len(local) <= 64
    assert mime.parse_reply_address(CONFIG, address) == (WS, MSG)
    assert mime.parse_reply_address(CONFIG, address.upper()) == (WS, MSG)  # case-insensitive, as mail is
    # And any change of a character, another domain or another key matches nothing
    flipped = local[:-1] + ("a" if local[-1] != "a" else "b")
    assert mime.parse_reply_address(CONFIG, f"{flipped}@reply.leadpilot.test") is None
    assert mime.parse_reply_address(CONFIG, f"{local}@elsewhere.test") is None
    other = load_email_config({"LEADPILOT_JWT_SECRET": "t" * 40, "PUBLIC_BASE_URL": "https://x.test",
                               "EMAIL_INBOUND_DOMAIN": "reply.leadpilot.test"})
    assert mime.parse_reply_address(other, address) is None


def test_our_message_ids_are_found_in_reply_headers() -> None:
    header = mime.message_id_header(WS, MSG, "hello@acme.test")
    assert mime.ids_in_references(f"<x@gmail.com> {header}", None) == [(WS, MSG)]
    assert mime.ids_in_references("<foo@bar>", "") == []


def test_unsubscribe_tokens_are_not_open_tokens_and_vice_versa() -> None:
    token = mime.unsubscribe_token(CONFIG, WS, MSG)
    assert mime.read_unsubscribe_token(CONFIG, token) == (WS, MSG)
    open_token = links.sign_open(mime.link_subject(WS, MSG), CONFIG.link_key)
    assert mime.read_unsubscribe_token(CONFIG, open_token) is None
    assert links.verify_open(token, CONFIG.link_key) is None


def test_the_built_message_has_our_headers_and_tracked_parts() -> None:
    raw = mime.build(CONFIG, mime.Outgoing(WS, MSG, "hello@acme.test", "Acme", "ada@example.com", "Hi Ada",
                                           '<p>See <a href="https://acme.test/x">this</a></p>', "See this\n"))
    msg = message_from_bytes(raw, policy=policy.default)
    assert msg["Message-ID"] == f"<{MSG}.{WS}@acme.test>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["List-Unsubscribe"].startswith("<https://api.leadpilot.test/v1/e/u/")
    assert "r+" in msg["Reply-To"]
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert "https://api.leadpilot.test/v1/e/c/" in html and "/e/o/" in html and "acme.test/x\"" not in html
    assert "Unsubscribe: https://api.leadpilot.test/v1/e/u/" in msg.get_body(preferencelist=("plain",)).get_content()


def test_names_subjects_and_bodies_beyond_ascii_and_an_attachment_survive_the_round_trip() -> None:
    # Given a sender's name, a subject and a body with accents, dashes and a check mark, and a calendar invite
    out = mime.Outgoing(WS, MSG, "hello@acme.test", "Zoë Café", "ada@example.com", "Spring sale — 20% off ✓",
                        "<p>Grüße, <strong>Ada</strong></p>", "Grüße, Ada\n",
                        ({"filename": "invite.ics", "content_type": "text/calendar", "content": "BEGIN:VCALENDAR\n"},))
    # When it is built and read back by a mail client's parser
    raw = mime.build(CONFIG, out)
    msg = message_from_bytes(raw, policy=policy.default)
    # Then every header line is ASCII (encoded words) and reads back as written
    assert raw.split(b"\n\n", 1)[0].isascii()
    assert msg["From"].addresses[0].display_name == "Zoë Café" and msg["Subject"] == "Spring sale — 20% off ✓"
    assert msg["Reply-To"].addresses[0].display_name == "Zoë Café"
    # And the alternatives come first, then the attachment, with one MIME-Version for the whole message
    assert [p.get_content_type() for p in msg.walk()] == ["multipart/mixed", "multipart/alternative", "text/plain",
                                                          "text/html", "text/calendar"]
    assert raw.count(b"MIME-Version") == 1
    assert msg.get_body(preferencelist=("plain",)).get_content().startswith("Grüße, Ada")
    assert "Grüße, <strong>Ada</strong>" in msg.get_body(preferencelist=("html",)).get_content()
    [invite] = msg.iter_attachments()
    assert invite.get_filename() == "invite.ics" and invite.get_content() == "BEGIN:VCALENDAR\n"


def test_a_plain_http_base_leaves_out_list_unsubscribe_but_keeps_the_footer() -> None:
    local = load_email_config({"LEADPILOT_JWT_SECRET": "s" * 40, "PUBLIC_BASE_URL": "http://127.0.0.1:3000"})
    raw = mime.build(local, mime.Outgoing(WS, MSG, "a@acme.test", None, "b@example.com", "S", "<p>x</p>", "x\n"))
    msg = message_from_bytes(raw, policy=policy.default)
    assert msg["List-Unsubscribe"] is None and "/e/u/" in msg.get_body(preferencelist=("html",)).get_content()



def test_functions_serving_routes_load_without_a_base_and_only_links_need_one() -> None:
    # Given the configuration of a function the API invokes: the template gives it no PUBLIC_BASE_URL
    routes = load_email_config({"LEADPILOT_JWT_SECRET": "s" * 40, "EMAIL_INBOUND_DOMAIN": "reply.leadpilot.test"})
    token = mime.unsubscribe_token(routes, WS, MSG)
    # Then it reads tokens and reply addresses as the send worker signed them
    assert mime.read_unsubscribe_token(routes, token) == (WS, MSG)
    assert mime.parse_reply_address(routes, mime.reply_address(CONFIG, WS, MSG)) == (WS, MSG)
    # And building a message with links says which setting is missing, and a relative base is refused
    outgoing = mime.Outgoing(WS, MSG, "a@acme.test", None, "b@example.com", "S", "<p>x</p>", "x\n")
    with pytest.raises(ConfigurationError, match="PUBLIC_BASE_URL"):
        mime.build(routes, outgoing)
    with pytest.raises(ConfigurationError, match="PUBLIC_BASE_URL"):
        load_email_config({"LEADPILOT_JWT_SECRET": "s" * 40, "PUBLIC_BASE_URL": "api.leadpilot.test"})


def test_email_event_samples_match_their_schemas() -> None:
    for sample in sorted((ROOT / "events" / "eventbridge").glob("email.*.json")):
        event = json.loads(sample.read_text())
        schema = json.loads((ROOT / "events" / "schemas" / sample.name).read_text())
        jsonschema.Draft202012Validator(schema).validate(event["detail"])
        assert event["source"] == "leadpilot.emails" and event["detail"]["data"]["contact_id"]
