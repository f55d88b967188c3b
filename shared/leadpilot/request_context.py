"""Who is behind the request being served, for the records it leaves (audit entries and domain events).

The HTTP edge opens a context per request (`serving`, with the caller's source IP) and names the verified caller
once it knows it (`act`). Code deep in a capability never receives it as an argument: the audit log and event
recording read it here. A ContextVar is per thread, so the local cloud's side-by-side requests never mix, and
`serving` puts back what was there before, so a pooled thread starts its next request clean.

An impersonation also travels with the work its request queued: messages sent while one is active carry it as
an SQS message attribute (`message_attributes`), domain events carry it as their actor and subject, and the queue
consumers resume it for the record they handle (`resumed`), so what they record names the admin and the user too.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

ATTRIBUTE = "LeadPilotImpersonation"  # the SQS message attribute of queued work done during an impersonation


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


def carried() -> str | None:
    """The active impersonation as JSON, for work queued now to keep (an item's attribute); None without one."""
    caller = _current.get()
    if caller.actor is None or caller.subject is None:
        return None
    return json.dumps({"actor": caller.actor, "subject": caller.subject, "impersonation_id": caller.impersonation_id})


def from_carried(value: str | None) -> Caller | None:
    """The impersonation `carried` kept (None for None)."""
    if not value:
        return None
    found = json.loads(value)
    return Caller(actor=found["actor"], subject=found["subject"], impersonation_id=found.get("impersonation_id"))


def message_attributes() -> dict[str, Any]:
    """SendMessage's MessageAttributes for work queued now: the impersonation, when one is active (else none)."""
    value = carried()
    return {ATTRIBUTE: {"DataType": "String", "StringValue": value}} if value else {}


def carried_by(record: Mapping[str, Any]) -> Caller | None:
    """The impersonation an SQS record (as Lambda delivers it) carries: its message attribute, or the actor and
    subject of the domain event in its body (an EventBridge rule's target). None for everything else."""
    attribute = (record.get("messageAttributes") or {}).get(ATTRIBUTE) or {}
    if attribute.get("stringValue"):
        return from_carried(attribute["stringValue"])
    body = str(record.get("body") or "")
    if '"subject"' not in body:  # the common case costs no parse
        return None
    try:
        detail = json.loads(body).get("detail")
    except ValueError:
        return None
    if not isinstance(detail, dict) or not detail.get("subject") or not detail.get("actor"):
        return None
    return Caller(actor=dict(detail["actor"]), subject=dict(detail["subject"]))


@contextmanager
def resumed(caller: Caller | None) -> Iterator[None]:
    """Do queued work as the impersonation that caused it (nothing changes for None); put back what was there."""
    if caller is None:
        yield
        return
    token = _current.set(caller)
    try:
        yield
    finally:
        _current.reset(token)


def carrying(fn: Callable[P, T]) -> Callable[P, T]:
    """`fn` to run in a pool's threads as the current caller (a thread starts with an empty context)."""
    caller = _current.get()

    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        with resumed(caller):
            return fn(*args, **kwargs)

    return run
