"""Support access: a platform admin acts as a workspace member for a short, stated reason.

The session is an ordinary session row marked with its admin, so every check an access token passes still
applies (membership, workspace status, revocation), plus its own deadline. Its token says who acts (`act`: the
admin) and as whom (`sub`: the user), and carries no refresh token. Each start and end is an entry in both the
workspace's and the platform's audit log; the workspace keeps a support-access record its owners can list, and
the user gets a notification.
"""
from __future__ import annotations

from typing import Any

from pynamodb.exceptions import TransactWriteError

from leadpilot.api.cursors import decode_cursor, query_page
from leadpilot.audit.log import record, record_platform
from leadpilot.clock import epoch_to_iso, now_epoch, now_iso
from leadpilot.db.base import transaction
from leadpilot.db.identity_models import SessionItem, SupportAccessItem
from leadpilot.errors import Forbidden, NotFound
from leadpilot.identity import store
from leadpilot.identity.access_tokens import issue_access_token
from leadpilot.identity.entities import Identity
from leadpilot.identity.secrets import new_opaque
from leadpilot.ids import new_id
from leadpilot.notifications.service import notify
from leadpilot.observability import metrics
from leadpilot.settings import Settings

DEFAULT_MINUTES = 30
NO_REFRESH = "lpr"  # the session's refresh token is made and thrown away: an impersonation cannot be extended


def require_platform_admin(identity: Identity) -> None:
    if not identity.platform_admin:
        raise Forbidden("platform administrators only", {"required": "platform_admin"})


def _status(item: SupportAccessItem) -> str:
    if item.ended_at is not None:
        return "ended"
    return "active" if item.ends_at > now_iso() else "expired"


def access_dict(item: SupportAccessItem) -> dict[str, Any]:
    return {"id": item.impersonation_id, "workspace_id": item.workspace_id,
            "user": {"id": item.user_id, "email": item.user_email},
            "admin": {"id": item.admin_id, "email": item.admin_email}, "reason": item.reason,
            "started_at": item.started_at, "expires_at": item.ends_at, "ended_at": item.ended_at,
            "status": _status(item)}


def start_impersonation(settings: Settings, identity: Identity, body: dict[str, Any]) -> dict[str, Any]:
    """Start acting as a member of a workspace (platform admins, with a reason); returns the session's token."""
    require_platform_admin(identity)
    workspace_id, user_id = body["workspace_id"], body["user_id"]
    if store.get_workspace_item(workspace_id) is None:
        raise NotFound("no such workspace", {"field": "workspace_id"})
    member = store.get_membership_item(workspace_id, user_id)
    if member is None:
        raise NotFound("no such member in that workspace", {"field": "user_id"})
    admin = identity.person()
    impersonation_id, now = new_id(), now_epoch()
    ends = now + 60 * int(body.get("minutes", DEFAULT_MINUTES))
    _, secret_hash = new_opaque(NO_REFRESH, impersonation_id)
    access = SupportAccessItem(store.ws_pk(workspace_id), f"SUPPORT#{impersonation_id}",
                               impersonation_id=impersonation_id, workspace_id=workspace_id, user_id=user_id,
                               user_email=member.email, admin_id=admin["id"], admin_email=admin.get("email", ""),
                               reason=body["reason"].strip(), started_at=epoch_to_iso(now), ends_at=epoch_to_iso(ends))
    with transaction(settings) as txn:
        txn.save(SessionItem(f"SESSION#{impersonation_id}", "SESSION", session_id=impersonation_id, user_id=user_id,
                             workspace_id=workspace_id, secret_hash=secret_hash, platform_admin=False,
                             created_at=access.started_at, expires_at=ends, impersonator_id=admin["id"],
                             impersonator_email=access.admin_email), condition=SessionItem.PK.does_not_exist())
        txn.save(access, condition=SupportAccessItem.PK.does_not_exist())
    _record("support.impersonation_started", access, {"reason": {"before": None, "after": access.reason},
                                                       "expires_at": {"before": None, "after": access.ends_at}})
    notify(settings, workspace_id, user_id, "support_access", "LeadPilot support accessed your workspace",
           f"{access.admin_email} signed in as you until {access.ends_at}. Reason: {access.reason}",
           "/settings/support-access")
    metrics.add_metric(name="ImpersonationStarted", unit="Count", value=1)
    token = issue_access_token(settings, user_id=user_id, workspace_id=workspace_id, session_id=impersonation_id,
                               actor_id=admin["id"], expires_at=ends, issued_at=now)  # its lifetime exactly
    return {**access_dict(access), "access_token": token, "token_type": "Bearer", "expires_in": ends - now}


def end_impersonation(settings: Settings, identity: Identity, impersonation_id: str) -> None:
    """End an impersonation now: its token stops working at once. Ending an ended one changes nothing."""
    require_platform_admin(identity)
    session = store.get_session_item(impersonation_id)
    if session is None or session.impersonator_id is None:
        raise NotFound("no such impersonation", {"field": "impersonation_id"})
    access = SupportAccessItem(store.ws_pk(session.workspace_id), f"SUPPORT#{impersonation_id}")
    ended = now_iso()
    try:
        with transaction(settings) as txn:
            txn.update(session, actions=[SessionItem.revoked.set(True)])
            txn.update(access, actions=[SupportAccessItem.ended_at.set(ended)],
                       condition=SupportAccessItem.PK.exists() & SupportAccessItem.ended_at.does_not_exist())
    except TransactWriteError:  # already ended (or its record is gone): nothing to record, the session still ends
        session.update(actions=[SessionItem.revoked.set(True)])
        return
    access.refresh(consistent_read=True)
    _record("support.impersonation_ended", access, {"ended_at": {"before": None, "after": ended}})


def _record(action: str, access: SupportAccessItem, changes: dict[str, Any]) -> None:
    """The same entry in the workspace's log and the platform's (the admin is the actor, from the request)."""
    target = {"type": "impersonation", "id": access.impersonation_id, "workspace_id": access.workspace_id}
    subject = {"type": "user", "id": access.user_id, "email": access.user_email}
    record(access.workspace_id, action, target, changes, subject=subject)
    record_platform(action, target, changes, subject=subject)


def list_support_access(identity: Identity, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """The workspace's impersonation sessions, newest first (who, as whom, why, when): all of them for owners and
    admins, a member's own for a member."""
    mine = None if identity.role in ("owner", "admin") else identity.principal_id
    items, next_cursor = query_page(SupportAccessItem, store.ws_pk(identity.workspace_id), "SUPPORT#", limit,
                                    decode_cursor(cursor), newest_first=True, consistent_read=True,
                                    keep=None if mine is None else lambda item: item.user_id == mine)
    return [access_dict(item) for item in items], next_cursor
