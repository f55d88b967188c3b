"""Opening, listing and closing the live connections of a workspace."""
from __future__ import annotations

from dataclasses import dataclass

from leadpilot.clock import now_epoch, now_iso
from leadpilot.db.base import CrmModel, bind_tables
from leadpilot.errors import Unauthorized
from leadpilot.identity.authenticate import from_access_token
from leadpilot.identity.store import session_membership_workspace
from leadpilot.live.models import LiveConnectionItem, connection_gsi1pk, connections_pk
from leadpilot.settings import Settings

# Longer than API Gateway's 2-hour cap on a connection: TTL only removes those whose $disconnect was lost.
CONNECTION_TTL_S = 3 * 3600


@dataclass(frozen=True)
class Connection:
    """An open WebSocket of one member's browser."""

    connection_id: str
    workspace_id: str
    user_id: str
    session_id: str | None = None


def connect(settings: Settings, connection_id: str, token: str | None) -> Connection:
    """Admit a browser by its access token (the `token` query parameter: browsers cannot set headers on a
    WebSocket) and remember its connection; a missing or bad token is Unauthorized."""
    bind_tables(settings)
    if not token:
        raise Unauthorized("authentication required: pass the access token as ?token=", {"reason": "missing"})
    identity = from_access_token(settings, token)
    LiveConnectionItem(connections_pk(identity.workspace_id), f"CONN#{connection_id}",
                       connection_id=connection_id, workspace_id=identity.workspace_id,
                       user_id=identity.principal_id, session_id=identity.session_id, connected_at=now_iso(),
                       GSI1PK=connection_gsi1pk(connection_id), GSI1SK="CONN",
                       expires_at=now_epoch() + CONNECTION_TTL_S).save()
    return Connection(connection_id, identity.workspace_id, identity.principal_id, identity.session_id)


def disconnect(settings: Settings, connection_id: str) -> bool:
    """Forget a closed connection (found by its id alone); False when it was not known."""
    bind_tables(settings)
    found = [item for item in CrmModel.gsi1.query(connection_gsi1pk(connection_id))
             if isinstance(item, LiveConnectionItem)]
    for item in found:
        item.delete()
    return bool(found)


def forget(settings: Settings, workspace_id: str, connection_id: str) -> None:
    """Delete one connection of a workspace (API Gateway answered Gone for it)."""
    bind_tables(settings)
    LiveConnectionItem(connections_pk(workspace_id), f"CONN#{connection_id}").delete()  # no-op when already gone


def of_workspace(settings: Settings, workspace_id: str) -> list[Connection]:
    """The workspace's open connections (ones past their TTL that DynamoDB has not removed yet are left out)."""
    bind_tables(settings)
    now = now_epoch()
    items = LiveConnectionItem.query(connections_pk(workspace_id), LiveConnectionItem.SK.startswith("CONN#"))
    return [Connection(item.connection_id, item.workspace_id, item.user_id, item.session_id) for item in items
            if item.expires_at is None or item.expires_at > now]


def still_signed_in(connection: Connection) -> bool:
    """Whether the session that opened the connection is still live and its user still a member of an active
    workspace: what an access token of that session would need (a logout, a removal or a suspension ends it)."""
    if connection.session_id is None:
        return True
    session, membership, workspace = session_membership_workspace(connection.session_id, connection.workspace_id,
                                                                  connection.user_id)
    return bool(session is not None and not session.revoked and session.user_id == connection.user_id
                and membership is not None and workspace is not None and workspace.status == "active")
