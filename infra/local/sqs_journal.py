"""SQS messages across a crash of the local cloud: a write-ahead journal kept by the moto server process.

moto holds queues in memory only, so a `kill -9` (or any stop) lost every queued text, import chunk, flow
action and event. Here each message added to a queue (a send, an EventBridge target, a move to a DLQ) is
appended to a JSON-lines file before it becomes receivable, and each delete after it happens, one flushed
write each: the operating system keeps what was written when the process dies. When the template's queues
are created again at the next start, every message added and never deleted goes back into its queue, with
its id, body, attributes and what is left of its delay, visible at once (whoever was handling it is gone).

That makes delivery at-least-once across a restart, as on AWS: the consumers are already idempotent (texts
are claimed by message id before the provider call, import chunks are counted once by a marker, flow actions
by their marker, events by their id). Not kept: receive counts (a restart gives a message its
maxReceiveCount again) and visibility timeouts. The file is rewritten with only the live messages at each
start and whenever it has grown to several times their number.
"""
from __future__ import annotations

import base64
import functools
import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

log = logging.getLogger("infra.local.sqs_journal")
_COMPACT_AFTER = 20_000  # records written before a rewrite is considered (then only if mostly dead)


def _jsonable(value: Any) -> str:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def queue_key(queue: Any) -> str:
    """Queues are keyed by account, region and name: their URLs carry moto's port, which changes per start."""
    return f"{queue.account_id}/{queue.region}/{queue.name}"


def read_live(path: Path) -> dict[str, dict[str, Any]]:
    """Messages added and not deleted, by id (in the order they were first added), from a journal file."""
    live: dict[str, dict[str, Any]] = {}
    if not path.exists():
        return live
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            try:
                record = json.loads(line)
            except ValueError:  # a line torn by a crash mid-write: that message was never acknowledged
                log.warning("%s:%d: unreadable record skipped", path, number)
                continue
            apply(live, record)
    return live


def apply(live: dict[str, dict[str, Any]], record: dict[str, Any]) -> None:
    """One journal record applied to the live messages."""
    op = record.get("op")
    if op == "add":
        live.pop(record["id"], None)  # a move to a DLQ adds the same id to another queue
        live[record["id"]] = record
    elif op == "del":
        live.pop(record["id"], None)
    elif op == "purge":
        for message_id in [i for i, r in live.items() if r["q"] == record["q"]]:
            del live[message_id]


class Journal:
    """The journal file and the live messages it describes (one per moto process)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.RLock()
        self.live = read_live(path)
        # Messages waiting for their queue to be created again (provisioning runs after moto starts).
        self.pending: dict[str, list[dict[str, Any]]] = {}
        for record in self.live.values():
            self.pending.setdefault(record["q"], []).append(record)
        self._file: IO[str] | None = None
        self._written = 0
        self._rewrite()

    def _rewrite(self) -> None:
        """Replace the file with one record per live message (atomically: a crash keeps the old file)."""
        temporary = self.path.with_suffix(".tmp")
        with open(temporary, "w", encoding="utf-8") as out:
            for record in self.live.values():
                out.write(json.dumps(record, default=_jsonable) + "\n")
        os.replace(temporary, self.path)
        if self._file is not None:
            self._file.close()
        self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
        self._written = len(self.live)

    def write(self, record: dict[str, Any]) -> None:
        """Append one record and hand it to the OS (no fsync: what is written survives the process, not the
        machine); call with the lock held."""
        assert self._file is not None
        self._file.write(json.dumps(record, default=_jsonable) + "\n")
        self._file.flush()
        apply(self.live, record)
        self._written += 1
        if self._written > _COMPACT_AFTER and self._written > 4 * len(self.live):
            self._rewrite()

    def added(self, queue: Any, message: Any) -> None:
        """Journal a message about to enter a queue."""
        self.write({"op": "add", "q": queue_key(queue), "id": message.id, "body": message.body,
                    "attrs": message.message_attributes, "sys": message.system_attributes,
                    "sent": message.sent_timestamp, "delayed_until": message.delayed_until,
                    "group": message.group_id, "dedup": message.deduplication_id, "seq": message.sequence_number})

    def restore_into(self, queue: Any) -> int:
        """Put a re-created queue's journaled messages back; returns how many."""
        from moto.sqs.models import Message

        records = self.pending.pop(queue_key(queue), [])
        restored = []
        for record in records:
            if self.live.get(record["id"]) is not record:
                continue  # deleted or moved since (the queue was created late)
            message = Message(record["id"], record["body"], record.get("sys") or {})
            message.message_attributes = record.get("attrs") or {}
            message.sent_timestamp = record.get("sent")
            message.delayed_until = float(record.get("delayed_until") or 0)
            message.group_id, message.deduplication_id = record.get("group"), record.get("dedup")
            message.sequence_number = record.get("seq")
            restored.append(message)
        with queue._messages_lock:
            queue._messages.extend(restored)
            queue._messages_lock.notify_all()
        if restored:
            log.warning("restored %d queued message(s) into %s from %s", len(restored), queue.name, self.path)
        return len(restored)


def _with_journal(journal: Journal, method: Callable[..., Any],
                  around: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with journal.lock:
            return around(method, *args, **kwargs)

    return wrapper


def install(path: Path) -> Journal:
    """Journal moto's SQS to `path` and restore its live messages as their queues are created."""
    from moto.sqs.models import Queue, SQSBackend

    journal = Journal(path)

    def add_message(original: Callable[..., Any], queue: Any, message: Any) -> None:
        # Written before the message can be received, under the lock its delete needs: a delete is never
        # journaled ahead of its add. A FIFO duplicate moto drops is journaled too, and deleted again.
        journal.added(queue, message)
        original(queue, message)
        if queue.fifo_queue and all(m is not message for m in queue._messages):
            journal.write({"op": "del", "id": message.id})

    def delete_message(original: Callable[..., Any], queue: Any, receipt_handle: str) -> None:
        found = next((m.id for m in queue._messages if m.had_receipt_handle(receipt_handle)), None)
        original(queue, receipt_handle)
        if found is not None:
            journal.write({"op": "del", "id": found})

    def emptied(original: Callable[..., Any], backend: Any, queue_name: str, *args: Any) -> Any:
        queue = backend.get_queue(queue_name)
        result = original(backend, queue_name, *args)
        journal.write({"op": "purge", "q": queue_key(queue)})
        return result

    def create_queue(original: Callable[..., Any], backend: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        existed = name in backend.queues
        queue = original(backend, name, *args, **kwargs)
        if not existed:
            journal.restore_into(queue)
        return queue

    Queue.add_message = _with_journal(journal, Queue.add_message, add_message)  # type: ignore[method-assign]
    Queue.delete_message = _with_journal(journal, Queue.delete_message, delete_message)  # type: ignore[method-assign]
    SQSBackend.purge_queue = _with_journal(journal, SQSBackend.purge_queue, emptied)  # type: ignore[method-assign]
    SQSBackend.delete_queue = _with_journal(journal, SQSBackend.delete_queue, emptied)  # type: ignore[method-assign]
    SQSBackend.create_queue = _with_journal(journal, SQSBackend.create_queue, create_queue)  # type: ignore[method-assign]
    log.info("SQS journal %s: %d live message(s) to restore", path, len(journal.live))
    return journal

