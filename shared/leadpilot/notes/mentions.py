"""@mentions in note bodies.

A mention is written `@[Display Name](user:<user_id>)`, like a markdown link whose target is a user:
`Call back tomorrow, @[Grace Hopper](user:01HV7Z3J6Q8W9X0Y1Z2A3B4C5D) has the contract.`
The name is what clients show; the user id is what counts. Text that does not match is plain text.
"""
from __future__ import annotations

import re

from leadpilot.errors import ValidationFailed
from leadpilot.identity.store import get_membership_item

MENTION = re.compile(r"@\[([^\[\]\n]{1,100})\]\(user:([0-7][0-9A-HJKMNP-TV-Z]{25})\)")
MAX_MENTIONS = 20


def mentioned(body: str) -> list[str]:
    """User ids mentioned in a body, in order of first mention, without repeats."""
    return list(dict.fromkeys(m.group(2) for m in MENTION.finditer(body)))


def plain(body: str) -> str:
    """The body with each mention shown as @Name."""
    return MENTION.sub(lambda m: f"@{m.group(1)}", body)


def check_members(workspace_id: str, user_ids: list[str]) -> None:
    """Every mentioned user must be a member of the workspace: 422 naming body otherwise."""
    if len(user_ids) > MAX_MENTIONS:
        raise ValidationFailed.field("body", f"mentions more than {MAX_MENTIONS} people")
    strangers = [u for u in user_ids if get_membership_item(workspace_id, u) is None]
    if strangers:
        raise ValidationFailed("body: mentions someone who is not a member of this workspace",
                               {"errors": [{"field": "body", "message": f"user {u} is not a member of this workspace",
                                            "user_id": u} for u in strangers]})
