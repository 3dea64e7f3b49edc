"""Why a training rule refuses something. Plain exceptions; the API maps them to problems."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from purna_shared.reference import Zone


class TrainingRuleError(Exception):
    """A request breaks a training rule; ``str(error)`` explains it to a person."""


class InvalidProgrammeError(TrainingRuleError):
    """A programme definition is not coherent (e.g. a share of attendance above 1)."""


class InvalidScheduleError(TrainingRuleError):
    """Session dates or capacity are not acceptable."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class InvalidTransitionError(TrainingRuleError):
    """A session cannot move from its current state to the one asked for."""

    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"a {current} session cannot become {target}")
        self.current = current
        self.target = target


class SessionClosedError(TrainingRuleError):
    """The session no longer takes this change (completed or cancelled)."""

    def __init__(self, status: str, action: str) -> None:
        super().__init__(f"the session is {status}: {action} is no longer possible")
        self.status = status
        self.action = action


class ParticipantNotKnownError(TrainingRuleError):
    """Training has not yet heard of this participant's registration."""

    def __init__(self, participant_id: str) -> None:
        super().__init__(
            f"participant {participant_id} is not known yet: the registration may still be "
            "arriving from the registration service; try again shortly"
        )
        self.participant_id = participant_id


class ConsentWithdrawnError(TrainingRuleError):
    """The participant withdrew consent: they are no longer processed (UU PDP)."""

    def __init__(self, participant_id: str) -> None:
        super().__init__(f"participant {participant_id} has withdrawn consent")
        self.participant_id = participant_id


class OverlappingSeatError(TrainingRuleError):
    """The participant already holds a seat in a session on some of the same days."""

    def __init__(self, participant_id: str, other_session_id: str) -> None:
        super().__init__(
            f"participant {participant_id} already holds a seat in session {other_session_id}, "
            "which runs on some of the same days"
        )
        self.participant_id = participant_id
        self.other_session_id = other_session_id


class NotEnrolledError(TrainingRuleError):
    """Attendance, an assessment or a cancellation names people not enrolled in the session."""

    def __init__(self, participant_ids: Sequence[str]) -> None:
        listed = ", ".join(participant_ids)
        super().__init__(f"not enrolled in this session: {listed}")
        self.participant_ids = tuple(participant_ids)


class NotASessionDayError(TrainingRuleError):
    """Attendance for a day the session does not run."""

    def __init__(self, day: date, first_day: date, last_day: date) -> None:
        super().__init__(
            f"{day.isoformat()} is not a day of this session, which runs from "
            f"{first_day.isoformat()} to {last_day.isoformat()}"
        )
        self.day = day
        self.first_day = first_day
        self.last_day = last_day


def _today(today: date, zone: Zone | None) -> str:
    where = zone.abbreviation if zone else "where the session is held"
    return f"{today.isoformat()} {where}"


class DayNotYetComeError(TrainingRuleError):
    """Attendance for a session day that is still in the future (in the session's zone)."""

    def __init__(self, day: date, today: date, zone: Zone | None = None) -> None:
        super().__init__(
            f"{day.isoformat()} has not come yet (today is {_today(today, zone)}): "
            "attendance is recorded on or after the day"
        )
        self.day = day
        self.today = today


class SessionNotOverError(TrainingRuleError):
    """Completion asked for before the session's last day (in the session's zone)."""

    def __init__(self, last_day: date, today: date, zone: Zone | None = None) -> None:
        super().__init__(
            f"the session runs until {last_day.isoformat()}; it can be completed from its last "
            f"day on (today is {_today(today, zone)})"
        )
        self.last_day = last_day
        self.today = today


class AttendanceMissingError(TrainingRuleError):
    """Completion asked for while some session days have no attendance recorded."""

    def __init__(self, days: Sequence[date]) -> None:
        listed = ", ".join(day.isoformat() for day in days)
        super().__init__(
            f"attendance is not recorded for {listed}: record it (an empty list if nobody came) "
            "before completing"
        )
        self.days = tuple(days)


class AssessmentMissingError(TrainingRuleError):
    """The programme requires an assessment and some participants have no result yet."""

    def __init__(self, participant_ids: Sequence[str]) -> None:
        listed = ", ".join(participant_ids)
        super().__init__(
            f"the programme requires an assessment; no result is recorded for: {listed}"
        )
        self.participant_ids = tuple(participant_ids)


class AssessmentNotRequiredError(TrainingRuleError):
    """An assessment result for a session whose programme has no assessment."""

    def __init__(self, programme_code: str) -> None:
        super().__init__(f"programme {programme_code} has no assessment")
        self.programme_code = programme_code
