"""Slot computation: property-based across DST transitions, plus the limits and the team rules by example."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from leadpilot.calendar.availability import subtract
from leadpilot.calendar.slots import (
    Busy,
    HostLoad,
    Rules,
    Schedule,
    collective,
    compute_slots,
    pick_host,
    round_robin,
)

ZONES = ("America/New_York", "Europe/London", "Australia/Lord_Howe", "America/Santiago")
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def _transitions(zone: str) -> list[date]:
    """The local dates in 2026 on which the zone's UTC offset changes."""
    tz = ZoneInfo(zone)
    days, previous = [], datetime(2026, 1, 1, 12, tzinfo=UTC).astimezone(tz).utcoffset()
    for n in range(1, 366):
        offset = (datetime(2026, 1, 1, 12, tzinfo=UTC) + timedelta(days=n)).astimezone(tz).utcoffset()
        if offset != previous:
            days.append(date(2026, 1, 1) + timedelta(days=n - 1))
        previous = offset
    return days


TRANSITIONS = {zone: _transitions(zone) for zone in ZONES}


@st.composite
def _hours(draw: st.DrawFn) -> list[tuple[time, time]]:
    """0-2 intervals on the half-hour grid, 24:00 allowed as an end (time.max)."""
    halves = sorted(draw(st.lists(st.integers(0, 48), min_size=0, max_size=4, unique=True)))
    pairs = [(halves[i], halves[i + 1]) for i in range(0, len(halves) - 1, 2)]
    return [(time(a // 2, 30 * (a % 2)), time.max if b == 48 else time(b // 2, 30 * (b % 2))) for a, b in pairs]


@st.composite
def _case(draw: st.DrawFn) -> dict[str, object]:
    zone = draw(st.sampled_from(ZONES))
    around = draw(st.sampled_from(TRANSITIONS[zone]))
    weekly = {d: draw(_hours()) for d in range(7)}
    # the transition dates themselves often get overrides: hours that straddle the change, or a day off
    overrides = {around: draw(st.one_of(st.just([]), _hours()))} if draw(st.booleans()) else {}
    start = datetime.combine(around - timedelta(days=2), time(), tzinfo=ZoneInfo(zone)).astimezone(UTC)
    end = start + timedelta(days=draw(st.integers(2, 5)))
    rules = Rules(duration=draw(st.sampled_from([15, 30, 45, 60, 90])), interval=draw(st.sampled_from([None, 15, 30])),
                  buffer_before=draw(st.sampled_from([0, 10, 15])), buffer_after=draw(st.sampled_from([0, 5, 30])),
                  min_notice=draw(st.sampled_from([0, 60, 600])), window_days=draw(st.integers(1, 6)))
    if rules.interval is None and rules.duration not in (15, 30):
        # hours start on the half hour: a step dividing 30 minutes keeps every slot on one UTC grid for the oracle
        rules = Rules(**{**rules.__dict__, "interval": 15})
    now = start + timedelta(minutes=draw(st.integers(-600, 3000)))
    busy = [Busy(b, b + timedelta(minutes=draw(st.integers(5, 180))))
            for b in (start + timedelta(minutes=draw(st.integers(0, 7200))) for _ in range(draw(st.integers(0, 4))))]
    return {"schedule": Schedule(zone, weekly, overrides), "rules": rules, "busy": busy, "start": start, "end": end,
            "now": now}


def _working(schedule: Schedule, instant: datetime) -> bool:
    """The oracle's reading of working hours: the instant's wall clock lies in one of its local date's intervals."""
    local = instant.astimezone(ZoneInfo(schedule.timezone))
    wall = local.time().replace(tzinfo=None)
    return any(a <= wall and (b == time.max or wall < b) for a, b in schedule.intervals(local.date()))


def _expected(case: dict[str, object]) -> list[datetime]:
    """Every instant on the slot grid that meets each rule, checked minute by minute (independent of the code)."""
    schedule, rules, busy = case["schedule"], case["rules"], case["busy"]
    start, end, now = case["start"], case["end"], case["now"]
    assert isinstance(schedule, Schedule) and isinstance(rules, Rules) and isinstance(busy, list)
    assert isinstance(start, datetime) and isinstance(end, datetime) and isinstance(now, datetime)
    step, duration = rules.step, timedelta(minutes=rules.duration)
    found, slot = [], start
    while slot < end:
        span = [slot + timedelta(minutes=m) for m in range(0, rules.duration, 5)]
        span.append(slot + duration - timedelta(minutes=1))
        clear_from = slot - timedelta(minutes=rules.buffer_before)
        clear_to = slot + duration + timedelta(minutes=rules.buffer_after)
        if ((slot - EPOCH) % step == timedelta(0) and all(_working(schedule, t) for t in span)
                and slot >= now + timedelta(minutes=rules.min_notice) and slot < now + timedelta(days=rules.window_days)
                and not any(b.start < clear_to and b.end > clear_from for b in busy)):
            found.append(slot)
        slot += timedelta(minutes=15)
    return found


@settings(max_examples=60, derandomize=True, deadline=None)
@given(_case())
def test_slots_are_exactly_the_grid_instants_that_meet_every_rule_across_dst(case: dict[str, object]) -> None:
    # Given a schedule in a zone with a DST change (or a 30-minute one) inside the range, busy time and rules
    # When the slots are computed
    slots = compute_slots(case["schedule"], case["rules"], case["busy"], case["start"], case["end"],  # type: ignore[arg-type]
                          case["now"])  # type: ignore[arg-type]
    # Then they are unique and ascending, and exactly the instants a minute-by-minute reading of the rules allows:
    # none lost or extra around the transition, wall-clock hours kept, buffers, notice and window respected
    assert slots == sorted(set(slots))
    assert slots == _expected(case)


def test_weekday_hours_keep_their_wall_clock_through_the_spring_forward_week() -> None:
    # Given 09:00-17:00 on weekdays in New York, in the week clocks go forward (Sunday 8 March 2026)
    nine_to_five = [(time(9), time(17))]
    schedule = Schedule("America/New_York", {d: nine_to_five for d in range(5)})
    start = datetime(2026, 3, 5, 12, tzinfo=UTC)
    # When the hour slots of a week are computed
    slots = compute_slots(schedule, Rules(duration=60), [], start, start + timedelta(days=7), now=start)
    # Then every weekday offers 09:00..16:00 local, before and after the change (UTC shifts by one hour)
    local = [s.astimezone(ZoneInfo("America/New_York")) for s in slots]
    by_day: dict[date, list[int]] = {}
    for moment in local:
        by_day.setdefault(moment.date(), []).append(moment.hour)
    assert list(by_day) == [date(2026, 3, d) for d in (5, 6, 9, 10, 11)]
    assert all(hours == list(range(9, 17)) for hours in by_day.values())
    assert slots[0] == datetime(2026, 3, 5, 14, tzinfo=UTC) and slots[16] == datetime(2026, 3, 9, 13, tzinfo=UTC)


def test_limits_per_day_and_week_close_the_day_and_week_they_are_reached() -> None:
    # Given 09:00-11:00 daily in London, at most 1 booking a day and 2 a week, bookings on 1, 6 and 8 July
    schedule = Schedule("Europe/London", {d: [(time(9), time(11))] for d in range(7)})
    rules = Rules(duration=60, max_per_day=1, max_per_week=2)
    booked = [Busy(datetime(2026, 7, 6, 8, tzinfo=UTC), datetime(2026, 7, 6, 9, tzinfo=UTC), booking=True),
              Busy(datetime(2026, 7, 1, 8, tzinfo=UTC), datetime(2026, 7, 1, 9, tzinfo=UTC), booking=True),
              Busy(datetime(2026, 7, 8, 12, tzinfo=UTC), datetime(2026, 7, 8, 13, tzinfo=UTC), booking=True)]
    start = datetime(2026, 7, 1, tzinfo=UTC)
    # When slots from Wednesday 1 to Monday 13 July are computed
    slots = compute_slots(schedule, rules, booked, start, start + timedelta(days=13), now=start - timedelta(days=1))
    # Then 1 July is closed by its booking, the rest of its week stays open (one booking of two), the week of
    # 6 July is closed by its two bookings, and the next week opens again
    days = sorted({s.date() for s in slots})
    assert days == [date(2026, 7, d) for d in (2, 3, 4, 5, 13)]


def test_round_robin_takes_the_least_recently_booked_host_or_the_lightest_by_weight() -> None:
    # Given two hosts free for 10:00 and one of them for 11:00
    ten, eleven = datetime(2026, 5, 4, 10, tzinfo=UTC), datetime(2026, 5, 4, 11, tzinfo=UTC)
    free = round_robin({"b": [ten], "a": [ten, eleven]})
    # Then the union lists who is free for each slot
    assert free == {ten: ["a", "b"], eleven: ["a"]}
    # When equal weights: the least recently booked (never booked first) wins
    loads = {"a": HostLoad("a", "2026-05-01T10:00:00Z", 3), "b": HostLoad("b", "2026-05-02T10:00:00Z", 1)}
    assert pick_host(free[ten], loads) == "a"
    assert pick_host(free[ten], {"a": loads["a"]}) == "b"
    # When weighted 3:1, "a" with 3 bookings (1 per weight) still beats "b" with 2 (2 per weight)
    weighted = {"a": HostLoad("a", "2026-05-03T10:00:00Z", 3, weight=3), "b": HostLoad("b", None, 2, weight=1)}
    assert pick_host(free[ten], weighted) == "a"


def test_collective_offers_only_the_slots_every_host_has() -> None:
    # Given two hosts with overlapping slots
    ten, eleven = datetime(2026, 5, 4, 10, tzinfo=UTC), datetime(2026, 5, 4, 11, tzinfo=UTC)
    # Then only the common one remains; no hosts, no slots
    assert collective({"a": [ten, eleven], "b": [eleven]}) == [eleven]
    assert collective({}) == []


def test_external_busy_time_loses_only_what_the_hosts_own_appointments_cover() -> None:
    def at(hour: float) -> datetime:
        return datetime(2026, 3, 2, tzinfo=UTC) + timedelta(hours=hour)

    # Given the cache merged a meeting 9-10 with our own appointment mirrored at 10-10:30, and a meeting at 12-13
    external = [(at(9), at(10.5)), (at(12), at(13))]
    # When the host's own appointments (10-10:30, and one inside the 12-13 meeting) are taken out
    left = subtract(external, [(at(10), at(10.5)), (at(12.25), at(12.5))])
    # Then the meetings remain busy around them, and nothing else is touched
    assert left == [(at(9), at(10)), (at(12), at(12.25)), (at(12.5), at(13))]
    assert subtract(external, []) == external
    assert subtract(external, [(at(14), at(15))]) == external
