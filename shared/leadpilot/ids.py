"""Random, time-ordered identifiers (ULID) and their validation."""
from __future__ import annotations

import os
import re
import time

from leadpilot.errors import InvalidId

_ULID_RE = re.compile(r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$")
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id() -> str:
    """A new ULID: 48-bit millisecond time + 80 random bits, Crockford base32 (26 chars).

    Written here rather than imported: the ULID package cost ~35 ms of every cold start.
    """
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def id_floor(epoch_ms: int) -> str:
    """The smallest id created at `epoch_ms`: every id created earlier sorts below it."""
    value = epoch_ms << 80
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def is_valid_id(value: object) -> bool:
    """True when value is a canonical ULID string."""
    return isinstance(value, str) and bool(_ULID_RE.match(value))


def parse_id(value: object, field: str) -> str:
    """Return value when it is a well-formed id, else raise InvalidId naming the field."""
    if not is_valid_id(value):
        raise InvalidId(field)
    return str(value)
