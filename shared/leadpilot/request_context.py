"""Who is behind the request being served, for the records it leaves (audit entries and domain events).

The HTTP edge opens a context per request (`serving`, with the caller's source IP) and names the verified caller
once it knows it (`act`). Code deep in a capability never receives it as an argument: the audit log and event
recording read it here. A ContextVar is per thread, so the local cloud's side-by-side requests never mix, and
`serving` puts back what was there before, so a pooled thread starts its next request clean.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Caller:
    """The request's origin and principal. `subject` is set only while a platform admin impersonates a user:
    then `actor` is the admin and `subject` the user whose session it is."""

    source_ip: str | None = None
    actor: dict[str, str] | None = None
    subject: dict[str, str] | None = None
    impersonation_id: str | None = None


_EMPTY = Caller()
_current: ContextVar[Caller] = ContextVar("leadpilot_caller", default=_EMPTY)


def current() -> Caller:
    """The caller of the request being served (empty outside a request: a queue worker, a script)."""
    return _current.get()


@contextmanager
def serving(source_ip: str | None) -> Iterator[None]:
    """Serve one request from `source_ip`; whatever is set during it is gone afterwards."""
    token = _current.set(Caller(source_ip=source_ip or None))
    try:
        yield
    finally:
        _current.reset(token)


def act(actor: dict[str, str], subject: dict[str, str] | None = None, impersonation_id: str | None = None) -> None:
    """Name the verified caller of the request being served (and, impersonating, whose session it is)."""
    _current.set(replace(_current.get(), actor=actor, subject=subject, impersonation_id=impersonation_id))
