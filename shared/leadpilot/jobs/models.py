"""Job items in the CRM table."""
from __future__ import annotations

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute

from leadpilot.db.base import CrmModel


class JobItem(CrmModel, discriminator="job"):
    """PK: WS#<ws>#JOBS  SK: JOB#<job_id> (ULID: a Query lists jobs oldest first).

    Counters (processed, succeeded, skipped, failed) only ever move by atomic ADD, one update per
    chunk, so a redelivered chunk is counted once (see ChunkDoneItem).
    """

    job_id = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
    type = UnicodeAttribute()
    status = UnicodeAttribute()
    total = NumberAttribute(default=0)
    processed = NumberAttribute(default=0)
    succeeded = NumberAttribute(default=0)
    skipped = NumberAttribute(default=0)
    failed = NumberAttribute(default=0)
    chunks = NumberAttribute(default=0)
    chunks_done = NumberAttribute(default=0)
    params = MapAttribute(default=dict)  # type: ignore[var-annotated]
    result = MapAttribute(default=dict)  # type: ignore[var-annotated]
    created_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    finished_at = UnicodeAttribute(null=True)


class JobRowItem(CrmModel, discriminator="job_row"):
    """PK: WS#<ws>#JOB#<job_id>  SK: ERROR#<row 8 digits> or CHUNK#<n 6 digits>.

    ERROR rows are the per-row error report; CHUNK rows mark a chunk as applied (idempotency).
    TTL: expires_at (30 days).
    """

    row = NumberAttribute(default=0)
    field = UnicodeAttribute(null=True)
    message = UnicodeAttribute(null=True)
    ref = UnicodeAttribute(null=True)
