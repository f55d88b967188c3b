"""Agencies and their sub-accounts: becoming an agency, creating, listing and opening sub-accounts.

A sub-account is an ordinary workspace; what makes it one is a listing item under its agency and a parent
pointer under itself, written in the same transaction as the workspace. Every lookup of a sub-account is keyed
by the caller's own workspace, so an id that is not one of the caller's sub-accounts is simply not found (404).
"""
from __future__ import annotations

from contextlib import suppress
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError

from leadpilot.agency.models import AgencyItem, ParentAgencyItem, SubAccountItem
from leadpilot.api.cursors import decode_cursor, query_page
from leadpilot.clock import now_iso
from leadpilot.contact_points import check_region, check_timezone, normalize_email
from leadpilot.db.base import transaction
from leadpilot.db.identity_models import MembershipItem, WorkspaceItem
from leadpilot.errors import Conflict, Forbidden, NotFound, ValidationFailed
from leadpilot.identity import store, team
from leadpilot.identity.entities import SCOPES, Identity
from leadpilot.identity.sessions import membership_item, start_session
from leadpilot.ids import new_id
from leadpilot.observability import metrics
from leadpilot.settings import Settings

OPENED_ROLE = "admin"  # what an agency admin is in a sub-account they open


class NotAnAgency(Forbidden):
    """An agency route called from a workspace that is not an agency."""

    code = "not_an_agency"


def sub_accounts_pk(agency_id: str) -> str:
    return f"WS#{agency_id}#SUBACCOUNTS"


def _agency_item(workspace_id: str) -> AgencyItem | None:
    try:
        return AgencyItem.get(store.ws_pk(workspace_id), "AGENCY", consistent_read=True)
    except DoesNotExist:
        return None


def _parent(workspace_id: str) -> str | None:
    try:
        return str(ParentAgencyItem.get(store.ws_pk(workspace_id), "AGENCY_PARENT", consistent_read=True).agency_id)
    except DoesNotExist:
        return None


def require_agency(identity: Identity) -> AgencyItem:
    """The caller's agency record, or 403 not_an_agency."""
    item = _agency_item(identity.workspace_id)
    if item is None:
        raise NotAnAgency("this workspace is not an agency", {"reason": "not_an_agency"})
    return item


def _agency_view(identity: Identity, item: AgencyItem) -> dict[str, Any]:
    return {"id": identity.workspace_id, "name": identity.workspace.name, "created_at": item.created_at}


def become_agency(identity: Identity) -> dict[str, Any]:
    """Make the caller's workspace an agency (idempotent); a sub-account cannot become one."""
    existing = _agency_item(identity.workspace_id)
    if existing is not None:
        return _agency_view(identity, existing)
    if _parent(identity.workspace_id) is not None:
        raise Conflict("a sub-account cannot become an agency", {"reason": "is_sub_account"})
    item = AgencyItem(store.ws_pk(identity.workspace_id), "AGENCY", workspace_id=identity.workspace_id,
                      created_at=now_iso(), created_by=identity.principal_id)
    with suppress(PutError):  # a concurrent request made it an agency first: same outcome
        item.save(condition=AgencyItem.PK.does_not_exist())
        metrics.add_metric(name="AgencyCreated", unit="Count", value=1)
    return _agency_view(identity, require_agency(identity))


def describe_agency(identity: Identity) -> dict[str, Any]:
    return _agency_view(identity, require_agency(identity))


def _view(item: SubAccountItem) -> dict[str, Any]:
    return {"id": item.sub_account_id, "name": item.name, "timezone": item.timezone,
            "created_at": item.created_at}


def create_sub_account(settings: Settings, identity: Identity, body: dict[str, Any]) -> dict[str, Any]:
    """A new workspace owned by the caller's agency; with owner_email, an owner invite to it (token shown once)."""
    require_agency(identity)
    name = body["name"].strip()
    if not name:
        raise ValidationFailed.field("name", "must not be blank")
    timezone = check_timezone(body["timezone"])
    region = check_region(body.get("default_region", identity.workspace.default_region))
    owner_email = normalize_email(body["owner_email"], "owner_email") if "owner_email" in body else None
    sub_id, now = new_id(), now_iso()
    workspace = WorkspaceItem(store.ws_pk(sub_id), "WORKSPACE", workspace_id=sub_id, name=name, timezone=timezone,
                              default_region=region, created_at=now, updated_at=now, GSI1PK="WORKSPACES",
                              GSI1SK=f"{now}#{sub_id}")
    listing = SubAccountItem(sub_accounts_pk(identity.workspace_id), f"SUB#{sub_id}", sub_account_id=sub_id,
                             name=name, timezone=timezone, created_at=now, created_by=identity.principal_id)
    with transaction(settings) as txn:
        txn.save(workspace, condition=WorkspaceItem.PK.does_not_exist())
        txn.save(listing, condition=SubAccountItem.PK.does_not_exist())
        txn.save(ParentAgencyItem(store.ws_pk(sub_id), "AGENCY_PARENT", agency_id=identity.workspace_id))
    metrics.add_metric(name="SubAccountCreated", unit="Count", value=1)
    invite = None
    if owner_email is not None:
        invite = team.create_invite(settings, _acting_in(sub_id, identity, "owner"),
                                    {"email": owner_email, "role": "owner"})
    return {**_view(listing), "owner_invite": invite}


def _acting_in(workspace_id: str, identity: Identity, role: str) -> Identity:
    """The agency user acting inside one of its sub-accounts (checked by the caller to be one)."""
    item = store.get_workspace_item(workspace_id)
    if item is None:
        raise NotFound("sub-account not found", {"field": "sub_account_id"})
    return Identity(workspace=store.to_workspace(item), principal_type="user", principal_id=identity.principal_id,
                    role=role, scopes=frozenset(SCOPES))


def list_sub_accounts(identity: Identity, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the agency's sub-accounts, oldest first."""
    require_agency(identity)
    items, next_cursor = query_page(SubAccountItem, sub_accounts_pk(identity.workspace_id), "SUB#", limit,
                                    decode_cursor(cursor), consistent_read=True)
    return [_view(i) for i in items], next_cursor


def sub_account_item(identity: Identity, sub_account_id: str, field: str = "sub_account_id") -> SubAccountItem:
    """One of the caller's sub-accounts, or 404 naming `field` (also for a workspace that is no agency)."""
    try:
        return SubAccountItem.get(sub_accounts_pk(identity.workspace_id), f"SUB#{sub_account_id}",
                                  consistent_read=True)
    except DoesNotExist as exc:
        raise NotFound("no such sub-account in this agency", {"field": field}) from exc


def get_sub_account(identity: Identity, sub_account_id: str) -> dict[str, Any]:
    return _view(sub_account_item(identity, sub_account_id))


def acting_in_sub_account(identity: Identity, sub_account_id: str, field: str) -> Identity:
    """The caller acting as an owner inside one of its own sub-accounts (404 naming `field` otherwise)."""
    sub_account_item(identity, sub_account_id, field)
    return _acting_in(sub_account_id, identity, "owner")


def open_sub_account(settings: Settings, identity: Identity, sub_account_id: str) -> dict[str, Any]:
    """Give the calling agency admin a membership in the sub-account (once) and a session there.

    The membership is an ordinary one, so the identity capability's workspace switching (POST /auth/login with
    workspace_id) works for the sub-account too, and the sub-account's member list shows who can enter it."""
    sub = sub_account_item(identity, sub_account_id)
    user = store.get_user_item(identity.principal_id)
    if user is None:
        raise NotFound("user not found", {"field": "user"})
    membership = store.get_membership_item(sub.sub_account_id, user.user_id)
    if membership is None:
        membership = membership_item(sub.sub_account_id, user, OPENED_ROLE)
        membership.granted_by = identity.workspace_id  # leaving the agency takes it away (identity.team)
        with suppress(PutError):  # opened twice at once: one membership either way
            membership.save(condition=MembershipItem.PK.does_not_exist())
    workspace = store.get_workspace_item(sub.sub_account_id)
    if workspace is None:
        raise NotFound("no such sub-account in this agency", {"field": "sub_account_id"})
    tokens = start_session(settings, user, sub.sub_account_id)
    metrics.add_metric(name="SubAccountOpened", unit="Count", value=1)
    return {"workspace": store.to_workspace(workspace).to_dict(), "role": membership.role, **tokens.to_dict()}
