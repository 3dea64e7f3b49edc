"""Attendance rules and completion outcomes, with figures checked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from purna_training.domain.attendance import check_attendance
from purna_training.domain.completion import (
    Outcome,
    attendance_rate,
    attends_enough,
    decide_outcomes,
    number_certificates,
)
from purna_training.domain.errors import (
    AssessmentMissingError,
    AttendanceMissingError,
    DayNotYetComeError,
    NotASessionDayError,
    NotEnrolledError,
)
from purna_training.domain.programmes import CompletionRule
from purna_training.domain.sessions import SessionDays

pytestmark = pytest.mark.unit

BONJERUK = SessionDays(date(2024, 8, 12), date(2024, 8, 15))  # Mon 12 - Thu 15 August 2024
D12, D13, D14, D15 = BONJERUK
AFTER = date(2024, 8, 20)
DEFAULT = CompletionRule()


# -- attendance --------------------------------------------------------------------------------


def test_attendance_is_taken_once_per_person() -> None:
    present = check_attendance(BONJERUK, D13, AFTER, ["a", "b", "a"], {"a", "b", "c"})
    assert present == {"a", "b"}
    assert check_attendance(BONJERUK, D12, AFTER, [], {"a"}) == frozenset()


@pytest.mark.parametrize("day", [date(2024, 8, 11), date(2024, 8, 16)])
def test_attendance_outside_the_session_days_is_refused(day: date) -> None:
    with pytest.raises(NotASessionDayError, match="runs from 2024-08-12 to 2024-08-15"):
        check_attendance(BONJERUK, day, AFTER, ["a"], {"a"})


def test_attendance_for_a_day_not_yet_come_is_refused() -> None:
    with pytest.raises(DayNotYetComeError):
        check_attendance(BONJERUK, D14, D13, ["a"], {"a"})
    assert check_attendance(BONJERUK, D13, D13, ["a"], {"a"}) == {"a"}  # the day itself


def test_attendance_names_everyone_not_enrolled() -> None:
    with pytest.raises(NotEnrolledError) as refused:
        check_attendance(BONJERUK, D12, AFTER, ["a", "x", "b", "y", "x"], {"a", "b"})
    assert refused.value.participant_ids == ("x", "y")


# -- rates and the rule ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("present", "days", "rate", "enough"),
    [
        (4, 4, Decimal("1.0000"), True),
        (3, 4, Decimal("0.7500"), True),  # exactly the minimum share
        (2, 4, Decimal("0.5000"), False),
        (0, 4, Decimal("0.0000"), False),
        (2, 3, Decimal("0.6667"), False),  # 0.666... rounds up for display, still below 0.75
        (5, 6, Decimal("0.8333"), True),
        (4, 6, Decimal("0.6667"), False),
        (6, 8, Decimal("0.7500"), True),
    ],
)
def test_attendance_rate_and_the_default_rule(
    present: int, days: int, rate: Decimal, enough: bool
) -> None:
    assert attendance_rate(present, days) == rate
    assert attends_enough(present, days, DEFAULT) is enough


def test_the_rule_is_compared_exactly_not_on_the_rounded_rate() -> None:
    # 2/3 = 0.66666..., shown as 0.6667; a rule of 0.6667 must not let it through
    assert not attends_enough(2, 3, CompletionRule(Decimal("0.6667")))
    assert attends_enough(2, 3, CompletionRule(Decimal("0.6666")))


# -- outcomes ----------------------------------------------------------------------------------


def test_mixed_attendance_gives_exactly_the_right_outcomes() -> None:
    attendance = {
        D12: {"ani", "budi", "citra", "dewi"},
        D13: {"ani", "budi", "citra"},
        D14: {"ani", "citra"},
        D15: {"ani", "budi"},
    }
    outcomes = decide_outcomes(
        BONJERUK, DEFAULT, ["ani", "budi", "citra", "dewi", "eko"], attendance, {}
    )
    assert [(o.participant_id, o.days_present, o.completed) for o in outcomes] == [
        ("ani", 4, True),
        ("budi", 3, True),
        ("citra", 3, True),
        ("dewi", 1, False),
        ("eko", 0, False),
    ]
    assert [o.attendance_rate for o in outcomes] == [
        Decimal("1.0000"),
        Decimal("0.7500"),
        Decimal("0.7500"),
        Decimal("0.2500"),
        Decimal("0.0000"),
    ]
    assert all(o.assessment_passed is None and o.certificate_no is None for o in outcomes)


def test_every_session_day_must_have_its_attendance() -> None:
    with pytest.raises(AttendanceMissingError) as missing:
        decide_outcomes(BONJERUK, DEFAULT, ["a"], {D12: {"a"}, D15: set()}, {})
    assert missing.value.days == (D13, D14)


def test_an_assessment_when_required_must_be_passed_too() -> None:
    rule = CompletionRule(assessment_required=True)
    everyone = {day: {"ani", "budi", "citra"} for day in BONJERUK}
    everyone[D12] = {"ani", "budi"}
    everyone[D13] = {"ani", "budi"}  # citra: 2 of 4 days
    outcomes = decide_outcomes(
        BONJERUK, rule, ["ani", "budi", "citra"], everyone, {"ani": True, "budi": False}
    )
    assert [(o.participant_id, o.completed, o.assessment_passed) for o in outcomes] == [
        ("ani", True, True),
        ("budi", False, False),
        ("citra", False, False),  # too few days: no assessment result needed
    ]


def test_a_missing_assessment_for_someone_who_attended_enough_is_refused() -> None:
    rule = CompletionRule(assessment_required=True)
    attendance = {day: {"ani", "budi"} for day in BONJERUK}
    with pytest.raises(AssessmentMissingError) as missing:
        decide_outcomes(BONJERUK, rule, ["ani", "budi"], attendance, {"ani": True})
    assert missing.value.participant_ids == ("budi",)


def test_certificate_numbers_go_to_completers_in_order() -> None:
    outcomes = [
        Outcome("a", True, 4, 4),
        Outcome("b", False, 1, 4),
        Outcome("c", True, 3, 4),
    ]
    numbered = number_certificates(outcomes, ["NTB/2024/TENUN/0007", "NTB/2024/TENUN/0008"])
    assert [o.certificate_no for o in numbered] == [
        "NTB/2024/TENUN/0007",
        None,
        "NTB/2024/TENUN/0008",
    ]
    with pytest.raises(ValueError, match="2 completers but 1"):
        number_certificates(outcomes, ["NTB/2024/TENUN/0001"])
