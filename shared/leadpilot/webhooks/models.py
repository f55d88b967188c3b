"""Items of outgoing webhooks (CRM table)."""
from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute

from leadpilot.db.base import CrmModel


class EndpointItem(CrmModel, discriminator="webhook_endpoint"):
    """PK: WS#<ws>#WEBHOOKS  SK: ENDPOINT#<endpoint_id>. A workspace's endpoints share a partition: the delivery
    worker reads them all with one Query per event.

    `signing` holds the secrets that sign: [{"secret", "expires_at"}], the newest first; a rotated-out secret
    keeps signing until its expires_at (epoch seconds). `failing_since` is set by the first failed attempt after
    a success and cleared by the next success (5 days of it disable the endpoint)."""

    endpoint_id = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
    url = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    event_types = ListAttribute(of=UnicodeAttribute, default=list)
    enabled = BooleanAttribute(default=True)
    disabled_reason = UnicodeAttribute(null=True)
    headers = MapAttribute(default=dict)  # type: ignore[var-annotated]
    rate_limit_per_minute = NumberAttribute(null=True)
    source = UnicodeAttribute(default="api")  # "api" (the dashboard and API) or "rest_hook" (Zapier, Make, n8n)
    signing = ListAttribute(default=list)  # type: ignore[var-annotated]
    failing_since = NumberAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = NumberAttribute(default=1)


class DeliveryItem(CrmModel, discriminator="webhook_delivery"):
    """PK: WS#<ws>#WHEP#<endpoint_id>  SK: DELIVERY#<delivery_id>, delivery_id = the event's id (ULIDs: an
    endpoint's log reads newest first with a reverse Query). Created once per (event, endpoint) by a conditional
    put. `attempts` counts attempts made; an attempt is claimed by raising it under a condition (`claimed_at`
    is a lease: a worker that died mid-attempt is taken over once it runs out). TTL: expires_at, 30 days.

    While an attempt is owed by a schedule or a delayed message (after a failed try, or a replay) and until the
    delivery ends, GSI1PK: WEBHOOK#RETRYING#<shard 0-7>  GSI1SK: <next_attempt_at> (sparse): the sweeper's
    platform-wide worklist, read by due time (leadpilot.webhooks.sweep)."""

    delivery_id = UnicodeAttribute()
    endpoint_id = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    payload = UnicodeAttribute()
    status = UnicodeAttribute()  # pending | sending | succeeded | failed
    attempts = NumberAttribute(default=0)
    tries = NumberAttribute(default=0)  # attempts since the delivery was created or replayed (the schedule's step)
    claimed_at = NumberAttribute(null=True)
    next_attempt_at = UnicodeAttribute(null=True)
    log = ListAttribute(default=list)  # type: ignore[var-annotated]
    test = BooleanAttribute(default=False)
    event_at = UnicodeAttribute()  # when the event occurred (the clock of time-to-first-attempt)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class EndpointRateItem(CrmModel, discriminator="webhook_rate"):
    """PK: WS#<ws>#WHEP#<endpoint_id>#RATE  SK: <window start, epoch seconds>. Attempts in one minute (ADR 0014's
    fixed window); TTL two windows."""

    attempts = NumberAttribute(default=0)
