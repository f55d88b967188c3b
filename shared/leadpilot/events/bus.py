"""Publishing domain events to the EventBridge bus."""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from leadpilot.events.envelope import source_of
from leadpilot.observability import logger


@lru_cache(maxsize=4)
def _client(region: str) -> Any:
    return boto3.client("events", region_name=region)


def publish(bus_name: str, region: str, events: list[dict[str, Any]]) -> list[str]:
    """Put events on the bus (10 per call, EventBridge's limit); return the ids that were accepted."""
    accepted: list[str] = []
    for start in range(0, len(events), 10):
        chunk = events[start:start + 10]
        entries = [{"EventBusName": bus_name, "Source": source_of(e["type"]), "DetailType": e["type"],
                    "Detail": json.dumps(e)} for e in chunk]
        try:
            result = _client(region).put_events(Entries=entries)
        except (BotoCoreError, ClientError):
            logger.exception("put_events failed; the outbox will retry", extra={"count": len(chunk)})
            continue
        for event, entry in zip(chunk, result.get("Entries", []), strict=False):
            if entry.get("EventId") and not entry.get("ErrorCode"):
                accepted.append(event["id"])
    return accepted
