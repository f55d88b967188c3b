"""Members and invites of a workspace."""
from __future__ import annotations

from contextlib import suppress
from typing import Any

from pynamodb.exceptions import TransactWriteError

from leadpilot.api.cursors import decode_cursor, gsi_page, query_page
from leadpilot.audit.log import record, record_in
from leadpilot.clock import epoch_to_iso, now_epoch, now_iso
from leadpilot.contact_points import normalize_email
from leadpilot.db.base import IdentityModel, transaction
from leadpilot.db.identity_models import EmailClaimItem, InviteItem, MembershipItem, UserItem
from leadpilot.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from leadpilot.identity import store
from leadpilot.identity.entities import Identity, Member, TokenPair, Workspace
from leadpilot.identity.secrets import new_opaque, same_hash, split_opaque, verify_password
from leadpilot.identity.sessions import membership_item, new_user_items, start_session
from leadpilot.ids import new_id
from leadpilot.settings import Settings

INVITE_PREFIX = "lpi"


def list_members(identity: Identity, limit: int, cursor: str | None) -> tuple[list[Member], str | None]:
    """A page of the workspace's members, by user id."""
    items, next_cursor = query_page(MembershipItem, store.ws_pk(identity.workspace_id), "MEMBER#", limit,
                                    decode_cursor(cursor), consistent_read=True)
    return [store.to_member(item) for item in items], next_cursor


def _member_or_404(identity: Identity, user_id: str) -> MembershipItem:
    item = store.get_membership_item(identity.workspace_id, user_id)
    if item is None:
        raise NotFound("no such member in this workspace", {"field": "user_id"})
    return item


def _owners(identity: Identity) -> int:
    return sum(1 for m in store.members_of(identity.workspace_id) if m.role == "owner")


def change_role(settings: Settings, identity: Identity, user_id: str, role: str) -> Member:
    """Only an owner changes roles; the last owner cannot be demoted. The change and its audit entry are one
    transaction, conditional on the role read (a member removed or changed meanwhile is a 404 and no entry)."""
    item = _member_or_404(identity, user_id)
    if identity.role != "owner":
        raise Forbidden("only an owner can change roles", {"required_roles": ["owner"]})
    if item.role == "owner" and role != "owner" and _owners(identity) <= 1:
        raise Conflict("a workspace needs at least one owner", {"field": "role"})
    before = item.role
    try:
        with transaction(settings) as txn:
            txn.update(item, actions=[MembershipItem.role.set(role)], condition=MembershipItem.role == before)
            record_in(txn, identity.workspace_id, "member.role_changed", _target(item),
                      {"role": {"before": before, "after": role}})
    except TransactWriteError as exc:
        raise NotFound("no such member in this workspace", {"field": "user_id"}) from exc
    item.role = role
    return store.to_member(item)


def _target(item: MembershipItem) -> dict[str, str]:
    return {"type": "user", "id": item.user_id, "email": item.email}


def remove_member(settings: Settings, identity: Identity, user_id: str) -> None:
    """Owners remove anyone; admins remove members and admins; the last owner stays. The removal and its audit
    entry are one transaction (removed meanwhile: a 404 and no entry)."""
    item = _member_or_404(identity, user_id)
    if item.role == "owner" and identity.role != "owner":
        raise Forbidden("only an owner can remove an owner", {"required_roles": ["owner"]})
    if item.role == "owner" and _owners(identity) <= 1:
        raise Conflict("a workspace needs at least one owner", {"field": "user_id"})
    try:
        with transaction(settings) as txn:
            txn.delete(item, condition=MembershipItem.PK.exists())
            record_in(txn, identity.workspace_id, "member.removed", _target(item),
                      {"role": {"before": item.role, "after": None}})
    except TransactWriteError as exc:
        raise NotFound("no such member in this workspace", {"field": "user_id"}) from exc
    _remove_granted(settings, identity.workspace_id, user_id)


def _remove_granted(settings: Settings, workspace_id: str, user_id: str) -> None:
    """Remove the memberships the person got through this workspace (an agency's sub-accounts they opened): they
    came with their place here and go with it. The user's memberships are one GSI Query."""
    for granted in IdentityModel.gsi1.query(f"USER#{user_id}"):
        if isinstance(granted, MembershipItem) and granted.granted_by == workspace_id:
            # Replaced meanwhile (by an invite: the condition fails): not the agency's to take away, no entry
            with suppress(TransactWriteError), transaction(settings) as txn:
                txn.delete(granted, condition=MembershipItem.granted_by == workspace_id)
                record_in(txn, granted.workspace_id, "member.removed", _target(granted),
                          {"role": {"before": granted.role, "after": None},
                           "granted_by": {"before": workspace_id, "after": None}})


def _invite_dict(item: InviteItem) -> dict[str, Any]:
    return {"id": item.invite_id, "email": item.email, "role": item.role, "status": item.status,
            "invited_by": item.invited_by, "created_at": item.created_at,
            "expires_at": epoch_to_iso(int(item.expires_at or 0))}


def create_invite(settings: Settings, identity: Identity, body: dict[str, Any]) -> dict[str, Any]:
    """Invite an email address to this workspace; the token is shown once."""
    email = normalize_email(body["email"])
    role = body.get("role", "member")
    if role == "owner" and identity.role != "owner":
        raise Forbidden("only an owner can invite an owner", {"field": "role"})
    for member in store.members_of(identity.workspace_id):
        if member.email == email:
            raise Conflict("this person is already a member", {"field": "email", "user_id": member.user_id})
    invite_id = new_id()
    token, secret_hash = new_opaque(INVITE_PREFIX, invite_id)
    item = InviteItem(f"INVITE#{invite_id}", "INVITE", invite_id=invite_id, workspace_id=identity.workspace_id,
                      email=email, role=role, secret_hash=secret_hash, invited_by=identity.principal_id,
                      created_at=now_iso(), expires_at=now_epoch() + settings.invite_ttl_s,
                      GSI1PK=f"WS#{identity.workspace_id}#INVITES", GSI1SK=invite_id)
    with transaction(settings) as txn:  # the invite and its audit entry: both or neither
        txn.save(item, condition=InviteItem.PK.does_not_exist())
        record_in(txn, identity.workspace_id, "invite.sent", _invite_target(item),
                  {"role": {"before": None, "after": role}})
    return {**_invite_dict(item), "token": token}


def _invite_target(item: InviteItem) -> dict[str, str]:
    return {"type": "invite", "id": item.invite_id, "email": item.email}


def list_invites(identity: Identity, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the workspace's invites, by id (oldest first)."""
    ws = identity.workspace_id
    items, next_cursor = gsi_page(IdentityModel.gsi1, f"WS#{ws}#INVITES", limit, decode_cursor(cursor),
                                  lambda invite_id: (f"INVITE#{invite_id}", "INVITE"),
                                  keep=lambda i: isinstance(i, InviteItem) and i.workspace_id == ws)
    return [_invite_dict(i) for i in items], next_cursor


def revoke_invite(identity: Identity, invite_id: str) -> None:
    item = store.get_invite_item(invite_id)
    if item is None or item.workspace_id != identity.workspace_id:
        raise NotFound("no such invite in this workspace", {"field": "invite_id"})
    item.delete()
    record(identity.workspace_id, "invite.revoked", _invite_target(item),
           {"status": {"before": item.status, "after": "revoked"}})


def accept_invite(settings: Settings, body: dict[str, Any]) -> tuple[Workspace, Member, TokenPair]:
    """Join a workspace with an invite token: a new account, or an existing one proved by password."""
    parsed = split_opaque(INVITE_PREFIX, body["token"])
    item = store.get_invite_item(parsed[0]) if parsed else None
    if (parsed is None or item is None or not same_hash(parsed[1], item.secret_hash)
            or item.status != "pending" or (item.expires_at or 0) < now_epoch()):
        raise NotFound("invite is invalid, used or expired", {"field": "token"})
    workspace = store.get_workspace_item(item.workspace_id)
    if workspace is None:
        raise NotFound("invite is invalid, used or expired", {"field": "token"})
    try:
        claim = EmailClaimItem.get(f"EMAIL#{item.email}", "USER", consistent_read=True)
        user = store.get_user_item(claim.user_id)
    except EmailClaimItem.DoesNotExist:
        user = None
    new_items: list[Any] = []
    if user is None:
        if not body.get("name"):
            raise ValidationFailed.field("name", "is required to create your account")
        user, claim = new_user_items(item.email, body["name"].strip(), body["password"])
        new_items = [(claim, EmailClaimItem.PK.does_not_exist()), (user, UserItem.PK.does_not_exist())]
    elif not verify_password(user.password_hash, body["password"]):
        raise Unauthorized("password is incorrect for the existing account", {"field": "password"})
    membership = membership_item(item.workspace_id, user, item.role)
    try:
        with transaction(settings) as txn:
            txn.update(item, actions=[InviteItem.status.set("accepted")],
                       condition=InviteItem.status == "pending")
            txn.save(membership, condition=MembershipItem.PK.does_not_exist())
            for new_item, condition in new_items:
                txn.save(new_item, condition=condition)
    except TransactWriteError as exc:
        raise Conflict("invite was already used, or you are already a member", {"field": "token"}) from exc
    record(item.workspace_id, "invite.accepted", _invite_target(item),
           {"role": {"before": None, "after": item.role}},
           actor={"type": "user", "id": user.user_id, "email": user.email})
    tokens = start_session(settings, user, item.workspace_id)
    return store.to_workspace(workspace), store.to_member(membership), tokens
