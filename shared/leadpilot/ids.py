"""Random, time-ordered identifiers (ULID) and their validation."""
from __future__ import annotations

import os
import re
import time

from leadpilot.errors import InvalidId

_ULID_RE = re.compile(r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$")
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def crockford(value: int, chars: int = 26) -> str:
    """`value`'s low 5*chars bits in Crockford base32, most significant first (26 chars: a ULID's shape)."""
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(5 * (chars - 1), -1, -5))


def from_crockford(text: str) -> int:
    """The number a Crockford base32 string (upper case, as crockford() writes it) stands for."""
    number = 0
    for ch in text:
        number = number * 32 + _CROCKFORD.index(ch)
    return number


def new_id() -> str:
    """A new ULID: 48-bit millisecond time + 80 random bits, Crockford base32 (26 chars).

    Written here rather than imported: the ULID package cost ~35 ms of every cold start.
    """
    return crockford((time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big"))


def derived_id(base_id: str, *parts: str) -> str:
    """An id with `base_id`'s time and 80 bits of a digest of it and `parts`: the same inputs always name the
    same id, so a retried step that creates something finds what its earlier attempt created."""
    import hashlib

    digest = hashlib.sha256("|".join((base_id, *parts)).encode()).digest()
    return base_id[:10] + crockford(int.from_bytes(digest[:10], "big"), 16)


def id_floor(epoch_ms: int) -> str:
    """The smallest id created at `epoch_ms`: every id created earlier sorts below it."""
    return crockford(epoch_ms << 80)


def is_valid_id(value: object) -> bool:
    """True when value is a canonical ULID string."""
    return isinstance(value, str) and bool(_ULID_RE.match(value))


def parse_id(value: object, field: str) -> str:
    """Return value when it is a well-formed id, else raise InvalidId naming the field."""
    if not is_valid_id(value):
        raise InvalidId(field)
    return str(value)
