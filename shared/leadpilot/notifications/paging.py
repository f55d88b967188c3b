"""Cursors that carry only an item id (ULID), so a cursor cannot reach another partition."""
from __future__ import annotations

import base64
import binascii

from leadpilot.errors import ValidationFailed
from leadpilot.ids import is_valid_id


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    """The id a page continues after, or a 422 naming `cursor`."""
    if cursor is None:
        return None
    try:
        value = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValidationFailed.field("cursor", "is not a cursor returned by this API") from exc
    if not is_valid_id(value):
        raise ValidationFailed.field("cursor", "is not a cursor returned by this API")
    return value
