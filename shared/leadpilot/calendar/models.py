"""Items of the calendar capability (CRM table). Key shapes are stated on each class."""
from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute

from leadpilot.db.base import CrmModel


class ScheduleItem(CrmModel, discriminator="cal_schedule"):
    """PK: WS#<ws>#CAL#SCHEDULES  SK: SCHED#<schedule_id>. Weekly hours and overrides (JSON) of one member.

    The same partition holds DEFAULT#<user_id> pointers, so availability reads every schedule in one Query.
    """

    schedule_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    name = UnicodeAttribute()
    timezone = UnicodeAttribute()
    weekly = UnicodeAttribute()  # JSON {"mon": [{"start": "09:00", "end": "17:00"}], ...}
    overrides = UnicodeAttribute()  # JSON [{"date": "2026-12-24", "intervals": [...]}]
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class DefaultScheduleItem(CrmModel, discriminator="cal_default_schedule"):
    """PK: WS#<ws>#CAL#SCHEDULES  SK: DEFAULT#<user_id>. The member's schedule used when an event type names none."""

    schedule_id = UnicodeAttribute()


class EventTypeItem(CrmModel, discriminator="cal_event_type"):
    """PK: WS#<ws>#CAL#EVENT_TYPES  SK: ET#<event_type_id>. What can be booked; `config` is its JSON body."""

    event_type_id = UnicodeAttribute()
    slug = UnicodeAttribute()
    config = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = NumberAttribute(default=1)


class SlugClaimItem(CrmModel, discriminator="cal_slug_claim"):
    """PK: WS#<ws>#CAL#SLUG#<slug>  SK: SLUG. Keeps event-type slugs unique in a workspace (the public URL)."""

    event_type_id = UnicodeAttribute()


class BookingPageItem(CrmModel, discriminator="cal_booking_page"):
    """PK: CALPAGE#<slug>  SK: PAGE. A workspace's public booking slug, found before the workspace is known."""

    workspace_id = UnicodeAttribute()


class BookingPagePointerItem(CrmModel, discriminator="cal_booking_page_pointer"):
    """PK: WS#<ws>#CAL#SETTINGS  SK: PAGE. The workspace's current booking slug."""

    slug = UnicodeAttribute()


class AppointmentItem(CrmModel, discriminator="cal_appointment"):
    """PK: WS#<ws>#CAL#APPT#<appointment_id>  SK: APPT. One appointment; `version` grows with every change
    (signed manage links and reminders name the version they were made for)."""

    appointment_id = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
    event_type_id = UnicodeAttribute()
    event_type_name = UnicodeAttribute()
    host_id = UnicodeAttribute()  # the host shown; a collective appointment holds every host in host_ids
    host_ids = ListAttribute(of=UnicodeAttribute, default=list)
    contact_id = UnicodeAttribute()
    start = UnicodeAttribute()
    end = UnicodeAttribute()
    timezone = UnicodeAttribute()  # the booker's zone: reminders and messages read in it
    status = UnicodeAttribute()  # booked | pending | cancelled | no_show | completed
    name = UnicodeAttribute()
    email = UnicodeAttribute()
    phone = UnicodeAttribute(null=True)
    sms_consent = BooleanAttribute(default=False)
    answers = UnicodeAttribute(default="{}")  # JSON {question id: answer}
    location = UnicodeAttribute(default="{}")  # JSON {kind, value}
    claims = ListAttribute(of=UnicodeAttribute, default=list)  # the slot-claim PKs this appointment holds
    cancel_reason = UnicodeAttribute(null=True)
    source = UnicodeAttribute()  # public | api
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = NumberAttribute(default=1)


class AppointmentViewItem(CrmModel, discriminator="cal_appointment_view"):
    """PK: WS#<ws>#CAL#APPTS  SK: <start UTC>#<appointment_id>. The calendar by time, and every host's busy time
    in one strongly consistent Query; present while the appointment is not cancelled."""

    appointment_id = UnicodeAttribute()
    host_ids = ListAttribute(of=UnicodeAttribute, default=list)
    end = UnicodeAttribute()
    status = UnicodeAttribute()


class SlotClaimItem(CrmModel, discriminator="cal_slot_claim"):
    """PK: WS#<ws>#CAL#CLAIM#<host_id>#<block start UTC>  SK: CLAIM. One 5-minute block of a host's time, written
    with attribute_not_exists in the appointment's transaction: two bookings of one host's time cannot both commit.

    A hold (the booker filling in the form) is a claim with `hold_id` and `held_until`; it yields once expired
    (TTL removes it later) and to the booking that presents its hold id.
    """

    appointment_id = UnicodeAttribute(null=True)
    hold_id = UnicodeAttribute(null=True)
    held_until = NumberAttribute(null=True)


class HostLoadItem(CrmModel, discriminator="cal_host_load"):
    """PK: WS#<ws>#CAL#ET#<event_type_id>#LOAD  SK: HOST#<user_id>. Round-robin's memory of each host."""

    last_booked_at = UnicodeAttribute(null=True)
    bookings = NumberAttribute(default=0)


class ReminderItem(CrmModel, discriminator="cal_reminder"):
    """PK: WS#<ws>#CAL#APPT#<appointment_id>  SK: REMINDER#<minutes before>#<channel>.

    GSI1: CALREMINDER#<fire minute, YYYY-MM-DDTHH:MM> / <fire_at>#<ws>#<appointment_id>#<SK>. Carries the
    appointment version it was made for: at fire time a changed or cancelled appointment sends nothing.
    """

    workspace_id = UnicodeAttribute()
    appointment_id = UnicodeAttribute()
    minutes_before = NumberAttribute()
    channel = UnicodeAttribute()
    fire_at = UnicodeAttribute()
    appointment_version = NumberAttribute()


class ReminderCheckpointItem(CrmModel, discriminator="cal_reminder_checkpoint"):
    """PK: SCHEDULER#CAL_REMINDERS  SK: CHECKPOINT. The last minute bucket fully processed (platform-wide)."""

    bucket = UnicodeAttribute()
    updated_at = UnicodeAttribute()
