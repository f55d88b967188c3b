"""Calendar sync: hosts' Google and Microsoft 365 calendars, kept in step with LeadPilot appointments (ADR 0024).

The seams with the `calendar` capability (scheduling and booking):

- Busy times of the calendars each host checked for conflicts (`selection`: the primary one until the host
  chooses), read on the request path from the per-host cache in DynamoDB (never from Google or Microsoft):
    calendar_sync.busy.hosts_busy(settings, workspace_id, hosts, start, end)
        -> {host: list[tuple[datetime, datetime]]}   (aware UTC, merged, sorted, clipped to [start, end);
    one BatchGetItem for every host; busy_intervals(settings, workspace_id, user_id, start, end) is one host's)
- Writing bookings to the host's connected calendars, idempotent by appointment id:
    calendar_sync.events.upsert_event(settings, workspace_id, user_id, appointment: dict, version=None)
    calendar_sync.events.delete_event(settings, workspace_id, user_id, appointment_id: str, version=None)
  called by this capability's own consumer of appointment.booked / .rescheduled / .cancelled (source
  `leadpilot.appointments`), which reads the calendar's `data.appointment`: id, host_id, host_ids, start, end
  (ISO 8601 with a zone), status, event_type_name, name, email, location {kind, value}; the external event is
  "<event type name> with <name>", the booker as attendee, in each host's calendars. `version` is occurred_at.
- External changes: a synced event moved or deleted in Google or Outlook publishes
  `calendar.external_event_changed` (source `leadpilot.calendars`) with data
  {appointment_id, host_user_id, provider, external_event_id, change: "moved" | "cancelled", start, end}
  (start/end: ISO 8601 UTC, null when cancelled), for the calendar capability to update or cancel the appointment.
"""
