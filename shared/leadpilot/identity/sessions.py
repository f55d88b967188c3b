"""Sign-up, login (with brute-force protection), refresh-token rotation and logout."""
from __future__ import annotations

from contextlib import suppress
from typing import Any

from pynamodb.exceptions import PutError, TransactWriteError, UpdateError

from leadpilot.audit.log import record
from leadpilot.clock import now_epoch, now_iso
from leadpilot.contact_points import check_region, check_timezone, normalize_email
from leadpilot.db.base import transaction
from leadpilot.db.identity_models import (
    EmailClaimItem,
    LoginThrottleItem,
    MembershipItem,
    SessionItem,
    UserItem,
    WorkspaceItem,
)
from leadpilot.errors import Conflict, TooManyRequests, Unauthorized
from leadpilot.identity import store
from leadpilot.identity.access_tokens import issue_access_token
from leadpilot.identity.entities import Identity, TokenPair, User, Workspace
from leadpilot.identity.secrets import (
    dummy_password_hash,
    hash_password,
    new_opaque,
    same_hash,
    split_opaque,
    verify_password,
)
from leadpilot.ids import new_id
from leadpilot.observability import metrics
from leadpilot.settings import Settings

REFRESH_PREFIX = "lpr"


def new_user_items(email: str, name: str, password: str) -> tuple[UserItem, EmailClaimItem]:
    """A user and the claim that makes its email unique (saved by the caller's transaction)."""
    user_id, now = new_id(), now_iso()
    user = UserItem(f"USER#{user_id}", "PROFILE", user_id=user_id, email=email, name=name,
                    password_hash=hash_password(password), created_at=now)
    claim = EmailClaimItem(f"EMAIL#{email}", "USER", user_id=user_id)
    return user, claim


def membership_item(workspace_id: str, user: UserItem, role: str) -> MembershipItem:
    return MembershipItem(store.ws_pk(workspace_id), f"MEMBER#{user.user_id}", workspace_id=workspace_id,
                          user_id=user.user_id, role=role, email=user.email, name=user.name,
                          joined_at=now_iso(), GSI1PK=f"USER#{user.user_id}",
                          GSI1SK=f"WS#{workspace_id}")


def start_session(settings: Settings, user: UserItem, workspace_id: str) -> TokenPair:
    """Create a session and return its first access + refresh tokens."""
    session_id = new_id()
    refresh, secret_hash = new_opaque(REFRESH_PREFIX, session_id)
    SessionItem(f"SESSION#{session_id}", "SESSION", session_id=session_id, user_id=user.user_id,
                workspace_id=workspace_id, secret_hash=secret_hash, platform_admin=bool(user.platform_admin),
                created_at=now_iso(), expires_at=now_epoch() + settings.refresh_token_ttl_s).save()
    access = issue_access_token(settings, user_id=user.user_id, workspace_id=workspace_id,
                                session_id=session_id)
    return TokenPair(access, refresh, settings.access_token_ttl_s)


def sign_up(settings: Settings, body: dict[str, Any]) -> tuple[Workspace, User, TokenPair]:
    """Create a workspace with its owner in one transaction, and log the owner in."""
    email = normalize_email(body["email"])
    timezone = check_timezone(body.get("timezone", "UTC"))
    region = check_region(body.get("default_region", "US"))
    user, claim = new_user_items(email, body["name"].strip(), body["password"])
    workspace_id, now = new_id(), now_iso()
    workspace = WorkspaceItem(store.ws_pk(workspace_id), "WORKSPACE", workspace_id=workspace_id,
                              name=body["workspace_name"].strip(), timezone=timezone, default_region=region,
                              created_at=now, updated_at=now, GSI1PK="WORKSPACES",
                              GSI1SK=f"{now}#{workspace_id}")
    try:
        with transaction(settings) as txn:
            txn.save(claim, condition=EmailClaimItem.PK.does_not_exist())
            txn.save(user, condition=UserItem.PK.does_not_exist())
            txn.save(workspace, condition=WorkspaceItem.PK.does_not_exist())
            txn.save(membership_item(workspace_id, user, "owner"))
    except TransactWriteError as exc:
        reasons = exc.cancellation_reasons
        if reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
            raise Conflict("an account with this email already exists; log in instead",
                           {"field": "email"}) from exc
        raise
    record(workspace_id, "workspace.created", {"type": "workspace", "id": workspace_id},
           {"name": {"before": None, "after": workspace.name}}, actor=_person(user))
    metrics.add_metric(name="WorkspaceSignedUp", unit="Count", value=1)
    tokens = start_session(settings, user, workspace_id)
    return store.to_workspace(workspace), store.to_user(user), tokens


def _throttle_check(settings: Settings, email: str) -> None:
    try:
        item = LoginThrottleItem.get(f"LOGIN#{email}", "THROTTLE", consistent_read=True)
    except LoginThrottleItem.DoesNotExist:
        return
    retry_after = item.window_started + settings.login_window_s - now_epoch()
    if item.failures >= settings.login_max_failures and retry_after > 0:
        raise TooManyRequests("too many failed logins for this account; try again later",
                              {"retry_after_seconds": retry_after})


def _record_failure(settings: Settings, email: str) -> None:
    """Count a failed login atomically; a window older than login_window_s starts over."""
    now = now_epoch()
    item = LoginThrottleItem(f"LOGIN#{email}", "THROTTLE")
    try:
        item.update(actions=[LoginThrottleItem.failures.add(1),
                             LoginThrottleItem.expires_at.set(now + settings.login_window_s)],
                    condition=LoginThrottleItem.window_started > now - settings.login_window_s)
    except UpdateError:
        try:
            LoginThrottleItem(f"LOGIN#{email}", "THROTTLE", failures=1, window_started=now,
                              expires_at=now + settings.login_window_s).save(
                condition=LoginThrottleItem.PK.does_not_exist()
                | (LoginThrottleItem.window_started <= now - settings.login_window_s))
        except PutError:
            # Another failure restarted the window concurrently: count this one in it.
            item.update(actions=[LoginThrottleItem.failures.add(1)])


def log_in(settings: Settings, body: dict[str, Any]) -> tuple[User, str, TokenPair]:
    """Check email + password and start a session in the requested (or first) workspace."""
    email = normalize_email(body["email"])
    _throttle_check(settings, email)
    try:
        claim = EmailClaimItem.get(f"EMAIL#{email}", "USER", consistent_read=True)
        user = store.get_user_item(claim.user_id)
    except EmailClaimItem.DoesNotExist:
        user = None
    if user is None:
        verify_password(dummy_password_hash(), body["password"])
        _record_failure(settings, email)
        raise Unauthorized("email or password is incorrect")
    if not verify_password(user.password_hash, body["password"]):
        _record_failure(settings, email)
        for workspace_id in store.workspaces_of(user.user_id):  # the same refusal either way: nothing says who exists
            record(workspace_id, "auth.login_failed", _person(user), actor=_person(user))
        raise Unauthorized("email or password is incorrect")
    workspaces = store.workspaces_of(user.user_id)
    wanted = body.get("workspace_id")
    if wanted is not None and wanted not in workspaces:
        raise Unauthorized("you are not a member of that workspace", {"field": "workspace_id"})
    if not workspaces:
        raise Unauthorized("this account belongs to no workspace")
    workspace_id = wanted or workspaces[0]
    LoginThrottleItem(f"LOGIN#{email}", "THROTTLE").delete()
    record(workspace_id, "auth.login", _person(user), actor=_person(user))
    metrics.add_metric(name="UserLoggedIn", unit="Count", value=1)
    return store.to_user(user), workspace_id, start_session(settings, user, workspace_id)


def _person(user: UserItem) -> dict[str, str]:
    return {"type": "user", "id": user.user_id, "email": user.email}


def refresh(settings: Settings, refresh_token: str) -> TokenPair:
    """Rotate a refresh token. Reusing an already-rotated token revokes the whole session."""
    parsed = split_opaque(REFRESH_PREFIX, refresh_token)
    if parsed is None:
        raise Unauthorized("refresh token is invalid", {"field": "refresh_token"})
    session_id, presented = parsed
    session = store.get_session_item(session_id)
    if session is None or session.revoked or (session.expires_at or 0) < now_epoch():
        raise Unauthorized("refresh token is invalid or expired", {"field": "refresh_token"})
    if same_hash(presented, session.previous_hash):
        session.update(actions=[SessionItem.revoked.set(True)])
        record(session.workspace_id, "auth.session_revoked", {"type": "session", "id": session_id},
               {"reason": {"before": None, "after": "refresh_token_reused"}},
               actor={"type": "user", "id": session.user_id})
        raise Unauthorized("refresh token was already used; the session is revoked",
                           {"field": "refresh_token", "reason": "reused"})
    if not same_hash(presented, session.secret_hash):
        raise Unauthorized("refresh token is invalid", {"field": "refresh_token"})
    new_token, new_hash = new_opaque(REFRESH_PREFIX, session_id)
    try:
        session.update(actions=[SessionItem.secret_hash.set(new_hash), SessionItem.previous_hash.set(presented)],
                       condition=(SessionItem.secret_hash == presented) & (SessionItem.revoked == False))  # noqa: E712
    except UpdateError as exc:
        raise Unauthorized("refresh token was already used", {"field": "refresh_token"}) from exc
    access = issue_access_token(settings, user_id=session.user_id, workspace_id=session.workspace_id,
                                session_id=session_id)
    return TokenPair(access, new_token, settings.access_token_ttl_s)


def log_out(identity: Identity) -> None:
    """Revoke the caller's session: its refresh token and every access token issued from it stop working."""
    if identity.session_id is None:
        return
    with suppress(UpdateError):  # already expired and removed by TTL: nothing left to revoke
        SessionItem(f"SESSION#{identity.session_id}", "SESSION").update(actions=[SessionItem.revoked.set(True)],
                                                                        condition=SessionItem.PK.exists())
    record(identity.workspace_id, "auth.logout", {"type": "session", "id": identity.session_id})
