"""Page cursors. A cursor carries only the last sort-key value (an id, or a view's sort key), never
a partition key, so a cursor cannot reach another workspace's partition."""
from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from leadpilot.errors import ValidationFailed
from leadpilot.ids import is_valid_id


def encode_cursor(value: str) -> str:
    """The opaque cursor of a page that ends at `value`."""
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, valid: Callable[[str], object] = is_valid_id) -> str | None:
    """The value a page continues after, or a 422 naming `cursor` when it is not one of ours."""
    if cursor is None:
        return None
    try:
        value = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValidationFailed.field("cursor", "is not a cursor returned by this API") from exc
    if not valid(value):
        raise ValidationFailed.field("cursor", "is not a cursor returned by this API")
    return value
