"""Quiet hours as properties: for any instant, given in any time zone, a message on a phone
channel is never scheduled inside the quiet hours of its recipient's zone (WIB, WITA or WIT),
is held no longer than needed (to the end of the quiet hours, never past it), and e-mail is
never held."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from purna_notification.domain.clock import ControlledClock, SystemClock
from purna_notification.domain.schedule import (
    PHONE_CHANNELS,
    QuietHours,
    ReminderRule,
    to_local,
)
from purna_shared.reference import Zone

WITA = Zone.WITA.tz
recipient_zones = st.sampled_from(list(Zone))

pytestmark = pytest.mark.unit

NIGHT = QuietHours(start=time(21, 0), end=time(7, 0))

# any instant of a few decades, expressed in any whole-minute UTC offset (-12:00 to +14:00)
zones = st.integers(min_value=-12 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
instants = st.builds(
    lambda naive, zone: naive.replace(tzinfo=UTC).astimezone(zone),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2060, 12, 31)),
    zones,
)
minutes_of_day = st.integers(min_value=0, max_value=24 * 60 - 1).map(
    lambda m: time(m // 60, m % 60)
)


def in_night(moment: datetime, zone: Zone = Zone.WITA) -> bool:
    local = moment.astimezone(zone.tz).time()
    return local >= time(21, 0) or local < time(7, 0)


@given(moment=instants, channel=st.sampled_from(sorted(PHONE_CHANNELS)), zone=recipient_zones)
def test_no_phone_message_is_ever_scheduled_between_21_and_07_in_the_recipients_zone(
    moment: datetime, channel: str, zone: Zone
) -> None:
    assert NIGHT.contains(moment, zone) is in_night(moment, zone)
    due = NIGHT.next_allowed(channel, moment, zone)  # type: ignore[arg-type]
    assert not in_night(due, zone)
    assert due >= moment
    if in_night(moment, zone):
        assert due.astimezone(zone.tz).time() == time(7, 0)  # held until the morning, no later
        assert due - moment <= timedelta(hours=10)
        assert due.tzinfo is UTC
    else:
        assert due == moment


@given(moment=instants, zone=recipient_zones)
def test_email_is_never_held(moment: datetime, zone: Zone) -> None:
    assert NIGHT.next_allowed("email", moment, zone) == moment


@given(start=minutes_of_day, end=minutes_of_day, moment=instants)
def test_any_quiet_window_holds_exactly_its_own_minutes(
    start: time, end: time, moment: datetime
) -> None:
    quiet = QuietHours(start=start, end=end)
    local = moment.astimezone(WITA).time().replace(tzinfo=None)
    if start == end:
        inside = False
    elif start < end:
        inside = start <= local < end
    else:
        inside = local >= start or local < end
    assert quiet.contains(moment, Zone.WITA) is inside
    due = quiet.next_allowed("sms", moment, Zone.WITA)
    assert not quiet.contains(due, Zone.WITA)
    assert due >= moment
    if inside:
        assert due.astimezone(WITA).time() == end
        assert due - moment < timedelta(days=1)


def test_the_edges_of_the_night() -> None:
    def wita(h: int, m: int, s: int = 0) -> datetime:
        return datetime(2026, 3, 2, h, m, s, tzinfo=WITA)

    assert not NIGHT.contains(wita(20, 59, 59), Zone.WITA)
    assert NIGHT.contains(wita(21, 0), Zone.WITA)
    assert NIGHT.contains(wita(6, 59, 59), Zone.WITA)
    assert not NIGHT.contains(wita(7, 0), Zone.WITA)
    assert NIGHT.next_allowed("whatsapp", wita(6, 59), Zone.WITA) == wita(7, 0).astimezone(UTC)
    assert NIGHT.next_allowed("sms", wita(21, 0), Zone.WITA) == (
        wita(7, 0) + timedelta(days=1)
    ).astimezone(UTC)


def test_a_day_window_starts_inclusive_and_ends_exclusive() -> None:
    siesta = QuietHours(start=time(12, 0), end=time(14, 0))
    noon = datetime(2026, 3, 2, 12, 0, tzinfo=WITA)
    assert siesta.contains(noon, Zone.WITA)
    assert not siesta.contains(noon - timedelta(seconds=1), Zone.WITA)
    assert not siesta.contains(noon + timedelta(hours=2), Zone.WITA)
    assert siesta.next_allowed("sms", noon, Zone.WITA) == (noon + timedelta(hours=2)).astimezone(
        UTC
    )


def test_wita_is_utc_plus_8_without_daylight_saving() -> None:
    assert ZoneInfo("Asia/Makassar") == WITA
    for month in (1, 7):
        moment = datetime(2026, month, 1, 0, 0, tzinfo=UTC)
        assert to_local(moment, Zone.WITA).utcoffset() == timedelta(hours=8)


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31)),
    days_before=st.integers(min_value=0, max_value=7),
    at=minutes_of_day,
    zone=recipient_zones,
)
def test_a_reminder_goes_at_its_local_time_days_before(
    start: date, days_before: int, at: time, zone: Zone
) -> None:
    rule = ReminderRule(days_before=days_before, at=at)
    moment = rule.reminder_time(start, zone)
    local = moment.astimezone(zone.tz)
    assert (local.date(), local.time()) == (start - timedelta(days=days_before), at)
    assert moment.tzinfo is UTC
    assert rule.reminder_due(start, moment - timedelta(seconds=1), zone) == moment
    assert rule.reminder_due(start, moment, zone) is None  # the moment itself has passed


def test_clocks_are_aware_and_move_only_when_told() -> None:
    assert SystemClock().now().tzinfo is UTC
    start = datetime(2026, 3, 2, 22, 0, tzinfo=WITA)
    clock = ControlledClock(start)
    assert clock.now() == start
    assert clock.now().tzinfo is UTC
    clock.advance(timedelta(hours=9))
    assert clock.now() == start + timedelta(hours=9)
    clock.set(datetime(2027, 1, 1, tzinfo=WITA))
    assert clock.now() == datetime(2027, 1, 1, tzinfo=WITA)
    assert clock.now().tzinfo is UTC
    for bad in (
        lambda: ControlledClock(datetime(2026, 1, 1)),
        lambda: clock.set(datetime(2026, 1, 1)),
    ):
        with pytest.raises(ValueError, match="aware"):
            bad()
