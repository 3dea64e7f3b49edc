"""Pre-qualify every graduate of a completed training session (on SessionCompleted).

Exactly one assessment per participant and session, however often the event arrives:

* The consumer's inbox makes a redelivered entry (same envelope id) a no-op.
* The handler runs in the inbox transaction. If any completer is not in the read model yet,
  it raises ``Retry`` before writing anything; had it written, the rollback would undo it all,
  inbox row included. So a retried delivery starts from a clean slate: nothing of the known
  completers is kept half-done, and nothing is doubled when it runs again.
* A worker killed mid-session never committed: the entry stays pending, another worker reclaims
  it and assesses all completers in one transaction.
* The same session completed again under a *new* envelope id (a re-publication, a replay after
  a stream trim) passes the inbox; the unique constraint on (participant_id, session_id), with
  ``ON CONFLICT DO NOTHING``, keeps the first assessment, and a CreditPrequalified is staged only
  for a row actually inserted.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from purna_shared.contracts.envelope import new_event_id
from purna_shared.contracts.events import (
    CreditPrequalified,
    MaxTenor,
    ParticipantOutcome,
    SessionCompleted,
)
from purna_shared.messaging.consumer import Retry

from ..adapters.orm import Participant
from ..adapters.repository import LoanRecord
from ..domain.application import ApplicationStatus
from ..domain.prequalification import (
    Assessment,
    ParticipantFacts,
    TrainingOutcome,
    prequalify,
)
from ..domain.rules import KurRules, ParticipantCategory
from ..domain.schedule import add_months
from .unit_of_work import CreditUnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class KurHistory:
    previous_loans: int = 0
    active: bool = False


def kur_history(loans: Iterable[LoanRecord], today: date) -> dict[str, KurHistory]:
    """What Purna knows of each participant's KUR loans: how many were disbursed, and whether
    one is still running (approved, or disbursed and not yet at maturity)."""
    counts: dict[str, int] = {}
    active: set[str] = set()
    for loan in loans:
        pid = loan.participant_id
        if loan.status == ApplicationStatus.DISBURSED:
            counts[pid] = counts.get(pid, 0) + 1
        if loan.status == ApplicationStatus.APPROVED or (
            loan.disbursed_on is not None
            and add_months(loan.disbursed_on, loan.tenor_months) > today
        ):
            active.add(pid)
    return {pid: KurHistory(counts.get(pid, 0), pid in active) for pid in set(counts) | active}


def _facts(participant: Participant, history: KurHistory) -> ParticipantFacts:
    return ParticipantFacts(
        category=ParticipantCategory(participant.category),
        birth_date=participant.birth_date,
        marital_status=participant.marital_status,
        consent=participant.consent,
        has_active_kur=history.active,
        previous_kur_loans=history.previous_loans,
    )


def _event(
    prequalification_id: str,
    participant_id: str,
    session_id: str,
    assessment: Assessment,
    rules: KurRules,
    assessed_at: datetime,
) -> CreditPrequalified:
    return CreditPrequalified(
        prequalification_id=prequalification_id,
        participant_id=participant_id,
        session_id=session_id,
        result=assessment.result.value,
        scheme=assessment.scheme.value,
        max_plafond=assessment.max_plafond,
        interest_rate=float(assessment.interest_rate),
        max_tenor_months=MaxTenor(
            working_capital=assessment.max_tenor.modal_kerja,
            investment=assessment.max_tenor.investasi,
        ),
        valid_until=assessment.valid_until,
        reasons=tuple(r.message for r in assessment.reasons),
        business_sector=rules.sector_labels[assessment.business_sector],
        rules_version=assessment.rules_version,
        assessed_at=assessed_at,
    )


async def assess_completed_session(
    uow: CreditUnitOfWork,
    event: SessionCompleted,
    rules: KurRules,
    *,
    after_each: Callable[[], Awaitable[None]] | None = None,
) -> int:
    """Assess the session's completers not assessed yet; returns how many were assessed."""
    completers = [o for o in event.outcomes if o.completed]
    if not completers:
        return 0
    ids = [o.participant_id for o in completers]
    participants = await _known_participants(uow, event.session_id, ids)
    already = await uow.repo.assessed_in_session(event.session_id, ids)
    history = kur_history(await uow.repo.loans_of(ids), uow.today)
    assessed = 0
    for outcome in completers:
        pid = outcome.participant_id
        if pid in already:
            continue
        already.add(pid)  # a participant listed twice is assessed once
        assessment = prequalify(
            _facts(participants[pid], history.get(pid, KurHistory())),
            _training(event, outcome),
            rules,
            uow.today,
        )
        if await _record(uow, event, outcome, assessment, rules):
            assessed += 1
        if after_each is not None:
            await after_each()
    return assessed


async def _known_participants(
    uow: CreditUnitOfWork, session_id: str, ids: list[str]
) -> dict[str, Participant]:
    """The completers' read-model rows; :class:`Retry` while any is not known here yet."""
    participants = await uow.repo.participants(ids)
    if missing := [
        pid for pid in ids if pid not in participants or not participants[pid].registered
    ]:
        # Registration's events may still be on their way: retry the whole event later.
        raise Retry(
            f"{len(missing)} of {len(ids)} completers of session {session_id} are not "
            f"registered here yet (first: {missing[0]})"
        )
    return participants


def _training(event: SessionCompleted, outcome: ParticipantOutcome) -> TrainingOutcome:
    return TrainingOutcome(
        programme_code=event.programme.code,
        programme_name=event.programme.name,
        programme_category=event.programme.category,
        certificate_no=outcome.certificate_no,
    )


async def _record(
    uow: CreditUnitOfWork,
    event: SessionCompleted,
    outcome: ParticipantOutcome,
    assessment: Assessment,
    rules: KurRules,
) -> bool:
    """Store the assessment and stage its CreditPrequalified; False when another envelope of
    the same session assessed the participant first."""
    pid = outcome.participant_id
    prequalification_id = new_event_id()
    inserted = await uow.repo.add_prequalification_once(
        dict(
            id=prequalification_id,
            participant_id=pid,
            session_id=event.session_id,
            result=assessment.result.value,
            scheme=assessment.scheme.value,
            max_plafond=assessment.max_plafond,
            interest_rate=assessment.interest_rate,
            max_tenor_modal_kerja=assessment.max_tenor.modal_kerja,
            max_tenor_investasi=assessment.max_tenor.investasi,
            loan_number=assessment.loan_number,
            business_sector=assessment.business_sector,
            age=assessment.age,
            reasons=[r.as_dict() for r in assessment.reasons],
            rules_version=assessment.rules_version,
            assessed_on=assessment.assessed_on,
            valid_until=assessment.valid_until,
            assessed_at=uow.now,
            office=event.office,
            regency_code=event.regency_code,
            programme_code=event.programme.code,
            programme_name=event.programme.name,
            certificate_no=outcome.certificate_no,
            source_event_id=uow.cause.causation_id,
        )
    )
    if not inserted:
        return False
    await uow.emit(_event(prequalification_id, pid, event.session_id, assessment, rules, uow.now))
    log.info(
        "participant pre-qualified",
        extra={
            "participant_id": pid,
            "session_id": event.session_id,
            "prequalification_id": prequalification_id,
            "result": assessment.result.value,
            "event_id": uow.cause.causation_id,
        },
    )
    return True
