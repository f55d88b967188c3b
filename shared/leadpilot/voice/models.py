"""CRM-table items of voice calls. Every partition key starts with the workspace id, except the global
provider lookups (a Twilio CallSid, an open relay connection), as SMS's provider sid."""
from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute

from leadpilot.db.base import CrmModel


def calls_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#CALLS"


def call_pk(workspace_id: str, call_id: str) -> str:
    return f"WS#{workspace_id}#CALL#{call_id}"


class VoiceSettingsItem(CrmModel, discriminator="voice_settings"):
    """PK: WS#<ws>#VOICE  SK: NUMBER#<number_id>. One phone number's voice configuration (`config`: JSON of the
    voice_settings schema)."""

    number_id = UnicodeAttribute()
    config = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = NumberAttribute(default=1)


class CallItem(CrmModel, discriminator="voice_call"):
    """PK: WS#<ws>#CALLS  SK: CALL#<call_id> (ULID: the list is time-ordered).

    status (ours): queued -> ringing -> in_progress -> completed | missed | voicemail | failed | refused.
    provider_status is Twilio's CallStatus, which only moves forward (rank in `status.RANK`).
    Money is integer micro-dollars; `details` holds JSON of what the API shows beyond the columns (handoff,
    analysis, cost, flow)."""

    call_id = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
    direction = UnicodeAttribute()  # inbound | outbound
    from_ = UnicodeAttribute(attr_name="from")
    to = UnicodeAttribute()
    number_id = UnicodeAttribute(null=True)
    contact_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    mode = UnicodeAttribute()  # relay | gather | forward | refused
    provider_status = UnicodeAttribute(null=True)
    provider_sid = UnicodeAttribute(null=True)
    answered_by = UnicodeAttribute(null=True)
    duration_s = NumberAttribute(null=True)
    minutes_charged = NumberAttribute(default=0)
    tokens = NumberAttribute(default=0)
    tokens_charged = NumberAttribute(default=0)
    recording_url = UnicodeAttribute(null=True)
    recording_key = UnicodeAttribute(null=True)
    outcome = UnicodeAttribute(null=True)
    analysis_status = UnicodeAttribute(null=True)  # pending | done
    details = UnicodeAttribute(default="{}")
    flow_token = UnicodeAttribute(null=True)  # an AI call node's task token, answered when the call resolves
    started_at = UnicodeAttribute(null=True)
    ended_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class CallSidItem(CrmModel, discriminator="voice_call_sid"):
    """PK: CALL_SID#<CallSid>  SK: SID. Which workspace and call a Twilio call is (status callbacks, relay setup)."""

    workspace_id = UnicodeAttribute()
    call_id = UnicodeAttribute()


class CallStatusSeenItem(CrmModel, discriminator="voice_status_seen"):
    """PK: WS#<ws>#CALL#<call_id>  SK: STATUS#<CallStatus>. A status callback applied once (TTL)."""

    received_at = UnicodeAttribute()
    expires_at = NumberAttribute()


class TurnItem(CrmModel, discriminator="voice_turn"):
    """PK: WS#<ws>#CALL#<call_id>  SK: TURN#<ulid>. One turn of the conversation, in order.

    role: caller | agent | tool. An agent turn the caller interrupted keeps only what was heard (`text`), with
    `interrupted` set. A tool turn holds the call the model made and its result (JSON), for the model's history."""

    role = UnicodeAttribute()
    text = UnicodeAttribute(default="")
    at = UnicodeAttribute()
    interrupted = BooleanAttribute(default=False)
    tool = UnicodeAttribute(null=True)
    tool_call_id = UnicodeAttribute(null=True)
    arguments = UnicodeAttribute(null=True)
    result = UnicodeAttribute(null=True)


class RelayConnectionItem(CrmModel, discriminator="voice_relay_connection"):
    """PK: VOICE_CONN#<connection_id>  SK: CONN. Which call an open ConversationRelay socket carries (TTL);
    `state` is the offline agent's memory between prompts (JSON)."""

    workspace_id = UnicodeAttribute()
    call_id = UnicodeAttribute()
    state = UnicodeAttribute(default="{}")
    expires_at = NumberAttribute()


class InterruptItem(CrmModel, discriminator="voice_interrupt"):
    """PK: WS#<ws>#CALL#<call_id>  SK: INTERRUPT. The caller spoke over an answer still being streamed (relay
    messages may be handled concurrently): the streaming side stops and keeps only `heard` (TTL)."""

    heard = UnicodeAttribute(default="")
    at = UnicodeAttribute()
    expires_at = NumberAttribute()
