"""CRM-table items of SMS. Every partition key starts with the workspace id, except the two global
provider lookups (a phone number's claim and a provider message sid), as the identity table's email claims."""
from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute

from leadpilot.db.base import CrmModel


class PhoneNumberItem(CrmModel, discriminator="sms_number"):
    """PK: WS#<ws>#SMS_NUMBERS  SK: NUMBER#<number_id>.
    GSI1PK: SMS_NUMBER#<e164>  GSI1SK: WS#<ws> — the "provider number -> workspace" lookup of inbound webhooks."""

    number_id = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
    number = UnicodeAttribute()
    label = UnicodeAttribute(null=True)
    provider_sid = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()


class NumberClaimItem(CrmModel, discriminator="sms_number_claim"):
    """PK: SMS_NUMBER#<e164>  SK: CLAIM. Written with the number item: one number belongs to one workspace."""

    workspace_id = UnicodeAttribute()
    number_id = UnicodeAttribute()


class SmsMessageItem(CrmModel, discriminator="sms_message"):
    """PK: WS#<ws>#SMS#<message_id>  SK: MESSAGE.
    GSI1PK: WS#<ws>#THREAD#<contact_id>  GSI1SK: <message_id> — a contact's conversation, oldest first.

    status: scheduled | queued -> sending -> sent -> delivered | undelivered | failed; blocked, cancelled.
    `due_at` is when the worker may send (a scheduled time or a quiet-hours deferral, time-scaled).
    """

    message_id = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
    contact_id = UnicodeAttribute()
    direction = UnicodeAttribute()  # outbound | inbound
    to = UnicodeAttribute()
    from_ = UnicodeAttribute(attr_name="from")
    body = UnicodeAttribute()
    status = UnicodeAttribute()
    provider_status = UnicodeAttribute(null=True)
    provider_sid = UnicodeAttribute(null=True)
    error_code = UnicodeAttribute(null=True)
    error_message = UnicodeAttribute(null=True)
    segments = NumberAttribute(default=0)
    encoding = UnicodeAttribute(null=True)
    charged_at = UnicodeAttribute(null=True)  # when usage was charged (the refund goes to that day and month)
    purpose = UnicodeAttribute(default="message")  # message | compliance (a STOP/START/HELP reply)
    source = UnicodeAttribute(null=True)  # manual | automation | bulk | compliance | inbound
    actor = UnicodeAttribute(null=True)  # JSON of who asked for it
    impersonation = UnicodeAttribute(null=True)  # asked for during one: its admin and user (request_context.carried)
    send_at = UnicodeAttribute(null=True)  # what was asked for (scheduled) or the quiet-hours window opening
    due_at = UnicodeAttribute(null=True)
    deferred = BooleanAttribute(default=False)
    claim = UnicodeAttribute(null=True)  # the attempt holding the "sending" state
    claimed_at = UnicodeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    keyword = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    sent_at = UnicodeAttribute(null=True)
    delivered_at = UnicodeAttribute(null=True)


class ProviderSidItem(CrmModel, discriminator="sms_sid"):
    """PK: SMS_SID#<provider message sid>  SK: SID. Which message a provider id is (status callbacks), and the
    inbound dedupe: written once, conditionally, in the transaction that stores the message."""

    workspace_id = UnicodeAttribute()
    message_id = UnicodeAttribute()


class EarlyStatusItem(CrmModel, discriminator="sms_early_status"):
    """PK: SMS_SID#<provider message sid>  SK: EARLY. Status callbacks that came before the send worker recorded
    the sid (Twilio can call back while the worker is still writing): held here and applied, in order, when it
    is recorded. `forms` holds each callback's fields as JSON. TTL 2 days."""

    forms = ListAttribute(of=UnicodeAttribute, default=list)


class StatusSeenItem(CrmModel, discriminator="sms_status_seen"):
    """PK: WS#<ws>#SMS#<message_id>  SK: STATUS#<provider status>. One per (MessageSid, status): a repeated
    callback finds it and changes nothing. TTL 30 days."""

    received_at = UnicodeAttribute()


class IdempotencyItem(CrmModel, discriminator="sms_idempotency"):
    """PK: WS#<ws>#SMS_IDEMPOTENCY#<key>  SK: KEY. The message a send request with this key created. TTL 7 days."""

    message_id = UnicodeAttribute()


class ConversationItem(CrmModel, discriminator="sms_conversation"):
    """PK: WS#<ws>#CONVERSATIONS  SK: CONTACT#<contact_id>.
    GSI1PK: WS#<ws>#INBOX  GSI1SK: <last_message_id> — conversations, most recent first."""

    contact_id = UnicodeAttribute()
    last_message_id = UnicodeAttribute(null=True)
    last_message_at = UnicodeAttribute(null=True)
    last_direction = UnicodeAttribute(null=True)
    last_body = UnicodeAttribute(null=True)
    unread = NumberAttribute(default=0)
    inbound = NumberAttribute(default=0)
    outbound = NumberAttribute(default=0)
    opted_out = BooleanAttribute(default=False)  # the contact texted STOP (set do_not_contact; START clears it)
    last_read_at = UnicodeAttribute(null=True)


class UnreadTotalItem(CrmModel, discriminator="sms_unread_total"):
    """PK: WS#<ws>#CONVERSATIONS  SK: UNREAD. Unread inbound texts across the workspace (ADD on receive/read)."""

    unread = NumberAttribute(default=0)


class MessagingSettingsItem(CrmModel, discriminator="sms_settings"):
    """PK: WS#<ws>#MESSAGING  SK: SETTINGS. Business name, first-message footer and quiet hours."""

    business_name = UnicodeAttribute(null=True)
    first_message_footer = BooleanAttribute(default=False)
    help_contact = UnicodeAttribute(null=True)
    quiet_hours_enabled = BooleanAttribute(default=False)
    window_start = UnicodeAttribute(default="08:00")
    window_end = UnicodeAttribute(default="21:00")
    weekdays = ListAttribute(of=NumberAttribute, default=lambda: [0, 1, 2, 3, 4, 5, 6])
    updated_at = UnicodeAttribute()


class SandboxSmsItem(CrmModel, discriminator="sms_sandbox_outbox"):
    """PK: WS#<ws>#SMS_SANDBOX  SK: OUT#<message_id>. What the sandbox provider "sent" (one per message: the
    provider-side idempotency of the sandbox); the simulator's status callbacks start from here."""

    message_id = UnicodeAttribute()
    sid = UnicodeAttribute()
    to = UnicodeAttribute()
    from_ = UnicodeAttribute(attr_name="from")
    body = UnicodeAttribute()
    status_callback = UnicodeAttribute(null=True)
    sent_at = UnicodeAttribute()
