"""The HTTP API's request and response bodies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from purna_shared.http.pagination import Page
from purna_shared.text import InputModel

from ..adapters.repository import SeatCounts
from ..domain.completion import Outcome
from ..domain.enrollment import Enrollment
from ..domain.participants import ParticipantRecord
from ..domain.programmes import CompletionRule, Programme, ProgrammeCategory
from ..domain.rules import (
    DEFAULT_CAPACITY,
    DEFAULT_MIN_ATTENDANCE_SHARE,
    DEFAULT_SESSION_DAYS,
    MAX_CAPACITY,
    MAX_SESSION_DAYS,
)
from ..domain.sessions import TrainingSession

#: no control characters in ids and names (PostgreSQL refuses NUL; none belongs in a name)
NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"

ParticipantId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=NO_CONTROL),
]
Place = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=NO_CONTROL),
]
ProgrammeCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9-]{1,31}$")]
OfficeCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2,16}$")]
RegencyCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")]
Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500, pattern=NO_CONTROL),
]
Description = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2000, pattern=r"^[^\x00]*$")
]

SessionStatusName = Literal["scheduled", "in_progress", "completed", "cancelled"]
EnrollmentStatusName = Literal["enrolled", "waitlisted", "cancelled"]


def _as_utc(moment: dt.datetime) -> dt.datetime:
    # SQLite hands timestamps back without their zone; they are stored in UTC
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


#: A moment as the API shows it: RFC 3339 with its offset (always UTC), as OpenAPI's
#: date-time requires, whichever database it came from
Instant = Annotated[dt.datetime, AfterValidator(_as_utc)]


class Request(InputModel):
    model_config = ConfigDict(extra="forbid")


# -- programmes --------------------------------------------------------------------------------


class CompletionRuleOut(BaseModel):
    min_attendance_share: float = Field(description="Share of session days to attend, 0-1")
    assessment_required: bool = Field(description="Whether an assessment must also be passed")


class ProgrammeOut(BaseModel):
    code: str
    name: str = Field(description="Name in Bahasa Indonesia")
    category: str
    description: str
    default_days: int
    default_capacity: int
    completion_rule: CompletionRuleOut

    @classmethod
    def of(cls, p: Programme) -> ProgrammeOut:
        return cls(
            code=p.code,
            name=p.name,
            category=p.category.value,
            description=p.description,
            default_days=p.default_days,
            default_capacity=p.default_capacity,
            completion_rule=CompletionRuleOut(
                min_attendance_share=float(p.completion_rule.min_attendance_share),
                assessment_required=p.completion_rule.assessment_required,
            ),
        )


class CompletionRuleIn(Request):
    min_attendance_share: Decimal = Field(
        DEFAULT_MIN_ATTENDANCE_SHARE,
        gt=0,
        le=1,
        decimal_places=4,
        description="Share of session days to attend, above 0 and at most 1",
    )
    assessment_required: bool = False


class ProgrammeIn(Request):
    name: Place = Field(description="Name in Bahasa Indonesia")
    category: ProgrammeCategory
    description: Description = ""
    default_days: int = Field(DEFAULT_SESSION_DAYS, ge=1, le=MAX_SESSION_DAYS)
    default_capacity: int = Field(DEFAULT_CAPACITY, ge=1, le=MAX_CAPACITY)
    completion_rule: CompletionRuleIn = Field(default_factory=CompletionRuleIn)

    def programme(self, code: str) -> Programme:
        return Programme(
            code=code,
            name=self.name,
            category=self.category,
            description=self.description,
            default_days=self.default_days,
            default_capacity=self.default_capacity,
            completion_rule=CompletionRule(
                self.completion_rule.min_attendance_share,
                self.completion_rule.assessment_required,
            ),
        )


class ProgrammeList(BaseModel):
    items: list[ProgrammeOut]
    total: int


# -- sessions ----------------------------------------------------------------------------------


class ScheduleSessionIn(Request):
    programme_code: ProgrammeCode = Field(description="Programme code, e.g. TENUN")
    office: OfficeCode = Field(description="BP3MI office running the session, e.g. NTB")
    village: Place = Field(description="Village (desa), e.g. Bonjeruk")
    district: Place = Field(description="District (kecamatan), e.g. Jonggat")
    regency_code: RegencyCode = Field(description="Regency (kabupaten/kota) code, e.g. 5202")
    venue: Place = Field(description="Venue, e.g. Balai Desa Bonjeruk")
    start_date: dt.date = Field(description="First day (a date where the session is held)")
    end_date: dt.date | None = Field(
        None,
        description="Last day (a date where the session is held); "
        "default: the programme's default length",
    )
    capacity: int | None = Field(
        None, ge=1, le=MAX_CAPACITY, description="Seats; default: the programme's (20)"
    )
    trainer: Place = Field(description="Token subject of the lead trainer")


class SeatsOut(BaseModel):
    capacity: int
    enrolled: int
    waitlisted: int
    free: int


class SessionOut(BaseModel):
    id: str
    programme_code: str
    office: str
    village: str
    district: str
    regency_code: str
    venue: str
    start_date: dt.date
    end_date: dt.date
    days: int = Field(description="Number of session days")
    capacity: int
    trainer: str
    status: SessionStatusName
    completion_rule: CompletionRuleOut
    seats: SeatsOut
    created_at: Instant
    completed_at: Instant | None
    cancelled_at: Instant | None
    cancel_reason: str | None

    @classmethod
    def of(cls, s: TrainingSession, seats: SeatCounts) -> SessionOut:
        return cls(
            id=s.id,
            programme_code=s.programme_code,
            office=s.office,
            village=s.village,
            district=s.district,
            regency_code=s.regency_code,
            venue=s.venue,
            start_date=s.days.first,
            end_date=s.days.last,
            days=s.days.count,
            capacity=s.capacity,
            trainer=s.trainer,
            status=s.status.value,
            completion_rule=CompletionRuleOut(
                min_attendance_share=float(s.rule.min_attendance_share),
                assessment_required=s.rule.assessment_required,
            ),
            seats=SeatsOut(
                capacity=s.capacity,
                enrolled=seats.enrolled,
                waitlisted=seats.waitlisted,
                free=max(0, s.capacity - seats.enrolled),
            ),
            created_at=s.created_at,
            completed_at=s.completed_at,
            cancelled_at=s.cancelled_at,
            cancel_reason=s.cancel_reason,
        )


class SessionList(Page[SessionOut]):
    pass


class CancelSessionIn(Request):
    reason: Reason | None = Field(None, description="Why the session is cancelled")


# -- enrolments --------------------------------------------------------------------------------


class EnrolIn(Request):
    participant_id: ParticipantId = Field(description="Participant id from registration")


class EnrolmentOut(BaseModel):
    session_id: str
    participant_id: str
    status: EnrollmentStatusName
    position: int | None = Field(description="1-based waitlist place; null unless waitlisted")
    enrolled_at: Instant
    promoted_at: Instant | None
    cancelled_at: Instant | None

    @classmethod
    def of(cls, e: Enrollment, position: int | None) -> EnrolmentOut:
        return cls(
            session_id=e.session_id,
            participant_id=e.participant_id,
            status=e.status.value,
            position=position,
            enrolled_at=e.enrolled_at,
            promoted_at=e.promoted_at,
            cancelled_at=e.cancelled_at,
        )


class RosterEntry(EnrolmentOut):
    full_name: str | None = Field(description="From registration (personal data)")

    @classmethod
    def entry(
        cls, e: Enrollment, position: int | None, person: ParticipantRecord | None
    ) -> RosterEntry:
        # A withdrawn participant's name is no longer shown (UU PDP: processing stops).
        name = person.full_name if person is not None and person.consent_granted else None
        return cls(**EnrolmentOut.of(e, position).model_dump(), full_name=name)


class Roster(Page[RosterEntry]):
    pass


class CancellationOut(BaseModel):
    session_id: str
    participant_id: str
    status: EnrollmentStatusName
    promoted_participant_id: str | None = Field(
        description="The waitlisted participant who got the freed seat, if any"
    )


# -- attendance and assessments ----------------------------------------------------------------


class AttendanceIn(Request):
    present: list[ParticipantId] = Field(
        max_length=1000, description="Ids of the participants present that day"
    )


class AttendanceOut(BaseModel):
    session_id: str
    date: dt.date
    present: list[str]
    absent: list[str]
    session_status: SessionStatusName


class AttendanceDayOut(BaseModel):
    date: dt.date
    recorded: bool = Field(description="Whether attendance was taken for this day")
    present: list[str]


class AttendanceSheet(BaseModel):
    session_id: str
    days: list[AttendanceDayOut]


class AssessmentIn(Request):
    passed: bool


class AssessmentOut(BaseModel):
    session_id: str
    participant_id: str
    passed: bool


# -- completion --------------------------------------------------------------------------------


class OutcomeOut(BaseModel):
    participant_id: str
    completed: bool
    attendance_rate: float = Field(description="Days present / session days, 0-1 (4 places)")
    days_present: int
    session_days: int
    assessment_passed: bool | None = Field(description="Null when the programme has none")
    certificate_no: str | None = Field(description="e.g. NTB/2024/TENUN/0001; null if not")

    @classmethod
    def of(cls, o: Outcome) -> OutcomeOut:
        return cls(
            participant_id=o.participant_id,
            completed=o.completed,
            attendance_rate=float(o.attendance_rate),
            days_present=o.days_present,
            session_days=o.session_days,
            assessment_passed=o.assessment_passed,
            certificate_no=o.certificate_no,
        )


class CompletionOut(BaseModel):
    session_id: str
    status: SessionStatusName
    completed_at: Instant
    outcomes: list[OutcomeOut]
