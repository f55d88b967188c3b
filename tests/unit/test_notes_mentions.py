"""The @mention syntax of note bodies."""
from __future__ import annotations

from leadpilot.notes.mentions import mentioned, plain

ADA = "01HV7Z3J6Q8W9X0Y1Z2A3B4C5D"
BOB = "01HV7Z3J6Q8W9X0Y1Z2A3B4C5E"


def test_mentions_are_found_once_each_in_order() -> None:
    # Given a body mentioning Bob, Ada, then Bob again
    body = f"@[Bob](user:{BOB}) and @[Ada Lovelace](user:{ADA}), ping @[Bobby](user:{BOB})"
    # Then each user is mentioned once, in order of first mention
    assert mentioned(body) == [BOB, ADA]
    assert plain(body) == "@Bob and @Ada Lovelace, ping @Bobby"


def test_near_misses_are_plain_text() -> None:
    for body in ["@Bob", f"[Bob](user:{BOB})", "@[Bob](user:not-an-id)", f"@[](user:{BOB})",
                 f"@[Bob](contact:{BOB})", f"@[Bo\nb](user:{BOB})", "email bob@example.com"]:
        assert mentioned(body) == [], body
