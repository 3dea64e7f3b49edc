"""Which messages each event causes, and the facts each template gets."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from purna_notification.domain.messages import TEMPLATES, PlanningContext, plan
from purna_notification.domain.schedule import ReminderRule
from purna_shared.contracts.events import (
    CreditPrequalified,
    ParticipantEnrolled,
    ParticipantUpdated,
    SessionCompleted,
)

pytestmark = pytest.mark.unit

RULE = ReminderRule(1, time(9, 0))
JULY = datetime(2024, 7, 20, 3, 0, tzinfo=UTC)


def completed(n: int) -> SessionCompleted:
    example = TEMPLATES["session-completed-completer"].sample_payload()
    outcomes: list[dict[str, Any]] = [
        {
            "participant_id": f"p-{i:02d}",
            "completed": i % 4 != 0,
            "attendance_rate": 1.0 if i % 4 else 0.5,
            "certificate_no": f"NTB/2024/TENUN-TAS/{i:04d}" if i % 4 else None,
        }
        for i in range(n)
    ]
    return SessionCompleted.model_validate({**example, "outcomes": outcomes})


def test_session_completed_plans_one_message_per_outcome() -> None:
    plans = plan(completed(20), PlanningContext(RULE, JULY))
    assert len(plans) == 20
    assert len({p.participant_id for p in plans}) == 20
    by_template: dict[str, list[str]] = {}
    for p in plans:
        by_template.setdefault(p.template, []).append(p.participant_id)
    assert len(by_template["session-completed-completer"]) == 15
    assert sorted(by_template["session-completed-non-completer"]) == [
        "p-00",
        "p-04",
        "p-08",
        "p-12",
        "p-16",
    ]
    first = next(p for p in plans if p.participant_id == "p-01")
    assert first.context["sertifikat"] == "NTB/2024/TENUN-TAS/0001"
    assert first.context["kehadiran"] == 100
    assert first.session_id == first.context["session_id"]


def enrolled(status: str = "enrolled", **overrides: object) -> ParticipantEnrolled:
    payload = TEMPLATES["participant-enrolled"].sample_payload()
    payload.update(status=status, position=None if status == "enrolled" else 3, **overrides)
    return ParticipantEnrolled.model_validate(payload)


def test_enrolment_confirms_and_schedules_the_eve_reminder() -> None:
    plans = plan(enrolled(), PlanningContext(RULE, JULY))
    assert [p.template for p in plans] == ["participant-enrolled", "session-reminder"]
    reminder = plans[1]
    # the session starts Monday 12 August 2024: reminder Sunday 11 August 09:00 WITA
    assert reminder.not_before == datetime(2024, 8, 11, 1, 0, tzinfo=UTC)
    assert reminder.context["mulai"] == "2024-08-12"
    assert plans[0].not_before is None


def test_enrolled_after_the_eve_gets_no_separate_reminder() -> None:
    late = datetime(2024, 8, 11, 2, 0, tzinfo=UTC)  # 10:00 WITA on the eve
    assert [p.template for p in plan(enrolled(), PlanningContext(RULE, late))] == [
        "participant-enrolled"
    ]


def test_waitlisted_gets_its_place_and_no_reminder() -> None:
    plans = plan(enrolled("waitlisted"), PlanningContext(RULE, JULY))
    assert [p.template for p in plans] == ["participant-waitlisted"]
    assert plans[0].context["urutan"] == 3


def test_prequalified_and_needs_review_get_different_messages() -> None:
    payload = TEMPLATES["credit-prequalified"].sample_payload()
    prequalified = CreditPrequalified.model_validate(payload)
    review = CreditPrequalified.model_validate({**payload, "result": "needs_review"})
    ctx = PlanningContext(RULE, JULY)
    [ok] = plan(prequalified, ctx)
    [look] = plan(review, ctx)
    assert (ok.template, look.template) == ("credit-prequalified", "credit-needs-review")
    assert ok.context["skema"] == "KUR Mikro"
    assert ok.context["plafon"] == 100_000_000
    assert ok.context["berlaku_sampai"] == "2024-11-15"


def test_events_that_message_nobody_plan_nothing() -> None:
    payload = ParticipantUpdated.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
    assert plan(ParticipantUpdated.model_validate(payload), PlanningContext(RULE, JULY)) == []


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_has_a_sample_that_produces_it(name: str) -> None:
    spec = TEMPLATES[name]
    event = spec.event.model_validate(spec.sample_payload())
    plans = plan(event, PlanningContext(RULE, None))
    assert name in {p.template for p in plans}


def test_session_dates_in_the_sample_are_real() -> None:
    event = enrolled()
    assert event.start_date == date(2024, 8, 12)
