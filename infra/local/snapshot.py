"""DynamoDB state across restarts: Scan every table to one JSON file, BatchWrite it back.

Only table items are persisted. SQS messages are journaled by the moto process (infra.local.sqs_journal);
EventBridge hands events to their target queues as it accepts them; running Step Functions executions are
not kept - they are recovered from the run records kept in DynamoDB. The file is written atomically (temp
file + os.replace), so a crash leaves the previous snapshot intact; a snapshot is not a point-in-time view
across tables.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from infra.local.model import Deployment

log = logging.getLogger("infra.local.snapshot")
FORMAT = "leadpilot-local-snapshot"
VERSION = 1
_BATCH = 25  # BatchWriteItem's limit
_MAX_ATTEMPTS = 10


def _encode(value: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB-JSON attribute value -> JSON-safe (binary as base64 text)."""
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64encode(inner).decode("ascii")}
    if kind == "BS":
        return {"BS": [base64.b64encode(item).decode("ascii") for item in inner]}
    if kind == "M":
        return {"M": {key: _encode(item) for key, item in inner.items()}}
    if kind == "L":
        return {"L": [_encode(item) for item in inner]}
    return value


def _decode(value: dict[str, Any]) -> dict[str, Any]:
    """Inverse of ``_encode``."""
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64decode(inner)}
    if kind == "BS":
        return {"BS": [base64.b64decode(item) for item in inner]}
    if kind == "M":
        return {"M": {key: _decode(item) for key, item in inner.items()}}
    if kind == "L":
        return {"L": [_decode(item) for item in inner]}
    return value


def _client(deployment: Deployment) -> Any:
    return boto3.session.Session(region_name=deployment.region).client("dynamodb")


def dump(deployment: Deployment) -> dict[str, Any]:
    """Every item of every table (DynamoDB JSON), keyed by the table's logical id."""
    client = _client(deployment)
    tables: dict[str, Any] = {}
    for logical_id, table in deployment.tables.items():
        items: list[dict[str, Any]] = []
        for page in client.get_paginator("scan").paginate(TableName=table.name, ConsistentRead=True):
            items.extend({key: _encode(value) for key, value in item.items()} for item in page["Items"])
        tables[logical_id] = {"name": table.name, "items": items}
    return {"format": FORMAT, "version": VERSION, "stage": deployment.stage, "tables": tables}


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that readers see the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def save(deployment: Deployment, path: str | Path) -> dict[str, int]:
    """Scan every table into one JSON file; returns the item count per table."""
    snapshot = dump(deployment)
    snapshot["saved_at"] = datetime.now(UTC).isoformat()
    write_atomically(Path(path), json.dumps(snapshot))
    return {lid: len(table["items"]) for lid, table in snapshot["tables"].items()}


def restore(deployment: Deployment, path: str | Path) -> dict[str, int]:
    """Write a snapshot's items back with BatchWriteItem; returns the item count per table."""
    snapshot = json.loads(Path(path).read_text(encoding="utf-8"))
    if snapshot.get("format") != FORMAT or snapshot.get("version") != VERSION:
        raise ValueError(f"{path} is not a version {VERSION} LeadPilot snapshot")
    client = _client(deployment)
    counts: dict[str, int] = {}
    for logical_id, saved in snapshot["tables"].items():
        if logical_id not in deployment.tables:
            log.warning("snapshot table %s is not in the template any more: skipped", logical_id)
            continue
        items = [{key: _decode(value) for key, value in item.items()} for item in saved["items"]]
        _batch_write(client, deployment.tables[logical_id].name, items)
        counts[logical_id] = len(items)
    return counts


def _batch_write(client: Any, table: str, items: list[dict[str, Any]]) -> None:
    for start in range(0, len(items), _BATCH):
        pending = {table: [{"PutRequest": {"Item": item}} for item in items[start : start + _BATCH]]}
        for attempt in range(_MAX_ATTEMPTS):
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                break
            time.sleep(min(0.05 * 2**attempt, 1.0))  # back off as DynamoDB asks
        else:
            raise RuntimeError(f"{table}: items still unprocessed after {_MAX_ATTEMPTS} attempts")


_BUSY_FACTOR = 10


class Snapshotter:
    """Saves the tables every ``interval`` seconds (only when something changed) and on stop."""

    def __init__(self, deployment: Deployment, path: str | Path, interval: float = 5.0) -> None:
        self.deployment = deployment
        self.path = Path(path)
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._last_digest = ""

    def save_now(self) -> bool:
        """Save if the data changed since the last save; True when the file was written."""
        with self._lock:
            snapshot = dump(self.deployment)
            text = json.dumps(snapshot, sort_keys=True)
            digest = hashlib.sha256(text.encode()).hexdigest()
            if digest == self._last_digest and self.path.exists():
                return False
            snapshot["saved_at"] = datetime.now(UTC).isoformat()
            write_atomically(self.path, json.dumps(snapshot))
            self._last_digest = digest
            return True

    def start(self) -> Snapshotter:
        """Start the background thread."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="snapshotter", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        wait = self.interval
        while not self._stop.wait(wait):
            started = time.monotonic()
            try:
                self.save_now()
            except Exception:
                log.exception("snapshot to %s failed; will try again", self.path)
            # A snapshot reads every table through moto, which serves nothing else meanwhile: keep that
            # under ~10% of the time, so large workspaces (an import of 50,000 rows) are not slowed down.
            wait = max(self.interval, _BUSY_FACTOR * (time.monotonic() - started))

    def stop(self) -> None:
        """Stop the thread and save one last time."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.save_now()
