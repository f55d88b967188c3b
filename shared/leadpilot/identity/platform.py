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
from leadpilot.db.base import bind_tables
from leadpilot.db.identity_models import EmailClaimItem, UserItem
from leadpilot.errors import ConfigurationError, NotFound
from leadpilot.settings import get_settings


def set_platform_admin(email: str, value: bool = True) -> str:
    """Make (or unmake) a user a platform super-admin; effective from their next login."""
    bind_tables(get_settings())
    try:
        claim = EmailClaimItem.get(f"EMAIL#{normalize_email(email)}", "USER", consistent_read=True)
    except DoesNotExist as exc:
        raise NotFound(f"no user with email {email}") from exc
    UserItem(f"USER#{claim.user_id}", "PROFILE").update(actions=[UserItem.platform_admin.set(value)],
                                                         condition=UserItem.PK.exists())
    record_platform("platform.admin_granted" if value else "platform.admin_revoked",
                    {"type": "user", "id": claim.user_id, "email": normalize_email(email)})
    return claim.user_id


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
