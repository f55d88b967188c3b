"""Bookable slots: a pure function of a schedule, booking rules, busy time and the clock (no I/O).

A working interval `[a, b)` on a local date covers exactly the instants whose wall clock on that date is in
`[a, b)`, so working hours stay the same wall-clock hours across DST: a spring-forward gap inside the hours is
simply absent, a fall-back hour inside them is there twice, and hours that start inside a gap start at the
transition. Intervals become UTC windows (merged when they touch); slots step through each window by the slot
interval from its start, in absolute time, so no slot is lost or duplicated around a transition.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY = timedelta(days=1)
_MINUTE = timedelta(minutes=1)
_MARGIN = timedelta(hours=3)

Window = tuple[datetime, datetime]  # [start, end) in UTC


@dataclass(frozen=True)
class Schedule:
    """Weekly hours in a zone (weekday 0 = Monday -> [(start, end)], end may be 24:00 as time.max), and
    date overrides (a date -> its own intervals; an empty list is a day off)."""

    timezone: str
    weekly: dict[int, list[tuple[time, time]]]
    overrides: dict[date, list[tuple[time, time]]] = field(default_factory=dict)

    def intervals(self, day: date) -> list[tuple[time, time]]:
        return self.overrides[day] if day in self.overrides else self.weekly.get(day.weekday(), [])


@dataclass(frozen=True)
class Rules:
    """How one event type books: minutes everywhere, limits per local day / ISO week (None: no limit)."""

    duration: int
    interval: int | None = None  # slot step; the duration when None
    buffer_before: int = 0
    buffer_after: int = 0
    min_notice: int = 0
    window_days: int = 60
    max_per_day: int | None = None
    max_per_week: int | None = None

    @property
    def step(self) -> timedelta:
        return timedelta(minutes=self.interval or self.duration)


@dataclass(frozen=True)
class Busy:
    """Time the host cannot be booked; `booking` counts it against the per-day / per-week limits."""

    start: datetime
    end: datetime
    booking: bool = False


def _wall(day: date, at: time) -> datetime:
    """A naive wall-clock datetime; time.max (or 23:59:59.x) stands for 24:00, the next midnight."""
    if at >= time(23, 59, 59):
        return datetime.combine(day + DAY, time())
    return datetime.combine(day, at)


def _utc(wall: datetime, zone: ZoneInfo, fold: int = 0) -> datetime:
    return wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)


def _offset(instant: datetime, zone: ZoneInfo) -> timedelta:
    offset = instant.astimezone(zone).utcoffset()
    assert offset is not None
    return offset


def _transition(lo: datetime, hi: datetime, zone: ZoneInfo) -> datetime:
    """The first instant in (lo, hi] with hi's offset (lo's differs): a bisection to the minute."""
    target = _offset(hi, zone)
    while hi - lo > _MINUTE:
        mid = lo + (hi - lo) / 2
        mid = mid.replace(second=0, microsecond=0)
        if mid <= lo:
            break
        if _offset(mid, zone) == target:
            hi = mid
        else:
            lo = mid
    return hi


def _day_pieces(day: date, start: time, end: time, zone: ZoneInfo) -> list[Window]:
    """The UTC instants whose wall clock on `day` is in [start, end): one piece, or two around a transition."""
    wall_a, wall_b = _wall(day, start), _wall(day, end)
    if wall_b <= wall_a:
        return []
    # Every instant whose wall clock is on `day` lies between these (offsets differ by hours at most), and no
    # zone changes its offset twice within them.
    first = _utc(datetime.combine(day, time()), zone) - _MARGIN
    last = _utc(datetime.combine(day + DAY, time()), zone) + _MARGIN
    before, after = _offset(first, zone), _offset(last, zone)
    if before == after:
        naive = [(wall_a - before, wall_b - before)]
        return [(a.replace(tzinfo=UTC), b.replace(tzinfo=UTC)) for a, b in naive]
    change = _transition(first, last, zone)
    pieces: list[Window] = []
    for offset, lo, hi in ((before, None, change), (after, change, None)):
        a = (wall_a - offset).replace(tzinfo=UTC)
        b = (wall_b - offset).replace(tzinfo=UTC)
        a, b = max(a, lo) if lo else a, min(b, hi) if hi else b
        if a < b:
            pieces.append((a, b))
    return pieces


def merge(windows: Iterable[Window]) -> list[Window]:
    """Sorted, with overlapping or touching windows joined."""
    merged: list[Window] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def working_windows(schedule: Schedule, start: datetime, end: datetime) -> list[Window]:
    """The schedule's working time as merged UTC windows, for every local date that can touch [start, end)."""
    zone = ZoneInfo(schedule.timezone)
    first, last = start.astimezone(zone).date() - DAY, end.astimezone(zone).date() + DAY
    pieces: list[Window] = []
    day = first
    while day <= last:
        for a, b in schedule.intervals(day):
            pieces.extend(_day_pieces(day, a, b, zone))
        day += DAY
    return merge(pieces)


def _overlaps(start: datetime, end: datetime, busy: Sequence[Busy], index: int) -> tuple[bool, int]:
    """Whether [start, end) meets a busy interval (sorted by start), and the first one still worth checking."""
    while index < len(busy) and busy[index].end <= start:
        index += 1
    for item in busy[index:]:
        if item.start >= end:
            break
        if item.end > start:
            return True, index
    return False, index


def _full(rules: Rules, zone: ZoneInfo, busy: Sequence[Busy]) -> tuple[set[date], set[tuple[int, int]]]:
    """The local dates and ISO weeks where the host has reached its booking limits."""
    days = Counter(b.start.astimezone(zone).date() for b in busy if b.booking)
    weeks: Counter[tuple[int, int]] = Counter()
    for day, count in days.items():
        weeks[day.isocalendar()[:2]] += count
    full_days = {d for d, n in days.items() if rules.max_per_day is not None and n >= rules.max_per_day}
    full_weeks = {w for w, n in weeks.items() if rules.max_per_week is not None and n >= rules.max_per_week}
    return full_days, full_weeks


def compute_slots(schedule: Schedule, rules: Rules, busy: Sequence[Busy], start: datetime, end: datetime,
                  now: datetime) -> list[datetime]:
    """Slot starts (UTC, ascending, unique) in [start, end): inside working hours, with the buffers clear of
    busy time, at least the minimum notice after `now`, before the booking window ends, under the limits."""
    zone = ZoneInfo(schedule.timezone)
    duration, step = timedelta(minutes=rules.duration), rules.step
    before, after = timedelta(minutes=rules.buffer_before), timedelta(minutes=rules.buffer_after)
    earliest = max(start, now + timedelta(minutes=rules.min_notice))
    latest = min(end, now + timedelta(days=rules.window_days))
    ordered = sorted(busy, key=lambda b: b.start)
    full_days, full_weeks = _full(rules, zone, ordered)
    slots: list[datetime] = []
    index = 0
    for w_start, w_end in working_windows(schedule, start, end):
        skip = max(0, -(-(earliest - w_start) // step))  # whole steps before the earliest start
        slot = w_start + skip * step
        while slot + duration <= w_end and slot < latest:
            blocked, index = _overlaps(slot - before, slot + duration + after, ordered, index)
            local = slot.astimezone(zone).date()
            if not blocked and local not in full_days and local.isocalendar()[:2] not in full_weeks:
                slots.append(slot)
            slot += step
    return slots


@dataclass(frozen=True)
class HostLoad:
    """What round-robin weighs: the host's last booking (ISO UTC or None), bookings counted, and its weight."""

    host_id: str
    last_booked_at: str | None = None
    bookings: int = 0
    weight: int = 1


def pick_host(free: Sequence[str], loads: dict[str, HostLoad]) -> str:
    """Round-robin among the hosts free for a slot: with weights, the fewest bookings per weight first; then the
    least recently booked (never booked first); then the host id, so the choice is deterministic."""
    def rank(host: str) -> tuple[float, str, str]:
        load = loads.get(host, HostLoad(host))
        weighted = load.bookings / max(load.weight, 1) if _weighted(loads) else 0.0
        return weighted, load.last_booked_at or "", host
    return min(free, key=rank)


def _weighted(loads: dict[str, HostLoad]) -> bool:
    return len({load.weight for load in loads.values()}) > 1


def round_robin(per_host: dict[str, list[datetime]]) -> dict[datetime, list[str]]:
    """Every slot any host can take, with the hosts free for it (sorted by start)."""
    free: dict[datetime, list[str]] = {}
    for host in sorted(per_host):
        for slot in per_host[host]:
            free.setdefault(slot, []).append(host)
    return dict(sorted(free.items()))


def collective(per_host: dict[str, list[datetime]]) -> list[datetime]:
    """The slots every host can take."""
    if not per_host:
        return []
    common = set.intersection(*(set(slots) for slots in per_host.values()))
    return sorted(common)
