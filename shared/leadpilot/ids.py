"""Random, time-ordered identifiers (ULID) and their validation."""
from __future__ import annotations

import re

from ulid import ULID

from leadpilot.errors import InvalidId

_ULID_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def new_id() -> str:
    """A new ULID: random, sortable by creation time, never sequential."""
    return str(ULID())


def is_valid_id(value: object) -> bool:
    """True when value is a canonical ULID string."""
    return isinstance(value, str) and bool(_ULID_RE.match(value))


def parse_id(value: object, field: str) -> str:
    """Return value when it is a well-formed id, else raise InvalidId naming the field."""
    if not is_valid_id(value):
        raise InvalidId(field)
    return str(value)
