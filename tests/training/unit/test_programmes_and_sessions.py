"""Programmes, session days and the session life cycle."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from purna_shared.clock import local_date
from purna_training.domain.errors import (
    InvalidProgrammeError,
    InvalidScheduleError,
    InvalidTransitionError,
    SessionClosedError,
    SessionNotOverError,
)
from purna_training.domain.programmes import (
    NTB_2024_PROGRAMMES,
    CompletionRule,
    Programme,
    ProgrammeCategory,
)
from purna_training.domain.sessions import (
    SessionDays,
    SessionStatus,
    check_capacity,
    ensure_can_complete,
    ensure_open,
    transition,
)

pytestmark = pytest.mark.unit

S = SessionStatus


def test_the_2024_ntb_programmes_are_all_there_with_the_default_rule() -> None:
    by_code = {p.code: p for p in NTB_2024_PROGRAMMES}
    assert set(by_code) == {"AREN", "TAS", "TERASI", "GARAM", "TENUN", "PRODUKTIVITAS"}
    assert by_code["AREN"].category is ProgrammeCategory.AGRICULTURAL_PROCESSING
    assert by_code["TERASI"].category is ProgrammeCategory.FISHERIES_PROCESSING
    assert by_code["GARAM"].category is ProgrammeCategory.FISHERIES_PROCESSING
    assert by_code["TAS"].category is ProgrammeCategory.CRAFTS
    assert by_code["TENUN"].category is ProgrammeCategory.CRAFTS
    assert by_code["PRODUKTIVITAS"].category is ProgrammeCategory.PRODUCTIVITY
    for programme in NTB_2024_PROGRAMMES:
        assert programme.default_days == 4
        assert programme.default_capacity == 20
        assert programme.completion_rule == CompletionRule(Decimal("0.75"), False)


@pytest.mark.parametrize("share", [Decimal(0), Decimal("-0.1"), Decimal("1.01")])
def test_a_completion_share_outside_0_to_1_is_refused(share: Decimal) -> None:
    with pytest.raises(InvalidProgrammeError):
        CompletionRule(min_attendance_share=share)


@pytest.mark.parametrize("code", ["tenun", "T", "NTB/2024", "TENUN 2", "A" * 33])
def test_a_programme_code_must_fit_in_a_certificate_number(code: str) -> None:
    with pytest.raises(InvalidProgrammeError):
        Programme(code=code, name="x", category=ProgrammeCategory.CRAFTS, description="")


def test_session_days_run_first_to_last_inclusive() -> None:
    days = SessionDays(date(2024, 8, 12), date(2024, 8, 15))
    assert days.count == 4
    assert list(days) == [date(2024, 8, d) for d in (12, 13, 14, 15)]
    assert date(2024, 8, 12) in days and date(2024, 8, 15) in days
    assert date(2024, 8, 11) not in days and date(2024, 8, 16) not in days
    assert SessionDays.starting(date(2024, 8, 30), 4).last == date(2024, 9, 2)


def test_a_session_ending_before_it_starts_or_too_long_is_refused() -> None:
    with pytest.raises(InvalidScheduleError) as before:
        SessionDays(date(2024, 8, 15), date(2024, 8, 12))
    assert before.value.field == "end_date"
    with pytest.raises(InvalidScheduleError):
        SessionDays(date(2024, 8, 1), date(2024, 9, 1))  # 32 days
    assert SessionDays(date(2024, 8, 1), date(2024, 8, 31)).count == 31


@pytest.mark.parametrize(
    ("other", "overlaps"),
    [
        ((date(2024, 8, 15), date(2024, 8, 18)), True),  # shares the last day
        ((date(2024, 8, 8), date(2024, 8, 12)), True),  # shares the first day
        ((date(2024, 8, 13), date(2024, 8, 14)), True),  # inside
        ((date(2024, 8, 1), date(2024, 8, 31)), True),  # around
        ((date(2024, 8, 16), date(2024, 8, 19)), False),  # the day after
        ((date(2024, 8, 8), date(2024, 8, 11)), False),  # the days before
    ],
)
def test_overlap_means_at_least_one_shared_day(other: tuple[date, date], overlaps: bool) -> None:
    days = SessionDays(date(2024, 8, 12), date(2024, 8, 15))
    assert days.overlaps(SessionDays(*other)) is overlaps
    assert SessionDays(*other).overlaps(days) is overlaps


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.SCHEDULED, S.IN_PROGRESS),
        (S.SCHEDULED, S.CANCELLED),
        (S.IN_PROGRESS, S.COMPLETED),
        (S.IN_PROGRESS, S.CANCELLED),
    ],
)
def test_allowed_transitions(current: SessionStatus, target: SessionStatus) -> None:
    assert transition(current, target) is target


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.SCHEDULED, S.COMPLETED),  # nobody attended anything yet
        (S.IN_PROGRESS, S.SCHEDULED),
        (S.COMPLETED, S.CANCELLED),
        (S.COMPLETED, S.IN_PROGRESS),
        (S.CANCELLED, S.SCHEDULED),
        (S.CANCELLED, S.COMPLETED),
    ],
)
def test_refused_transitions(current: SessionStatus, target: SessionStatus) -> None:
    with pytest.raises(InvalidTransitionError):
        transition(current, target)


def test_closed_sessions_take_no_more_changes() -> None:
    ensure_open(S.SCHEDULED, "enrolment")
    ensure_open(S.IN_PROGRESS, "enrolment")
    for status in (S.COMPLETED, S.CANCELLED):
        with pytest.raises(SessionClosedError, match=f"the session is {status.value}"):
            ensure_open(status, "enrolment")


def test_a_session_can_be_completed_from_its_last_day_on() -> None:
    days = SessionDays(date(2024, 8, 12), date(2024, 8, 15))
    with pytest.raises(SessionNotOverError):
        ensure_can_complete(days, today=date(2024, 8, 14))
    ensure_can_complete(days, today=date(2024, 8, 15))
    ensure_can_complete(days, today=date(2026, 11, 27))


@pytest.mark.parametrize("capacity", [0, -1, 201])
def test_capacity_must_be_sensible(capacity: int) -> None:
    with pytest.raises(InvalidScheduleError):
        check_capacity(capacity)
    assert check_capacity(20) == 20


def test_the_local_day_is_the_day_in_wita() -> None:
    # 16:30 UTC on 14 August is 00:30 WITA on the 15th
    assert local_date(datetime(2024, 8, 14, 16, 30, tzinfo=UTC)) == date(2024, 8, 15)
    assert local_date(datetime(2024, 8, 14, 15, 59, tzinfo=UTC)) == date(2024, 8, 14)
