"""Seats, the waitlist and completion as properties: the waitlist is first come first served
and never overtaken, promotions fill exactly the free seats, and a participant completes exactly
when present on at least the programme's share of the days (and passed, when assessed)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from purna_training.domain.completion import (
    Outcome,
    attendance_rate,
    attends_enough,
    decide_outcomes,
    number_certificates,
)
from purna_training.domain.enrollment import (
    Enrollment,
    EnrollmentStatus,
    Waiting,
    choose_promotions,
    ensure_may_enrol,
    place_for_newcomer,
    waitlist_position,
)
from purna_training.domain.errors import (
    AssessmentMissingError,
    ConsentWithdrawnError,
    OverlappingSeatError,
    ParticipantNotKnownError,
)
from purna_training.domain.participants import ParticipantRecord
from purna_training.domain.programmes import CompletionRule
from purna_training.domain.sessions import SessionDays

pytestmark = pytest.mark.unit


def test_waitlisted_and_enrolled_are_active_cancelled_is_not() -> None:
    assert EnrollmentStatus.ENROLLED.is_active
    assert EnrollmentStatus.WAITLISTED.is_active
    assert not EnrollmentStatus.CANCELLED.is_active
    assert [s.value for s in EnrollmentStatus] == ["enrolled", "waitlisted", "cancelled"]
    seat = Enrollment("s1", "p1", EnrollmentStatus.ENROLLED, 1, datetime(2026, 1, 1, tzinfo=UTC))
    assert seat.status.is_active


@given(capacity=st.integers(1, 30), enrolled=st.integers(0, 30), waitlisted=st.integers(0, 10))
def test_a_newcomer_gets_a_seat_only_when_one_is_free_and_nobody_waits(
    capacity: int, enrolled: int, waitlisted: int
) -> None:
    expected = (
        EnrollmentStatus.ENROLLED
        if enrolled < capacity and waitlisted == 0
        else EnrollmentStatus.WAITLISTED
    )
    assert place_for_newcomer(capacity, enrolled, waitlisted) is expected


def test_the_last_seat_and_one_waiting_person() -> None:
    assert place_for_newcomer(20, 19, 0) is EnrollmentStatus.ENROLLED
    assert place_for_newcomer(20, 20, 0) is EnrollmentStatus.WAITLISTED
    assert place_for_newcomer(20, 19, 1) is EnrollmentStatus.WAITLISTED


@given(arrivals=st.lists(st.integers(1, 200), min_size=1, max_size=30, unique=True))
def test_waitlist_positions_follow_arrival_order(arrivals: list[int]) -> None:
    positions = [waitlist_position(a, arrivals) for a in arrivals]
    assert sorted(positions) == list(range(1, len(arrivals) + 1))
    by_arrival = sorted(arrivals)
    assert all(waitlist_position(a, arrivals) == by_arrival.index(a) + 1 for a in arrivals)


@given(
    capacity=st.integers(1, 25),
    enrolled=st.integers(0, 30),
    arrivals=st.lists(st.integers(1, 500), max_size=15, unique=True),
    data=st.data(),
)
def test_promotions_fill_the_free_seats_first_come_first_served(
    capacity: int, enrolled: int, arrivals: list[int], data: st.DataObject
) -> None:
    waitlist = [Waiting(f"p{a}", a) for a in arrivals]
    ids = [w.participant_id for w in waitlist]
    passed_over = data.draw(st.sets(st.sampled_from(ids))) if ids else set()
    promoted = choose_promotions(capacity, enrolled, waitlist, passed_over)
    eligible = [w.participant_id for w in sorted(waitlist, key=lambda w: w.arrival)]
    eligible = [p for p in eligible if p not in passed_over]
    free = max(0, capacity - enrolled)
    assert promoted == eligible[:free]
    assert len(promoted) <= free
    assert not set(promoted) & passed_over


def test_nobody_is_promoted_into_a_full_or_overfull_session() -> None:
    waiting = [Waiting("p1", 1)]
    assert choose_promotions(20, 20, waiting) == []
    assert choose_promotions(20, 21, waiting) == []  # capacity lowered below the seated
    assert choose_promotions(20, 19, [Waiting("p2", 7), *waiting]) == ["p1"]


def known(**kw: object) -> ParticipantRecord:
    return ParticipantRecord("p1", **{"registered": True, "consent_granted": True, **kw})  # type: ignore[arg-type]


def test_who_may_enrol_each_refusal_alone() -> None:
    ensure_may_enrol("p1", known(), None)
    with pytest.raises(ParticipantNotKnownError):
        ensure_may_enrol("p1", None, None)
    with pytest.raises(ParticipantNotKnownError):
        ensure_may_enrol("p1", known(registered=False), None)
    with pytest.raises(ConsentWithdrawnError):
        ensure_may_enrol("p1", known(consent_granted=False), None)
    with pytest.raises(OverlappingSeatError, match="session s9"):
        ensure_may_enrol("p1", known(), "s9")


DAYS = SessionDays.starting(date(2026, 3, 2), 4)


@given(
    present=st.lists(st.sets(st.sampled_from(["a", "b", "c"])), min_size=4, max_size=4),
    share=st.sampled_from([Decimal("0.5"), Decimal("0.75"), Decimal(1), Decimal("0.3")]),
    assessed=st.booleans(),
    results=st.fixed_dictionaries({"a": st.booleans(), "b": st.booleans(), "c": st.booleans()}),
)
def test_completion_is_attendance_share_and_the_assessment(
    present: list[set[str]], share: Decimal, assessed: bool, results: dict[str, bool]
) -> None:
    rule = CompletionRule(min_attendance_share=share, assessment_required=assessed)
    attendance = dict(zip(DAYS, present, strict=True))
    outcomes = decide_outcomes(DAYS, rule, ["a", "b", "c"], attendance, results)
    assert [o.participant_id for o in outcomes] == ["a", "b", "c"]
    for o in outcomes:
        days_present = sum(o.participant_id in day for day in present)
        enough = days_present >= share * 4
        assert (o.days_present, o.session_days) == (days_present, 4)
        assert o.completed is (enough and (results[o.participant_id] if assessed else True))
        assert o.assessment_passed == (results[o.participant_id] if assessed else None)
        assert o.attendance_rate == Decimal(days_present) / 4


def test_attendance_exactly_at_the_share_is_enough() -> None:
    rule = CompletionRule(min_attendance_share=Decimal("0.75"))
    assert attends_enough(3, 4, rule)
    assert not attends_enough(2, 4, rule)
    # 2 of 3 days is 0.6667 when rounded; compared exactly it is below 0.67, above 0.66
    assert attends_enough(2, 3, CompletionRule(min_attendance_share=Decimal("0.66")))
    assert not attends_enough(2, 3, CompletionRule(min_attendance_share=Decimal("0.67")))


def test_attendance_rate_rounds_half_up_to_four_places() -> None:
    assert attendance_rate(2, 3) == Decimal("0.6667")
    assert attendance_rate(1, 8) == Decimal("0.1250")
    assert attendance_rate(1, 16) == Decimal("0.0625")
    assert attendance_rate(1, 32) == Decimal("0.0313")  # 0.03125 half up


def test_an_assessed_programme_needs_every_sufficient_attendee_assessed() -> None:
    rule = CompletionRule(assessment_required=True)
    everyone = {day: {"a", "b"} for day in DAYS}
    with pytest.raises(AssessmentMissingError) as info:
        decide_outcomes(DAYS, rule, ["a", "b"], everyone, {"a": True})
    assert info.value.participant_ids == ("b",)
    # someone who did not attend enough needs no result: they do not complete either way
    absent = {day: {"a"} for day in DAYS}
    (a, b) = decide_outcomes(DAYS, rule, ["a", "b"], absent, {"a": False})
    assert (a.completed, a.assessment_passed) == (False, False)
    assert (b.completed, b.assessment_passed) == (False, False)


def outcome(pid: str, completed: bool) -> Outcome:
    return Outcome(pid, completed, 4 if completed else 0, 4)


def test_certificate_numbers_go_to_the_completers_in_order() -> None:
    outcomes = [outcome("a", True), outcome("b", False), outcome("c", True)]
    numbered = number_certificates(outcomes, ["N/1", "N/2"])
    assert [o.certificate_no for o in numbered] == ["N/1", None, "N/2"]


def test_extra_or_missing_certificate_numbers_are_refused() -> None:
    outcomes = [outcome("a", True), outcome("b", False)]
    with pytest.raises(ValueError, match="1 completers but 2 certificate numbers"):
        number_certificates(outcomes, ["N/1", "N/2"])
    with pytest.raises(ValueError, match="1 completers but 0 certificate numbers"):
        number_certificates(outcomes, [])
    assert number_certificates([outcome("b", False)], []) == [outcome("b", False)]
