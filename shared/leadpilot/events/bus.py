"""Publishing domain events to the EventBridge bus."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from leadpilot.events.envelope import source_of
from leadpilot.observability import logger

_CALLS_AT_ONCE = 4  # PutEvents calls of one batch in flight together (each waits on the network)


@lru_cache(maxsize=4)
def _client(region: str) -> Any:
    return boto3.client("events", region_name=region)


def publish(bus_name: str, region: str, events: list[dict[str, Any]]) -> list[str]:
    """Put events on the bus (10 per call, EventBridge's limit; a batch's calls a few at once); return the ids
    that were accepted."""
    chunks = [events[start:start + 10] for start in range(0, len(events), 10)]
    if len(chunks) < 2:
        return [event_id for chunk in chunks for event_id in _put(bus_name, region, chunk)]
    with ThreadPoolExecutor(max_workers=min(_CALLS_AT_ONCE, len(chunks))) as pool:
        return [event_id for accepted in pool.map(lambda chunk: _put(bus_name, region, chunk), chunks)
                for event_id in accepted]


def _put(bus_name: str, region: str, chunk: list[dict[str, Any]]) -> list[str]:
    entries = [{"EventBusName": bus_name, "Source": source_of(e["type"]), "DetailType": e["type"],
                "Detail": json.dumps(e)} for e in chunk]
    try:
        result = _client(region).put_events(Entries=entries)
    except (BotoCoreError, ClientError):
        logger.exception("put_events failed; the outbox will retry", extra={"count": len(chunk)})
        return []
    return [event["id"] for event, entry in zip(chunk, result.get("Entries", []), strict=False)
            if entry.get("EventId") and not entry.get("ErrorCode")]
