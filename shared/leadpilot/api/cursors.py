"""Page cursors. A cursor carries only the last sort-key value (an id, or a view's sort key), never
a partition key, so a cursor cannot reach another workspace's partition.

Every list answers `{"items": [...], "next_cursor": <str|null>}`: `take_page` cuts a page from a lazy
DynamoDB Query (`query_page` for the common one-partition case, `gsi_page` for a GSI partition);
`slice_page` pages a list that is small and bounded by design and so is read whole.
"""
from __future__ import annotations

import base64
import binascii
import itertools
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from leadpilot.errors import ValidationFailed
from leadpilot.ids import is_valid_id

T = TypeVar("T")


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


def take_page(items: Iterable[T], limit: int, position: Callable[[T], str]) -> tuple[list[T], str | None]:
    """The first `limit` of `items` (read lazily: one more, to know whether a next page exists) and the cursor
    after the last of them (None when nothing follows)."""
    page = list(itertools.islice(items, limit + 1))
    if len(page) <= limit:
        return page, None
    return page[:limit], encode_cursor(position(page[limit - 1]))


def query_page(model: Any, pk: str, sk_prefix: str, limit: int, after: str | None, newest_first: bool = False,
               keep: Callable[[Any], bool] | None = None, consistent_read: bool = False
               ) -> tuple[list[Any], str | None]:
    """One page of a partition's `sk_prefix` items in sort-key order, continuing after the item whose sort key
    is `sk_prefix + after`; `keep` drops items (the Query reads on until the page is full)."""
    start = {"PK": {"S": pk}, "SK": {"S": f"{sk_prefix}{after}"}} if after is not None else None
    items = model.query(pk, model.SK.startswith(sk_prefix), scan_index_forward=not newest_first,
                        page_size=limit + 1, last_evaluated_key=start, consistent_read=consistent_read)
    kept = items if keep is None else (i for i in items if keep(i))
    return take_page(kept, limit, lambda item: str(item.SK)[len(sk_prefix):])


def gsi_page(index: Any, gsi1pk: str, limit: int, after: str | None, table_key: Callable[[str], tuple[str, str]],
             keep: Callable[[Any], bool] | None = None, newest_first: bool = False) -> tuple[list[Any], str | None]:
    """One page of a GSI1 partition in GSI1SK order, continuing after the item whose GSI1SK is `after`. A GSI's
    start key also holds the table's key: `table_key` rebuilds it from `after`, so the cursor still carries only
    the sort value."""
    start = None
    if after is not None:
        pk, sk = table_key(after)
        start = {"GSI1PK": {"S": gsi1pk}, "GSI1SK": {"S": after}, "PK": {"S": pk}, "SK": {"S": sk}}
    items = index.query(gsi1pk, scan_index_forward=not newest_first, page_size=limit + 1, last_evaluated_key=start)
    kept = items if keep is None else (i for i in items if keep(i))
    return take_page(kept, limit, lambda item: str(item.GSI1SK))


def slice_page(items: Sequence[T], limit: int, after: str | None, position: Callable[[T], str],
               descending: bool = False) -> tuple[list[T], str | None]:
    """A page of a list already read whole, in its order, whose positions rise (or fall, `descending`)
    strictly: continues after `after` even when the item that had it is gone."""
    if after is not None:
        items = [i for i in items if (position(i) < after if descending else position(i) > after)]
    return take_page(items, limit, position)
