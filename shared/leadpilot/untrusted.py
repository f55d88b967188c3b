"""Input from outside (request bodies, query strings, webhooks): parsed and checked before anything uses it.

Three kinds of well-formed-looking input break code further in: JSON nested deeper than the parser's (or
jsonschema's, or pynamodb's) recursion, text holding a lone UTF-16 surrogate (it cannot be encoded as UTF-8,
so DynamoDB, HMAC signatures and logs refuse it), and numbers JSON allows but nothing can store (NaN,
Infinity, 1e400). Each is refused here as a 4xx naming the field, so nothing downstream sees it.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import Any

from leadpilot.errors import InvalidJson, ValidationFailed

# DynamoDB nests maps and lists at most 32 levels deep; no body of ours needs more.
MAX_DEPTH = 32
_ASCII_INT = re.compile(r"[0-9]{1,9}")


def printable(text: str) -> str:
    """`text` with any lone surrogate written as an escape (`\\ud800`), safe to put in an error or a log."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def is_unicode(text: str) -> bool:
    """False when `text` holds a lone surrogate (json.loads pairs valid ones, so any left is lone)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_text(value: str, field: str) -> str:
    """`value`, or a 422 naming `field` when it is not valid Unicode text."""
    if not is_unicode(value):
        raise ValidationFailed.field(printable(field), "contains a lone UTF-16 surrogate; text must be valid Unicode")
    return value


def check_texts(pairs: Iterable[tuple[str, str | None]]) -> None:
    """check_text on every (name, value) pair; a name that is not valid text is refused as itself."""
    for name, value in pairs:
        check_text(name, name)
        if value is not None:
            check_text(value, name)


def parse_int(raw: str, field: str, minimum: int, maximum: int) -> int:
    """An integer written in ASCII digits (str.isdigit() also accepts '²', which int() refuses) within bounds."""
    if not _ASCII_INT.fullmatch(raw) or not minimum <= int(raw) <= maximum:
        raise ValidationFailed.field(field, f"must be an integer from {minimum} to {maximum}")
    return int(raw)


def _path(parts: tuple[str, ...]) -> str:
    return printable("/".join(parts)) or "(body)"


def check_document(data: Any, max_depth: int = MAX_DEPTH) -> Any:
    """`data` when it nests at most `max_depth` levels, holds only valid text and finite numbers; else a 422
    naming the first offending value's path. Iterative, so the check itself cannot run out of stack."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, (dict, list)) and len(path) >= max_depth:
            raise ValidationFailed.field(_path(path), f"nests deeper than {max_depth} levels")
        if isinstance(value, dict):
            for key, child in value.items():
                check_text(key, _path((*path, key)))
                stack.append((child, (*path, key)))
        elif isinstance(value, list):
            stack.extend((child, (*path, str(i))) for i, child in enumerate(value))
        elif isinstance(value, str):
            check_text(value, _path(path))
        elif isinstance(value, float) and not math.isfinite(value):
            raise ValidationFailed.field(_path(path), "must be a finite number")
    return data


def _named(field: str) -> str:
    return "body" if field == "(body)" else field


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def loads(raw: str | bytes, field: str = "(body)", max_depth: int = MAX_DEPTH) -> Any:
    """Parse untrusted JSON: malformed, too deep for the parser or with NaN/Infinity is a 400 `invalid_json`
    naming `field`; then check_document (a 422 naming the path)."""
    try:
        data = json.loads(raw, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InvalidJson(f"{_named(field)} is not valid JSON: {exc}",
                          {"field": field, "line": exc.lineno, "column": exc.colno}) from exc
    except RecursionError as exc:
        raise InvalidJson(f"{_named(field)} nests deeper than {max_depth} levels",
                          {"field": field, "max_depth": max_depth}) from exc
    except ValueError as exc:  # not UTF-8, a 5,000-digit integer, NaN or Infinity
        raise InvalidJson(f"{_named(field)} is not valid JSON: {exc}", {"field": field}) from exc
    return check_document(data, max_depth)
