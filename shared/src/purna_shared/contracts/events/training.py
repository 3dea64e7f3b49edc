"""Events produced by the training service: village trainings, who attends, and how it went."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar, Literal

from pydantic import ConfigDict, Field, model_validator

from ..base import IntegrationEvent, Personal
from .common import EventPart, Id, Office, PlaceName, Programme, RegencyCode, Timestamp

EnrollmentStatus = Literal["enrolled", "waitlisted"]

_PROGRAMME_EXAMPLE: dict[str, Any] = {
    "code": "TENUN-TAS",
    "name": "Menjahit bahan tenun dan kerajinan tas",
    "category": "crafts",
}
_SESSION_ID = "0191f0b7-1a2b-7c3d-8e4f-5a6b7c8d9e02"
_PARTICIPANT_ID = "0191f0a4-5d2e-7c3b-9a41-2f6b1c8d9e01"


class SessionScheduled(IntegrationEvent):
    """A training session was scheduled in a village and opened for enrolment.

    Emitted by the training service when a session is created with its programme, place, dates
    and capacity (about 20 participants per village training). Notification uses it to invite
    eligible participants of the area.
    """

    name: ClassVar[str] = "session-scheduled"
    producer: ClassVar[str] = "training"
    subject_field: ClassVar[str] = "session_id"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "session_id": _SESSION_ID,
                    "office": "NTB",
                    "programme": _PROGRAMME_EXAMPLE,
                    "village": "Bonjeruk",
                    "district": "Jonggat",
                    "regency_code": "5202",
                    "venue": "Balai Desa Bonjeruk",
                    "start_date": "2024-08-12",
                    "end_date": "2024-08-15",
                    "capacity": 20,
                    "trainer": "Lalu Ahmad Zaini",
                    "scheduled_at": "2024-07-15T01:00:00Z",
                }
            ]
        }
    )

    session_id: Id = Field(description="Training session id")
    office: Office = Field(description="BP3MI office running the session, e.g. NTB")
    programme: Programme = Field(description="The programme taught")
    village: PlaceName = Field(description="Village (desa) where the session is held")
    district: PlaceName = Field(description="District (kecamatan) of the village")
    regency_code: RegencyCode = Field(description="Regency code of the village, e.g. 5202")
    venue: PlaceName = Field(description="Venue, e.g. Balai Desa Bonjeruk")
    start_date: date = Field(description="First day of the session (date where it is held)")
    end_date: date = Field(description="Last day of the session (date where it is held)")
    capacity: int = Field(ge=1, description="Seats; enrolments beyond it are waitlisted")
    trainer: str = Personal("Name of the lead trainer", min_length=1, max_length=200)
    scheduled_at: Timestamp = Field(description="When the session was scheduled (UTC)")

    @model_validator(mode="after")
    def _dates_ordered(self) -> SessionScheduled:
        if self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


class ParticipantEnrolled(IntegrationEvent):
    """A participant got a seat in a training session, or a place on its waitlist.

    Emitted by the training service when a participant enrols (``enrolled`` while seats remain,
    else ``waitlisted`` with their ``position``), and again with ``enrolled`` when a waitlisted
    participant is promoted after a cancellation. Carries what a reminder message needs.
    """

    name: ClassVar[str] = "participant-enrolled"
    producer: ClassVar[str] = "training"
    subject_field: ClassVar[str] = "session_id"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "session_id": _SESSION_ID,
                    "participant_id": _PARTICIPANT_ID,
                    "status": "waitlisted",
                    "position": 2,
                    "programme_name": "Menjahit bahan tenun dan kerajinan tas",
                    "start_date": "2024-08-12",
                    "end_date": "2024-08-15",
                    "village": "Bonjeruk",
                    "venue": "Balai Desa Bonjeruk",
                    "enrolled_at": "2024-07-20T03:30:00Z",
                }
            ]
        }
    )

    session_id: Id = Field(description="Training session id")
    participant_id: Id = Field(description="Participant id")
    status: EnrollmentStatus = Field(
        description="enrolled: has a seat; waitlisted: gets one if an enrolled participant cancels"
    )
    position: int | None = Field(
        default=None, ge=1, description="1-based place on the waitlist; null when enrolled"
    )
    programme_name: str = Field(
        min_length=1, max_length=200, description="Programme name, as shown to participants"
    )
    start_date: date = Field(description="First day of the session (date where it is held)")
    end_date: date = Field(description="Last day of the session (date where it is held)")
    village: PlaceName = Field(description="Village (desa) where the session is held")
    venue: PlaceName = Field(description="Venue of the session")
    enrolled_at: Timestamp = Field(description="When the enrolment (or promotion) happened (UTC)")

    @model_validator(mode="after")
    def _position_matches_status(self) -> ParticipantEnrolled:
        if self.status == "waitlisted" and self.position is None:
            raise ValueError("position is required when waitlisted")
        if self.status == "enrolled" and self.position is not None:
            raise ValueError("position must be null when enrolled")
        return self


class EnrollmentCancelled(IntegrationEvent):
    """A participant's enrolment (or waitlist place) in a training session was cancelled.

    Emitted by the training service when a participant or an operator cancels, or when consent
    is withdrawn. When the freed seat went to the first waitlisted participant,
    ``promoted_participant_id`` names them (a ParticipantEnrolled for them follows).
    """

    name: ClassVar[str] = "enrollment-cancelled"
    producer: ClassVar[str] = "training"
    subject_field: ClassVar[str] = "session_id"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "session_id": _SESSION_ID,
                    "participant_id": "0191f0a4-6e3f-7d4c-8b52-3a7c2d9e0f13",
                    "reason": "sakit",
                    "promoted_participant_id": _PARTICIPANT_ID,
                    "cancelled_at": "2024-08-05T02:00:00Z",
                }
            ]
        }
    )

    session_id: Id = Field(description="Training session id")
    participant_id: Id = Field(description="Participant whose enrolment was cancelled")
    reason: str | None = Field(
        default=None,
        max_length=500,
        description="Why, in a few words (no personal details); null when not given",
    )
    promoted_participant_id: Id | None = Field(
        default=None, description="Waitlisted participant who got the freed seat, if any"
    )
    cancelled_at: Timestamp = Field(description="When the enrolment was cancelled (UTC)")


class ParticipantOutcome(EventPart):
    """How one enrolled participant finished a session."""

    participant_id: Id = Field(description="Participant id")
    completed: bool = Field(description="Whether the participant completed the training")
    attendance_rate: float = Field(
        ge=0.0, le=1.0, description="Share of session days attended, 0.0 to 1.0"
    )
    certificate_no: str | None = Field(
        default=None,
        max_length=64,
        description="Number of the certificate issued; null when not completed",
    )

    @model_validator(mode="after")
    def _certificate_only_when_completed(self) -> ParticipantOutcome:
        if self.certificate_no is not None and not self.completed:
            raise ValueError("certificate_no is set but the participant did not complete")
        return self


class SessionCompleted(IntegrationEvent):
    """A training session ended and its trainer recorded every participant's outcome.

    Emitted by the training service once per session when the trainer closes it. Credit uses
    the outcomes to pre-qualify graduates for KUR (training graduates are in mentoring,
    *pendampingan*); notification congratulates them.
    """

    name: ClassVar[str] = "session-completed"
    producer: ClassVar[str] = "training"
    subject_field: ClassVar[str] = "session_id"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "session_id": _SESSION_ID,
                    "office": "NTB",
                    "programme": _PROGRAMME_EXAMPLE,
                    "village": "Bonjeruk",
                    "district": "Jonggat",
                    "regency_code": "5202",
                    "start_date": "2024-08-12",
                    "end_date": "2024-08-15",
                    "completed_at": "2024-08-15T09:00:00Z",
                    "outcomes": [
                        {
                            "participant_id": _PARTICIPANT_ID,
                            "completed": True,
                            "attendance_rate": 1.0,
                            "certificate_no": "NTB/2024/TENUN-TAS/0007",
                        },
                        {
                            "participant_id": "0191f0a4-6e3f-7d4c-8b52-3a7c2d9e0f13",
                            "completed": False,
                            "attendance_rate": 0.25,
                            "certificate_no": None,
                        },
                    ],
                }
            ]
        }
    )

    session_id: Id = Field(description="Training session id")
    office: Office = Field(description="BP3MI office that ran the session, e.g. NTB")
    programme: Programme = Field(description="The programme taught")
    village: PlaceName = Field(description="Village (desa) where the session was held")
    district: PlaceName = Field(description="District (kecamatan) of the village")
    regency_code: RegencyCode = Field(description="Regency code of the village, e.g. 5202")
    start_date: date = Field(description="First day of the session (date where it is held)")
    end_date: date = Field(description="Last day of the session (date where it is held)")
    completed_at: Timestamp = Field(description="When the trainer closed the session (UTC)")
    outcomes: tuple[ParticipantOutcome, ...] = Field(
        description="One outcome per participant enrolled at the end (waitlisted ones excluded)"
    )

    @model_validator(mode="after")
    def _dates_ordered(self) -> SessionCompleted:
        if self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self
