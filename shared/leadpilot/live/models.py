"""Items of the live-updates capability (CRM table)."""
from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute

from leadpilot.db.base import CrmModel


def connections_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#LIVE"


def connection_gsi1pk(connection_id: str) -> str:
    return f"LIVECONN#{connection_id}"


class LiveConnectionItem(CrmModel, discriminator="live_connection"):
    """PK: WS#<ws>#LIVE  SK: CONN#<connection_id>. One open WebSocket of a member's browser.

    GSI1: LIVECONN#<connection_id> / CONN: $disconnect carries only the connection id, this finds its workspace.
    TTL: expires_at a few hours on (API Gateway closes a connection after 2 hours), so a connection whose
    $disconnect never ran is gone without anyone deleting it.
    """

    connection_id = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    session_id = UnicodeAttribute(null=True)  # what a logout would close
    connected_at = UnicodeAttribute()
