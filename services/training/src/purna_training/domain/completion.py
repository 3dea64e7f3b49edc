"""Completion: each enrolled participant's outcome under the programme's rule."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from .errors import AssessmentMissingError, AttendanceMissingError
from .programmes import CompletionRule
from .rules import ATTENDANCE_RATE_PLACES
from .sessions import SessionDays

_RATE_QUANTUM = Decimal(1).scaleb(-ATTENDANCE_RATE_PLACES)


def attendance_rate(days_present: int, session_days: int) -> Decimal:
    """Days present over session days, rounded half up to ``ATTENDANCE_RATE_PLACES``."""
    return (Decimal(days_present) / Decimal(session_days)).quantize(
        _RATE_QUANTUM, rounding=ROUND_HALF_UP
    )


def attends_enough(days_present: int, session_days: int, rule: CompletionRule) -> bool:
    """Compared exactly (present >= share x days), never on a rounded rate."""
    return Decimal(days_present) >= rule.min_attendance_share * session_days


@dataclass(frozen=True, slots=True)
class Outcome:
    participant_id: str
    completed: bool
    days_present: int
    session_days: int
    #: None when the programme has no assessment
    assessment_passed: bool | None = None
    certificate_no: str | None = None

    @property
    def attendance_rate(self) -> Decimal:
        return attendance_rate(self.days_present, self.session_days)


def decide_outcomes(
    days: SessionDays,
    rule: CompletionRule,
    enrolled: Sequence[str],
    attendance: Mapping[date, Collection[str]],
    assessments: Mapping[str, bool],
) -> list[Outcome]:
    """One outcome per enrolled participant, in the order given, without certificate numbers.

    Every session day must have its attendance recorded (an empty list when nobody came): a
    forgotten day would otherwise silently fail everyone. When the programme requires an
    assessment, everyone who attended enough must have a result."""
    missing_days = [day for day in days if day not in attendance]
    if missing_days:
        raise AttendanceMissingError(missing_days)
    outcomes: list[Outcome] = []
    unassessed: list[str] = []
    for participant_id in enrolled:
        present = sum(1 for day in days if participant_id in attendance[day])
        enough = attends_enough(present, days.count, rule)
        passed: bool | None = None
        if rule.assessment_required:
            passed = assessments.get(participant_id)
            if passed is None and enough:
                unassessed.append(participant_id)
            passed = bool(passed)
        outcomes.append(
            Outcome(
                participant_id=participant_id,
                completed=enough and passed is not False,
                days_present=present,
                session_days=days.count,
                assessment_passed=passed,
            )
        )
    if unassessed:
        raise AssessmentMissingError(unassessed)
    return outcomes


def number_certificates(outcomes: Sequence[Outcome], numbers: Sequence[str]) -> list[Outcome]:
    """Give the completers, in order, the certificate numbers allocated for them."""
    completers = sum(1 for o in outcomes if o.completed)
    if completers != len(numbers):
        raise ValueError(f"{completers} completers but {len(numbers)} certificate numbers")
    remaining = iter(numbers)
    return [replace(o, certificate_no=next(remaining)) if o.completed else o for o in outcomes]
