"""Where busy time comes from, and the slots an event type offers (per host, then round-robin or collective).

Busy time is a `BusySource`: the workspace's own appointments, and the hosts' connected Google / Microsoft
calendars as calendar sync caches them (`ExternalBusy`, never a provider call), read together through `Combined`
without the slot engine knowing the difference.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from leadpilot.calendar import config
from leadpilot.calendar.models import AppointmentViewItem
from leadpilot.calendar.slots import Busy, collective, compute_slots, round_robin
from leadpilot.calendar_sync.busy import hosts_busy
from leadpilot.settings import Settings, get_settings

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


class ExternalBusy:
    """The hosts' connected calendars: calendar sync's per-host busy cache (one BatchGetItem for all the hosts,
    no provider call).

    Our own appointments are written into those calendars too, so the cache holds them as well: the parts of it
    that the host's own appointments cover are dropped, being counted (or, for the one being moved, deliberately
    not counted) by AppointmentBusy. Subtracting rather than matching whole intervals, because the cache merges
    touching events: a mirrored appointment right after a meeting is one interval there."""

    def __init__(self, settings: Settings, own: BusySource | None = None) -> None:
        self.settings = settings
        self.own = own or AppointmentBusy()

    def busy(self, workspace_id: str, hosts: Sequence[str], start: datetime, end: datetime,
             exclude: str | None = None) -> dict[str, list[Busy]]:
        low, high = start - LONGEST, end + LONGEST  # what can overlap a slot starting in [start, end)
        own = self.own.busy(workspace_id, hosts, low, high)  # every appointment, the one being moved too
        external = hosts_busy(self.settings, workspace_id, hosts, low, high)
        return {host: [Busy(a, b) for a, b in subtract(external[host], [(x.start, x.end) for x in own[host]])]
                for host in hosts}


def subtract(intervals: list[tuple[datetime, datetime]],
             holes: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """The parts of `intervals` outside every hole."""
    for hole_start, hole_end in holes:
        kept: list[tuple[datetime, datetime]] = []
        for a, b in intervals:
            if hole_end <= a or b <= hole_start:
                kept.append((a, b))
                continue
            if a < hole_start:
                kept.append((a, hole_start))
            if hole_end < b:
                kept.append((hole_end, b))
        intervals = kept
    return intervals


class Combined:
    """Several sources read as one (appointments and connected calendars' cached busy time)."""

    def __init__(self, *sources: BusySource) -> None:
        self.sources = sources

    def busy(self, workspace_id: str, hosts: Sequence[str], start: datetime, end: datetime,
             exclude: str | None = None) -> dict[str, list[Busy]]:
        found: dict[str, list[Busy]] = {host: [] for host in hosts}
        for source in self.sources:
            for host, items in source.busy(workspace_id, hosts, start, end, exclude).items():
                found[host].extend(items)
        return found


def default_source(settings: Settings | None = None) -> BusySource:
    own = AppointmentBusy()
    return Combined(own, ExternalBusy(settings or get_settings(), own))


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
