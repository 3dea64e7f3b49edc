"""Which messages an event causes, to whom, with which template and which facts.

A plan names a participant, a template (``templates/<template>/<channel>.j2``) and the facts
the template shows (JSON-safe: dates as ISO strings). The channels come later, from the
participant's contact and consent; the name and salutation are filled in when the message is
rendered, so a corrected name or a new phone number is used even for a message planned days
ago.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from purna_shared.contracts.base import IntegrationEvent
from purna_shared.contracts.events import (
    CreditApplicationSubmitted,
    CreditApproved,
    CreditPrequalified,
    CreditRejected,
    LoanDisbursed,
    ParticipantEnrolled,
    ParticipantRegistered,
    SessionCompleted,
)
from purna_shared.reference import Zone

from .schedule import ReminderRule, home_zone

Context = dict[str, Any]

SCHEME_NAMES = {"super_mikro": "KUR Super Mikro", "mikro": "KUR Mikro", "kecil": "KUR Kecil"}


@dataclass(frozen=True, slots=True)
class MessagePlan:
    participant_id: str
    template: str
    context: Context
    #: not before this moment (the session reminder); ``None`` means now
    not_before: datetime | None = None
    #: the training session it is about, so a cancellation or a new date can find it
    session_id: str | None = None


# -- planners, one per event type -----------------------------------------------------------------


def plan_registered(event: ParticipantRegistered, _: PlanningContext) -> list[MessagePlan]:
    return [
        MessagePlan(
            event.participant_id,
            "participant-registered",
            {"kantor": event.office, "terdaftar_pada": event.registered_at.isoformat()},
        )
    ]


def _session_facts(event: ParticipantEnrolled) -> Context:
    return {
        "session_id": event.session_id,
        "program": event.programme_name,
        "desa": event.village,
        "tempat": event.venue,
        "mulai": event.start_date.isoformat(),
        "selesai": event.end_date.isoformat(),
    }


def plan_enrolled(event: ParticipantEnrolled, ctx: PlanningContext) -> list[MessagePlan]:
    facts = _session_facts(event)
    if event.status == "waitlisted":
        return [
            MessagePlan(
                event.participant_id,
                "participant-waitlisted",
                {**facts, "urutan": event.position},
                session_id=event.session_id,
            )
        ]
    plans = [
        MessagePlan(
            event.participant_id, "participant-enrolled", facts, session_id=event.session_id
        )
    ]
    zone = ctx.zone_of(event.participant_id)
    if ctx.now is None:
        reminder_at: datetime | None = ctx.reminder.reminder_time(event.start_date, zone)
    else:
        reminder_at = ctx.reminder.reminder_due(event.start_date, ctx.now, zone)
    if reminder_at is not None:
        plans.append(
            MessagePlan(
                event.participant_id,
                "session-reminder",
                facts,
                not_before=reminder_at,
                session_id=event.session_id,
            )
        )
    return plans


def plan_session_completed(event: SessionCompleted, _: PlanningContext) -> list[MessagePlan]:
    """Completers are congratulated (certificate, KUR to follow); the others are encouraged
    to join a later session."""
    facts = {
        "session_id": event.session_id,
        "program": event.programme.name,
        "desa": event.village,
        "mulai": event.start_date.isoformat(),
        "selesai": event.end_date.isoformat(),
    }
    plans = []
    for outcome in event.outcomes:
        context = {
            **facts,
            "kehadiran": round(outcome.attendance_rate * 100),
            "sertifikat": outcome.certificate_no,
        }
        template = (
            "session-completed-completer"
            if outcome.completed
            else "session-completed-non-completer"
        )
        plans.append(
            MessagePlan(outcome.participant_id, template, context, session_id=event.session_id)
        )
    return plans


def plan_prequalified(event: CreditPrequalified, _: PlanningContext) -> list[MessagePlan]:
    context = {
        "skema": SCHEME_NAMES[event.scheme],
        "plafon": event.max_plafond,
        "bunga": event.interest_rate,
        "tenor_modal_kerja": event.max_tenor_months.working_capital,
        "tenor_investasi": event.max_tenor_months.investment,
        "berlaku_sampai": event.valid_until.isoformat(),
        "usaha": event.business_sector,
    }
    template = "credit-prequalified" if event.result == "prequalified" else "credit-needs-review"
    return [MessagePlan(event.participant_id, template, context)]


def _application_facts(
    event: CreditApplicationSubmitted | CreditApproved | CreditRejected | LoanDisbursed,
) -> Context:
    return {
        "application_id": event.application_id,
        "jumlah": event.amount,
        "tenor": event.tenor_months,
        "bank": event.bank,
    }


def plan_application_submitted(
    event: CreditApplicationSubmitted, _: PlanningContext
) -> list[MessagePlan]:
    context = {
        **_application_facts(event),
        "tujuan": "modal kerja" if event.purpose == "modal_kerja" else "investasi",
        "menunggu_kuota": event.status == "waitlisted",
    }
    return [MessagePlan(event.participant_id, "credit-application-submitted", context)]


def plan_approved(event: CreditApproved, _: PlanningContext) -> list[MessagePlan]:
    context = {**_application_facts(event), "disetujui": event.approved_amount}
    return [MessagePlan(event.participant_id, "credit-approved", context)]


def plan_rejected(event: CreditRejected, _: PlanningContext) -> list[MessagePlan]:
    context = {**_application_facts(event), "alasan": event.reason}
    return [MessagePlan(event.participant_id, "credit-rejected", context)]


def plan_disbursed(event: LoanDisbursed, _: PlanningContext) -> list[MessagePlan]:
    context = {**_application_facts(event), "dicairkan_pada": event.disbursed_at.isoformat()}
    return [MessagePlan(event.participant_id, "loan-disbursed", context)]


@dataclass(frozen=True, slots=True)
class PlanningContext:
    reminder: ReminderRule
    #: the handling moment; ``None`` plans as if every reminder were still ahead (previews)
    now: datetime | None
    #: each recipient's zone (reminders go at a local hour); default: the home office's
    zone_of: Callable[[str], Zone] = field(default=lambda _participant_id: home_zone())


Planner = Callable[[Any, PlanningContext], list[MessagePlan]]

PLANNERS: Mapping[type[IntegrationEvent], Planner] = {
    ParticipantRegistered: plan_registered,
    ParticipantEnrolled: plan_enrolled,
    SessionCompleted: plan_session_completed,
    CreditPrequalified: plan_prequalified,
    CreditApplicationSubmitted: plan_application_submitted,
    CreditApproved: plan_approved,
    CreditRejected: plan_rejected,
    LoanDisbursed: plan_disbursed,
}


def plan(event: IntegrationEvent, ctx: PlanningContext) -> list[MessagePlan]:
    """The messages ``event`` causes (none for an event type that messages nobody)."""
    planner = PLANNERS.get(type(event))
    return planner(event, ctx) if planner is not None else []


# -- the templates, and a sample event for each (previews, tests) ----------------------------------


def _example(model: type[IntegrationEvent]) -> dict[str, Any]:
    extra = cast(dict[str, Any], model.model_config.get("json_schema_extra") or {})
    return dict(extra["examples"][0])


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    name: str
    event: type[IntegrationEvent]
    description: str
    sample_overrides: Mapping[str, Any] = field(default_factory=dict)

    def sample_payload(self) -> dict[str, Any]:
        return {**_example(self.event), **self.sample_overrides}


TEMPLATES: Mapping[str, TemplateSpec] = {
    spec.name: spec
    for spec in (
        TemplateSpec(
            "participant-registered", ParticipantRegistered, "registration received, welcome"
        ),
        TemplateSpec(
            "participant-enrolled",
            ParticipantEnrolled,
            "a seat in a training: where and when",
            {"status": "enrolled", "position": None},
        ),
        TemplateSpec(
            "participant-waitlisted",
            ParticipantEnrolled,
            "a place on a training's waitlist",
            {"status": "waitlisted", "position": 2},
        ),
        TemplateSpec(
            "session-reminder",
            ParticipantEnrolled,
            "the eve of the training: where and when",
            {"status": "enrolled", "position": None},
        ),
        TemplateSpec(
            "session-completed-completer",
            SessionCompleted,
            "training completed: certificate, KUR assessment to follow",
        ),
        TemplateSpec(
            "session-completed-non-completer",
            SessionCompleted,
            "training not completed: encouragement to join a later session",
        ),
        TemplateSpec(
            "credit-prequalified", CreditPrequalified, "pre-qualified for KUR: scheme and limits"
        ),
        TemplateSpec(
            "credit-needs-review",
            CreditPrequalified,
            "a credit officer will review the KUR assessment",
            {"result": "needs_review"},
        ),
        TemplateSpec(
            "credit-application-submitted",
            CreditApplicationSubmitted,
            "KUR application submitted to the bank",
        ),
        TemplateSpec("credit-approved", CreditApproved, "the bank approved the KUR application"),
        TemplateSpec("credit-rejected", CreditRejected, "the bank rejected the KUR application"),
        TemplateSpec("loan-disbursed", LoanDisbursed, "the KUR loan was paid out"),
    )
}
