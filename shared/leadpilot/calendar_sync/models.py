"""Items of calendar sync (CRM table). One partition per host: WS#<ws>#CALSYNC#<user_id>."""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from leadpilot.db.base import CrmModel

RENEW_BUCKET = "CALSYNC#RENEW"  # GSI1PK of every calendar link and watch: the renewal function reads it by expiry


def host_pk(workspace_id: str, user_id: str) -> str:
    return f"WS#{workspace_id}#CALSYNC#{user_id}"


def link_sk(provider: str) -> str:
    return f"LINK#{provider}"


def event_sk(provider: str, appointment_id: str) -> str:
    return f"EVENT#{provider}#{appointment_id}"


def watch_sk(provider: str, calendar_id: str) -> str:
    return f"WATCH#{provider}#{calendar_id}"


def external_gsi(workspace_id: str, provider: str, external_id: str) -> str:
    return f"WS#{workspace_id}#CALSYNC_EXT#{provider}#{external_id}"


class CalendarLinkItem(CrmModel, discriminator="calendar_link"):
    """PK: WS#<ws>#CALSYNC#<user_id>  SK: LINK#<provider>: one host's connected account and its chosen calendars.

    `conflict_calendars` (JSON list of calendar ids, "primary" for the account's main one; null = ["primary"])
    are the calendars whose busy time blocks the host; `write_calendar` (null = "primary") is where new bookings
    are written. Holds the busy cache of those calendars together (`busy`: JSON [[start_epoch, end_epoch], ...]
    for the next window, written only under the selection it was read for), the push channel
    (Google: channel id + resource id; Microsoft: subscription id), the sha256 of its secret token (the token
    itself lives only at the provider) and Google's sync token.
    GSI1PK: CALSYNC#RENEW  GSI1SK: <watch expiry iso>#<ws>#<user_id>#<provider>: what the renewal function reads.
    """

    provider = UnicodeAttribute()
    user_id = UnicodeAttribute()
    status = UnicodeAttribute(default="ok")  # ok | reconnect_needed
    busy = UnicodeAttribute(default="[]")
    busy_from = NumberAttribute(default=0)
    busy_until = NumberAttribute(default=0)
    busy_refreshed_at = UnicodeAttribute(null=True)
    channel_id = UnicodeAttribute(null=True)
    resource_id = UnicodeAttribute(null=True)
    token_hash = UnicodeAttribute(null=True)
    watch_expires_at = NumberAttribute(null=True)  # epoch seconds (not `expires_at`: that is the table's TTL)
    sync_token = UnicodeAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    conflict_calendars = UnicodeAttribute(null=True)
    write_calendar = UnicodeAttribute(null=True)


class CalendarWatchItem(CrmModel, discriminator="calendar_watch"):
    """PK: WS#<ws>#CALSYNC#<user_id>  SK: WATCH#google#<calendar_id>: the push channel and sync token of one of the
    host's chosen Google calendars other than the primary one (whose channel is on the link): a calendar checked
    for conflicts or taking bookings. Made and removed as the host's choice changes.
    GSI1PK: CALSYNC#RENEW  GSI1SK: <watch expiry iso>#<ws>#<user_id>#google#<calendar_id> (renewed with the links).
    """

    provider = UnicodeAttribute()
    user_id = UnicodeAttribute()
    calendar_id = UnicodeAttribute()
    channel_id = UnicodeAttribute(null=True)
    resource_id = UnicodeAttribute(null=True)
    token_hash = UnicodeAttribute(null=True)
    watch_expires_at = NumberAttribute(null=True)
    sync_token = UnicodeAttribute(null=True)


class SyncedEventItem(CrmModel, discriminator="calendar_synced_event"):
    """PK: WS#<ws>#CALSYNC#<user_id>  SK: EVENT#<provider>#<appointment_id>: an appointment written to a host's
    calendar, with its external event id, the calendar holding it (`calendar_id`; null = "primary") and the times
    last written or seen. `version` is the occurred_at of the
    appointment event last applied (older redeliveries are skipped); a cancelled one stays as a tombstone.
    TTL: 30 days after the appointment ends; a tombstone 90 days after the cancellation.
    GSI1PK: WS#<ws>#CALSYNC_EXT#<provider>#<external_id>  GSI1SK: EVENT: an external change finds its appointment.
    """

    appointment_id = UnicodeAttribute()
    provider = UnicodeAttribute()
    external_id = UnicodeAttribute()
    start = UnicodeAttribute()
    end = UnicodeAttribute()
    version = UnicodeAttribute()
    digest = UnicodeAttribute()  # of the body last written: an unchanged appointment is not written again
    cancelled = NumberAttribute(default=0)
    calendar_id = UnicodeAttribute(null=True)
