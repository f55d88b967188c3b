"""Data access for identity: pynamodb in, domain objects out, storage errors as domain errors."""
from __future__ import annotations

from collections.abc import Iterator

from pynamodb.exceptions import DoesNotExist

from leadpilot.db.base import IdentityModel, bind_tables
from leadpilot.db.identity_models import (
    ApiKeyItem,
    ConfigVersionsItem,
    InviteItem,
    MembershipItem,
    SessionItem,
    UserItem,
    WorkspaceItem,
)
from leadpilot.identity.entities import Member, User, Workspace
from leadpilot.settings import Settings


def ws_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}"


def bind(settings: Settings) -> None:
    """Point the identity models at this deployment's table."""
    bind_tables(settings)


def to_workspace(item: WorkspaceItem) -> Workspace:
    return Workspace(id=item.workspace_id, name=item.name, timezone=item.timezone,
                     default_region=item.default_region, status=item.status, created_at=item.created_at)


def to_user(item: UserItem) -> User:
    return User(id=item.user_id, email=item.email, name=item.name,
                platform_admin=bool(item.platform_admin), created_at=item.created_at)


def to_member(item: MembershipItem) -> Member:
    return Member(user_id=item.user_id, email=item.email, name=item.name, role=item.role,
                  joined_at=item.joined_at)


def get_workspace_item(workspace_id: str) -> WorkspaceItem | None:
    try:
        return WorkspaceItem.get(ws_pk(workspace_id), "WORKSPACE", consistent_read=True)
    except DoesNotExist:
        return None


def get_user_item(user_id: str) -> UserItem | None:
    try:
        return UserItem.get(f"USER#{user_id}", "PROFILE", consistent_read=True)
    except DoesNotExist:
        return None


def get_membership_item(workspace_id: str, user_id: str) -> MembershipItem | None:
    try:
        return MembershipItem.get(ws_pk(workspace_id), f"MEMBER#{user_id}", consistent_read=True)
    except DoesNotExist:
        return None


def get_session_item(session_id: str) -> SessionItem | None:
    try:
        return SessionItem.get(f"SESSION#{session_id}", "SESSION", consistent_read=True)
    except DoesNotExist:
        return None


def get_api_key_item(key_id: str) -> ApiKeyItem | None:
    try:
        return ApiKeyItem.get(f"APIKEY#{key_id}", "APIKEY", consistent_read=True)
    except DoesNotExist:
        return None


def get_invite_item(invite_id: str) -> InviteItem | None:
    try:
        return InviteItem.get(f"INVITE#{invite_id}", "INVITE", consistent_read=True)
    except DoesNotExist:
        return None


def session_membership_workspace(session_id: str, workspace_id: str, user_id: str
                                 ) -> tuple[SessionItem | None, MembershipItem | None, WorkspaceItem | None]:
    """The three items that authenticate an access token, in one BatchGetItem."""
    session, membership, workspace, _ = caller_items(session_id, workspace_id, user_id)
    return session, membership, workspace


def caller_items(session_id: str, workspace_id: str, user_id: str
                 ) -> tuple[SessionItem | None, MembershipItem | None, WorkspaceItem | None, ConfigVersionsItem]:
    """What authenticates an access token (session, membership, workspace) and the workspace's configuration
    versions, in one strongly consistent BatchGetItem."""
    keys = [(f"SESSION#{session_id}", "SESSION"), (ws_pk(workspace_id), f"MEMBER#{user_id}"),
            (ws_pk(workspace_id), "WORKSPACE"), config_versions_key(workspace_id)]
    found: dict[type, IdentityModel] = {}
    for item in IdentityModel.batch_get(keys, consistent_read=True):
        found[type(item)] = item
    versions = found.get(ConfigVersionsItem) or ConfigVersionsItem(*config_versions_key(workspace_id))
    return (found.get(SessionItem), found.get(MembershipItem), found.get(WorkspaceItem),  # type: ignore[return-value]
            versions)  # type: ignore[return-value]


def config_versions_key(workspace_id: str) -> tuple[str, str]:
    return ws_pk(workspace_id), "CONFIG_VERSIONS"


def workspace_and_versions(workspace_id: str) -> tuple[WorkspaceItem | None, ConfigVersionsItem]:
    """The workspace item and its configuration versions, in one strongly consistent BatchGetItem."""
    found: dict[type, IdentityModel] = {}
    for item in IdentityModel.batch_get([(ws_pk(workspace_id), "WORKSPACE"), config_versions_key(workspace_id)],
                                        consistent_read=True):
        found[type(item)] = item
    versions = found.get(ConfigVersionsItem) or ConfigVersionsItem(*config_versions_key(workspace_id))
    return found.get(WorkspaceItem), versions  # type: ignore[return-value]


def members_of(workspace_id: str) -> Iterator[MembershipItem]:
    return MembershipItem.query(ws_pk(workspace_id), MembershipItem.SK.startswith("MEMBER#"),
                                consistent_read=True)


def workspaces_of(user_id: str) -> list[str]:
    """Ids of the workspaces a user belongs to (GSI1, oldest membership first)."""
    return [item.workspace_id for item in IdentityModel.gsi1.query(f"USER#{user_id}")
            if isinstance(item, MembershipItem)]
