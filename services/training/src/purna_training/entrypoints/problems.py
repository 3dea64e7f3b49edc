"""Training's refusals as RFC 9457 problems: a precise status, a sentence, and the fields or
values at fault. ``code`` names the rule so clients can branch without parsing ``detail``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from purna_shared.http.problems import ProblemError

from ..domain import errors as rules
from ..service_layer.errors import UnknownProgrammeError

#: a participant's registration normally reaches training within seconds
RETRY_UNKNOWN_PARTICIPANT_SECONDS = 2


def _field(field: str, where: str, message: str, kind: str) -> dict[str, Any]:
    return {"field": field, "in": where, "message": message, "type": kind}


def rule_problem(exc: rules.TrainingRuleError) -> ProblemError:
    detail = str(exc)
    match exc:
        case rules.ParticipantNotKnownError():
            return ProblemError(
                409,
                "Participant not known yet",
                detail,
                headers={"Retry-After": str(RETRY_UNKNOWN_PARTICIPANT_SECONDS)},
                code="participant_not_known",
                participant_id=exc.participant_id,
            )
        case rules.ConsentWithdrawnError():
            return ProblemError(
                409,
                "Consent withdrawn",
                detail,
                code="consent_withdrawn",
                participant_id=exc.participant_id,
            )
        case rules.OverlappingSeatError():
            return ProblemError(
                409,
                "Seat in an overlapping session",
                detail,
                code="overlapping_session",
                participant_id=exc.participant_id,
                other_session_id=exc.other_session_id,
            )
        case rules.SessionClosedError():
            return ProblemError(409, "Session closed", detail, code="session_closed")
        case rules.InvalidTransitionError():
            return ProblemError(409, "Not possible now", detail, code="invalid_transition")
        case rules.NotASessionDayError():
            return ProblemError(
                422,
                "Not a session day",
                detail,
                errors=[_field("date", "path", detail, "not_a_session_day")],
                code="not_a_session_day",
                first_day=exc.first_day.isoformat(),
                last_day=exc.last_day.isoformat(),
            )
        case rules.DayNotYetComeError():
            return ProblemError(
                422,
                "Day not yet come",
                detail,
                errors=[_field("date", "path", detail, "day_not_yet_come")],
                code="day_not_yet_come",
            )
        case rules.SessionNotOverError():
            return ProblemError(
                409,
                "Session not over",
                detail,
                code="session_not_over",
                last_day=exc.last_day.isoformat(),
            )
        case rules.AttendanceMissingError():
            return ProblemError(
                409,
                "Attendance missing",
                detail,
                code="attendance_missing",
                days=[day.isoformat() for day in exc.days],
            )
        case rules.AssessmentMissingError():
            return ProblemError(
                409,
                "Assessment missing",
                detail,
                code="assessment_missing",
                participant_ids=list(exc.participant_ids),
            )
        case rules.AssessmentNotRequiredError():
            return ProblemError(409, "No assessment", detail, code="assessment_not_required")
        case rules.InvalidScheduleError():
            return ProblemError(
                422,
                "Invalid schedule",
                detail,
                errors=[_field(exc.field, "body", detail, "invalid_schedule")],
                code="invalid_schedule",
            )
        case rules.InvalidProgrammeError():
            return ProblemError(422, "Invalid programme", detail, code="invalid_programme")
        case rules.NotEnrolledError():
            return ProblemError(
                422,
                "Not enrolled",
                detail,
                code="not_enrolled",
                participant_ids=list(exc.participant_ids),
            )
    return ProblemError(409, "Refused", detail)


def not_enrolled_in_attendance(exc: rules.NotEnrolledError, present: Sequence[str]) -> ProblemError:
    """Point at each entry of ``present`` that names someone without a seat."""
    strangers = set(exc.participant_ids)
    errors = [
        _field(
            f"present.{index}",
            "body",
            f"{pid} is not enrolled in this session",
            "not_enrolled",
        )
        for index, pid in enumerate(present)
        if pid in strangers
    ]
    return ProblemError(
        422,
        "Not enrolled",
        str(exc),
        errors=errors,
        code="not_enrolled",
        participant_ids=list(exc.participant_ids),
    )


def not_enrolled_in_path(exc: rules.NotEnrolledError) -> ProblemError:
    return ProblemError(
        422,
        "Not enrolled",
        str(exc),
        errors=[
            _field(
                "participant_id", "path", f"{pid} is not enrolled in this session", "not_enrolled"
            )
            for pid in exc.participant_ids
        ],
        code="not_enrolled",
        participant_ids=list(exc.participant_ids),
    )


async def rule_problem_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, rules.TrainingRuleError)
    return rule_problem(exc).response(request)


async def unknown_programme_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, UnknownProgrammeError)
    return ProblemError(
        422,
        "Unknown programme",
        str(exc),
        errors=[_field("programme_code", "body", str(exc), "unknown_programme")],
        code="unknown_programme",
        known_programmes=exc.known,
    ).response(request)
