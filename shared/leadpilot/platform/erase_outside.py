"""What an erased workspace leaves outside its own partitions, undone by the erasure's first chunk (before its
items go, since they are what finds it): the profiles of users who belong to no other workspace, its hosts'
calendar push channels at Google and Microsoft, its webhooks' pending retry schedules (EventBridge Scheduler) and
its from identity in SES. Each step can run again: it finds the same things (the items are still there) and undoing
them twice has no second effect, so the counts are the same on a redelivery.
"""
from __future__ import annotations

from contextlib import suppress

from pynamodb.exceptions import DeleteError

from leadpilot.calendar_sync import watches
from leadpilot.calendar_sync.config import sync_config
from leadpilot.db.identity_models import EmailClaimItem, LoginThrottleItem
from leadpilot.email import provider as email_provider
from leadpilot.email.senders import release_sender
from leadpilot.identity import store
from leadpilot.settings import Settings
from leadpilot.webhooks.config import webhooks_config
from leadpilot.webhooks.endpoints import endpoints_pk
from leadpilot.webhooks.models import EndpointItem
from leadpilot.webhooks.queue import cancel_schedules


def erase_outside(settings: Settings, workspace_id: str) -> dict[str, int]:
    """Undo what the workspace has outside its partitions; returns how much of each it had."""
    members = [m.user_id for m in store.members_of(workspace_id)]
    return {"calendar_channels": sum(watches.stop_watches(settings, sync_config(), workspace_id, user)
                                     for user in members),
            "schedules": sum(cancel_schedules(webhooks_config(), settings.region, endpoint.SK.split("#", 1)[1])
                             for endpoint in EndpointItem.query(endpoints_pk(workspace_id),
                                                                EndpointItem.SK.startswith("ENDPOINT#"))),
            "email_identities": release_sender(workspace_id, email_provider.provider(settings.region)),
            "users": sum(_erase_user(user) for user in members if store.workspaces_of(user) == [workspace_id])}


def _erase_user(user_id: str) -> int:
    """Delete a user whose only workspace is going: the profile, the login email's claim and its throttle.
    Platform administrators stay (they are staff, not the workspace's)."""
    user = store.get_user_item(user_id)
    if user is None:  # erased by an earlier delivery of this chunk
        return 1
    if user.platform_admin:
        return 0
    email = user.email.lower()
    with suppress(DeleteError):  # the claim is another user's (it was freed and taken since): it stays
        EmailClaimItem(f"EMAIL#{email}", "USER").delete(condition=EmailClaimItem.user_id == user_id)
    LoginThrottleItem(f"LOGIN#{email}", "THROTTLE").delete()
    user.delete()
    return 1
