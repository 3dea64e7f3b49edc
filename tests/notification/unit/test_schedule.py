"""Quiet hours (21:00-07:00 in the recipient's zone, phone channels) and the eve-of-session
reminder."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from purna_notification.domain.schedule import QuietHours, ReminderRule
from purna_shared.reference import Zone

WITA = Zone.WITA.tz

pytestmark = pytest.mark.unit

QUIET = QuietHours(time(21, 0), time(7, 0))


def wita(*args: int) -> datetime:
    return datetime(*args, tzinfo=WITA)


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        (wita(2024, 8, 14, 20, 59), False),
        (wita(2024, 8, 14, 21, 0), True),
        (wita(2024, 8, 14, 23, 30), True),
        (wita(2024, 8, 15, 0, 0), True),
        (wita(2024, 8, 15, 6, 59), True),
        (wita(2024, 8, 15, 7, 0), False),
        (wita(2024, 8, 15, 12, 0), False),
    ],
)
def test_quiet_hours_wrap_midnight(moment: datetime, quiet: bool) -> None:
    assert QUIET.contains(moment, Zone.WITA) is quiet
    assert QUIET.contains(moment.astimezone(UTC), Zone.WITA) is quiet  # the same instant in UTC


def test_an_sms_at_22_wita_waits_for_07_wita_next_morning() -> None:
    evening = wita(2024, 8, 14, 22, 0)  # 14:00 UTC
    allowed = QUIET.next_allowed("sms", evening.astimezone(UTC), Zone.WITA)
    assert allowed == datetime(2024, 8, 14, 23, 0, tzinfo=UTC)  # 07:00 WITA on the 15th
    assert allowed.astimezone(WITA) == wita(2024, 8, 15, 7, 0)


def test_after_midnight_it_waits_for_07_the_same_day() -> None:
    night = wita(2024, 8, 15, 3, 15)
    assert QUIET.next_allowed("whatsapp", night, Zone.WITA).astimezone(WITA) == wita(
        2024, 8, 15, 7, 0
    )


def test_email_and_daytime_messages_are_not_held() -> None:
    evening = wita(2024, 8, 14, 22, 0)
    assert QUIET.next_allowed("email", evening, Zone.WITA) == evening
    noon = wita(2024, 8, 14, 12, 0)
    assert QUIET.next_allowed("sms", noon, Zone.WITA) == noon


def test_equal_start_and_end_mean_no_quiet_hours() -> None:
    none = QuietHours(time(0, 0), time(0, 0))
    assert not none.contains(wita(2024, 8, 14, 23, 0), Zone.WITA)
    assert none.next_allowed("sms", wita(2024, 8, 14, 23, 0), Zone.WITA) == wita(2024, 8, 14, 23, 0)


def test_a_window_within_one_day() -> None:
    lunch = QuietHours(time(12, 0), time(13, 0))
    assert lunch.contains(wita(2024, 8, 14, 12, 30), Zone.WITA)
    assert not lunch.contains(wita(2024, 8, 14, 13, 0), Zone.WITA)
    assert lunch.next_allowed("sms", wita(2024, 8, 14, 12, 30), Zone.WITA).astimezone(WITA) == wita(
        2024, 8, 14, 13, 0
    )


def test_reminder_is_at_09_wita_the_day_before() -> None:
    rule = ReminderRule(days_before=1, at=time(9, 0))
    at = rule.reminder_time(date(2024, 8, 12), Zone.WITA)
    assert at == datetime(2024, 8, 11, 1, 0, tzinfo=UTC)  # 09:00 WITA = 01:00 UTC
    assert at.astimezone(WITA) == wita(2024, 8, 11, 9, 0)


def test_reminder_due_only_while_ahead() -> None:
    rule = ReminderRule(days_before=1, at=time(9, 0))
    start = date(2024, 8, 12)
    enrolled_early = wita(2024, 7, 20, 10, 0)
    assert rule.reminder_due(start, enrolled_early, Zone.WITA) == rule.reminder_time(
        start, Zone.WITA
    )
    enrolled_on_the_eve = wita(2024, 8, 11, 9, 0) + timedelta(minutes=1)
    assert rule.reminder_due(start, enrolled_on_the_eve, Zone.WITA) is None


def test_naive_moments_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        QUIET.contains(datetime(2024, 8, 14, 22, 0), Zone.WITA)


WIB = Zone.WIB.tz


def test_the_same_instant_is_held_to_7_in_each_recipients_own_zone() -> None:
    """21:30 WIB in Jawa Timur is 22:30 WITA in NTB: both are quiet hours, and each message
    goes at 07:00 in its recipient's zone (an hour apart)."""
    due = datetime(2024, 8, 14, 21, 30, tzinfo=WIB)
    to_jatim = QUIET.next_allowed("sms", due, Zone.WIB)
    to_ntb = QUIET.next_allowed("sms", due, Zone.WITA)
    assert to_jatim == datetime(2024, 8, 15, 7, 0, tzinfo=WIB)
    assert to_ntb == datetime(2024, 8, 15, 7, 0, tzinfo=WITA)
    assert to_jatim - to_ntb == timedelta(hours=1)


def test_20_30_wib_is_not_quiet_in_jawa_but_is_in_papua() -> None:
    moment = datetime(2024, 8, 14, 20, 30, tzinfo=WIB)  # 22:30 WIT
    assert not QUIET.contains(moment, Zone.WIB)
    assert QUIET.contains(moment, Zone.WIT)
    assert QUIET.quiet_zones(moment) == {Zone.WITA, Zone.WIT}


def test_a_reminder_goes_at_09_in_the_recipients_zone() -> None:
    rule = ReminderRule(days_before=1, at=time(9, 0))
    start = date(2024, 8, 12)
    assert rule.reminder_time(start, Zone.WIB) == datetime(2024, 8, 11, 2, 0, tzinfo=UTC)
    assert rule.reminder_time(start, Zone.WIT) == datetime(2024, 8, 11, 0, 0, tzinfo=UTC)
