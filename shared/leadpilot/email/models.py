"""CRM-table items of email. Every partition key starts with the workspace id (ADR 0010)."""
from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute

from leadpilot.db.base import CrmModel


class SenderItem(CrmModel, discriminator="email_sender"):
    """PK: WS#<ws>#EMAIL_SENDER  SK: SENDER. The workspace's from identity (an address or a domain in SES)."""

    email = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    identity = UnicodeAttribute()  # what SES verifies: the address, or its domain
    identity_type = UnicodeAttribute()  # address | domain
    status = UnicodeAttribute()  # pending | verified
    updated_at = UnicodeAttribute()


class EmailMessageItem(CrmModel, discriminator="email_message"):
    """PK: WS#<ws>#EMAIL#<message_id>  SK: MSG. One email to one contact and what became of it.

    GSI1PK: WS#<ws>#EMAILS  GSI1SK: <message_id> (the workspace's emails, newest last). `status` moves
    queued -> sending -> sent (or suppressed / failed / unknown); `sending` is claimed right before the
    provider call, so a redelivered job never calls the provider twice (ADR 0010).
    """

    message_id = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
    contact_id = UnicodeAttribute()
    to = UnicodeAttribute()
    from_email = UnicodeAttribute()
    from_name = UnicodeAttribute(null=True)
    subject = UnicodeAttribute()
    html = UnicodeAttribute()
    text = UnicodeAttribute()
    attachments = UnicodeAttribute(null=True)  # JSON [{filename, content_type, content}] (text files: an .ics)
    status = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    provider_message_id = UnicodeAttribute(null=True)
    flow_id = UnicodeAttribute(null=True)
    node = UnicodeAttribute(null=True)
    run_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    sending_at = UnicodeAttribute(null=True)
    charged_at = UnicodeAttribute(null=True)  # the usage charge (emails) taken when it was queued
    impersonation = UnicodeAttribute(null=True)  # queued during one: its admin and user (request_context.carried)
    sent_at = UnicodeAttribute(null=True)
    sent_recorded = BooleanAttribute(default=False)
    delivered_at = UnicodeAttribute(null=True)
    opened_at = UnicodeAttribute(null=True)
    clicked_at = UnicodeAttribute(null=True)
    replied_at = UnicodeAttribute(null=True)
    bounced_at = UnicodeAttribute(null=True)
    unsubscribed_at = UnicodeAttribute(null=True)
    opens = NumberAttribute(default=0)
    machine_opens = NumberAttribute(default=0)
    clicks = NumberAttribute(default=0)


class TrackingHitItem(CrmModel, discriminator="email_hit"):
    """PK: WS#<ws>#EMAIL#<message_id>  SK: HIT#<ulid>. One fetch of the open pixel or a click link, with the
    machine verdict (machine hits are kept for audit but count as nothing). Expires after 400 days."""

    hit = UnicodeAttribute()  # open | click
    at = UnicodeAttribute()
    user_agent = UnicodeAttribute(null=True)
    method = UnicodeAttribute()
    url = UnicodeAttribute(null=True)
    machine = BooleanAttribute()
    machine_reason = UnicodeAttribute(null=True)


class SuppressionItem(CrmModel, discriminator="email_suppression"):
    """PK: WS#<ws>#EMAIL_SUPPRESSION  SK: ADDR#<lower-cased address>. Never email this address again."""

    address = UnicodeAttribute()
    reason = UnicodeAttribute()  # unsubscribed | bounced | complained
    message_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()


class ReceiptItem(CrmModel, discriminator="email_receipt"):
    """PK: WS#<ws>#EMAIL_RECEIPT#<source>#<id>  SK: RECEIPT. An inbound webhook delivery already handled
    (SNS MessageId, inbound Message-ID): a duplicate stores nothing more. Expires after 30 days."""

    created_at = UnicodeAttribute()


class EmailStatsItem(CrmModel, discriminator="email_stats"):
    """PK: WS#<ws>#EMAIL_STATS#<flow_id>  SK: NODE#<node>. Counters of one flow node's emails (sequence steps):
    each counts messages (a message opened twice is one open), added atomically with the message's change."""

    sent = NumberAttribute(default=0)
    delivered = NumberAttribute(default=0)
    opens = NumberAttribute(default=0)
    clicks = NumberAttribute(default=0)
    replies = NumberAttribute(default=0)
    unsubscribes = NumberAttribute(default=0)
    bounces = NumberAttribute(default=0)
