"""Posting domain events to the open dashboards of their workspace through API Gateway's @connections API."""
from __future__ import annotations

import json
from collections import defaultdict
from contextlib import suppress
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from leadpilot.live import connections
from leadpilot.live.messages import message_of
from leadpilot.observability import logger
from leadpilot.settings import Settings


@dataclass
class FanOut:
    """What one batch did: messages posted, and connections found gone (and forgotten)."""

    posted: int = 0
    gone: int = 0
    failed: int = 0
    closed: int = 0  # connections whose session had ended (a logout): closed, not posted to


@lru_cache(maxsize=4)
def _client(endpoint_url: str, region: str) -> Any:
    return boto3.client("apigatewaymanagementapi", endpoint_url=endpoint_url, region_name=region)


def fan_out(settings: Settings, events: list[dict[str, Any]]) -> FanOut:
    """Send each event to every connection of the event's own workspace, and no other. A connection that answers
    Gone is forgotten; other post failures are logged and skipped (a live message is a hint to refetch: a retry
    of the batch would repeat it to everyone else)."""
    client = _client(settings.need("live_connections_url"), settings.region)
    by_workspace: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        by_workspace[str(event["workspace_id"])].append(event)
    result = FanOut()
    for workspace_id, workspace_events in by_workspace.items():
        open_ = [c for c in connections.of_workspace(settings, workspace_id) if _signed_in(settings, client, c, result)]
        for event in workspace_events:
            payload = json.dumps(message_of(event), separators=(",", ":")).encode()
            open_ = [c for c in open_ if _post(settings, client, c, payload, result)]
    return result


def _signed_in(settings: Settings, client: Any, connection: connections.Connection, result: FanOut) -> bool:
    """Whether the connection's session still holds; if not (its user logged out, was removed, or the workspace
    was suspended), the socket is closed and forgotten, so a signed-out browser stops getting the workspace's
    events even if it never closed its socket."""
    if connections.still_signed_in(connection):
        return True
    # Already gone, or API Gateway unreachable: forgotten either way, never posted to again.
    with suppress(BotoCoreError, ClientError):
        client.delete_connection(ConnectionId=connection.connection_id)
    connections.forget(settings, connection.workspace_id, connection.connection_id)
    result.closed += 1
    return False


def _post(settings: Settings, client: Any, connection: connections.Connection, payload: bytes,
          result: FanOut) -> bool:
    """Post one message; False when the connection is gone (and now forgotten)."""
    try:
        client.post_to_connection(ConnectionId=connection.connection_id, Data=payload)
    except client.exceptions.GoneException:
        connections.forget(settings, connection.workspace_id, connection.connection_id)
        result.gone += 1
        return False
    except (BotoCoreError, ClientError):
        logger.warning("post to a live connection failed", exc_info=True,
                       extra={"connection_id": connection.connection_id, "workspace_id": connection.workspace_id})
        result.failed += 1
        return True
    result.posted += 1
    return True
