"""Where busy time comes from, and the slots an event type offers (per host, then round-robin or collective).

Busy time is a `BusySource`: today the workspace's own appointments; a cached store of connected calendars'
busy time plugs in beside it (`combined(...)`) without the slot engine knowing the difference.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from leadpilot.calendar import config
from leadpilot.calendar.models import AppointmentViewItem
from leadpilot.calendar.slots import Busy, collective, compute_slots, round_robin

LONGEST = timedelta(minutes=240 + 240)  # the longest appointment plus its largest buffer: starts this early overlap


class BusySource(Protocol):
    """Busy intervals of some hosts between two instants."""

    def busy(self, workspace_id: str, hosts: Sequence[str], start: datetime, end: datetime,
             exclude: str | None = None) -> dict[str, list[Busy]]:
        """host -> busy intervals (an appointment id in `exclude` is left out: the one being moved)."""


def iso(moment: datetime) -> str:
    """Fixed-width UTC, so strings sort as instants."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def appointments_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#CAL#APPTS"


class AppointmentBusy:
    """LeadPilot's own appointments: one strongly consistent Query of the workspace's by-time view for all hosts."""

    def busy(self, workspace_id: str, hosts: Sequence[str], start: datetime, end: datetime,
             exclude: str | None = None) -> dict[str, list[Busy]]:
        wanted = set(hosts)
        found: dict[str, list[Busy]] = {host: [] for host in hosts}
        rows = AppointmentViewItem.query(appointments_pk(workspace_id),
                                         AppointmentViewItem.SK.between(iso(start - LONGEST), iso(end) + "~"),
                                         consistent_read=True)
        for row in rows:
            if row.appointment_id == exclude or not isinstance(row, AppointmentViewItem):
                continue
            busy = Busy(instant(row.SK.split("#", 1)[0]), instant(row.end), booking=True)
            for host in row.host_ids:
                if host in wanted:
                    found[str(host)].append(busy)
        return found


class Combined:
    """Several sources read as one (appointments, and later connected calendars' cached busy time)."""

    def __init__(self, *sources: BusySource) -> None:
        self.sources = sources

    def busy(self, workspace_id: str, hosts: Sequence[str], start: datetime, end: datetime,
             exclude: str | None = None) -> dict[str, list[Busy]]:
        found: dict[str, list[Busy]] = {host: [] for host in hosts}
        for source in self.sources:
            for host, items in source.busy(workspace_id, hosts, start, end, exclude).items():
                found[host].extend(items)
        return found


def default_source() -> BusySource:
    return Combined(AppointmentBusy())


def host_slots(workspace_id: str, event_type: dict[str, Any], duration: int, start: datetime, end: datetime,
               now: datetime, source: BusySource, exclude: str | None = None,
               with_busy: bool = True) -> dict[str, list[datetime]]:
    """Each host's slots for one duration of the event type in [start, end)."""
    schedules = config.host_schedules(workspace_id, event_type)
    rules = config.rules_of(event_type, duration)
    busy = source.busy(workspace_id, list(schedules), start, end, exclude) if with_busy else {}
    return {host: compute_slots(schedule, rules, busy.get(host, []), start, end, now)
            for host, schedule in schedules.items()}


def offered(event_type: dict[str, Any], per_host: dict[str, list[datetime]]) -> dict[datetime, list[str]]:
    """slot -> the hosts who could take it under the event type's assignment."""
    if event_type["assignment"] == "collective":
        if set(per_host) != set(event_type["hosts"]):
            return {}  # a host without a schedule is never free
        return {slot: list(event_type["hosts"]) for slot in collective(per_host)}
    return round_robin(per_host)
