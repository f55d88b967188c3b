"""Platform operations run by LeadPilot staff, not by tenants.

Usage (against AWS, with the functions' environment variables set; on the local cloud: make platform-admin):
    python -m leadpilot.identity.platform grant-admin someone@example.com
"""
from __future__ import annotations

import argparse
import sys

from pynamodb.exceptions import DoesNotExist

from leadpilot.audit.log import record_platform
from leadpilot.contact_points import normalize_email
from leadpilot.db.base import IdentityModel, bind_tables
from leadpilot.db.identity_models import EmailClaimItem, MembershipItem, UserItem
from leadpilot.errors import ConfigurationError, NotFound
from leadpilot.settings import get_settings

ADMINS_GSI1PK = "PLATFORM_ADMINS"


def set_platform_admin(email: str, value: bool = True) -> str:
    """Make (or unmake) a user a platform super-admin; effective from their next login."""
    bind_tables(get_settings())
    try:
        claim = EmailClaimItem.get(f"EMAIL#{normalize_email(email)}", "USER", consistent_read=True)
    except DoesNotExist as exc:
        raise NotFound(f"no user with email {email}") from exc
    # Admins are also listed in GSI1 (PLATFORM_ADMINS / <user id>): platform reports are mailed to them
    listing = ([UserItem.GSI1PK.set(ADMINS_GSI1PK), UserItem.GSI1SK.set(claim.user_id)] if value
               else [UserItem.GSI1PK.remove(), UserItem.GSI1SK.remove()])
    UserItem(f"USER#{claim.user_id}", "PROFILE").update(actions=[UserItem.platform_admin.set(value), *listing],
                                                         condition=UserItem.PK.exists())
    record_platform("platform.admin_granted" if value else "platform.admin_revoked",
                    {"type": "user", "id": claim.user_id, "email": normalize_email(email)})
    return claim.user_id


def platform_admins() -> list[tuple[str, str]]:
    """(user id, email) of every platform administrator."""
    bind_tables(get_settings())
    return [(str(i.user_id), str(i.email)) for i in IdentityModel.gsi1.query(ADMINS_GSI1PK)
            if isinstance(i, UserItem) and i.platform_admin]


def home_workspace(user_id: str) -> str | None:
    """The first workspace a user belongs to (where their in-app notifications go)."""
    for item in IdentityModel.gsi1.query(f"USER#{user_id}", limit=1):
        if isinstance(item, MembershipItem):
            return str(item.workspace_id)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m leadpilot.identity.platform")
    parser.add_argument("command", choices=["grant-admin", "revoke-admin"])
    parser.add_argument("email")
    args = parser.parse_args(argv)
    try:
        user_id = set_platform_admin(args.email, args.command == "grant-admin")
    except (ConfigurationError, NotFound) as exc:  # a person reads this: one line, not a traceback
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 1
    print(f"{args.command}: {args.email} (user {user_id}); takes effect at their next login")
    return 0


if __name__ == "__main__":
    sys.exit(main())
