"""Reading pre-qualifications, and a credit officer's review of a ``needs_review`` one."""

from __future__ import annotations

import logging

from ..adapters.orm import Prequalification
from ..domain.prequalification import (
    Result,
    ReviewDecision,
    ReviewNotAllowedError,
    review,
)
from .errors import ConflictError, NotFoundError
from .unit_of_work import CreditUnitOfWork

log = logging.getLogger(__name__)


async def get(uow: CreditUnitOfWork, prequalification_id: str) -> Prequalification:
    found = await uow.repo.prequalification(prequalification_id)
    if found is None:
        raise NotFoundError(f"no pre-qualification {prequalification_id}")
    return found


async def review_prequalification(
    uow: CreditUnitOfWork,
    prequalification_id: str,
    decision: ReviewDecision,
    note: str,
    *,
    reviewed_by: str,
) -> Prequalification:
    """A credit officer decides on a ``needs_review`` assessment: the human decision UU PDP
    requires before anyone is turned away."""
    found = await uow.repo.prequalification(prequalification_id, lock=True)
    if found is None:
        raise NotFoundError(f"no pre-qualification {prequalification_id}")
    try:
        review(
            Result(found.result),
            ReviewDecision(found.review_decision) if found.review_decision else None,
        )
    except ReviewNotAllowedError as exc:
        raise ConflictError(str(exc)) from exc
    found.review_decision = decision.value
    found.review_note = note
    found.reviewed_by = reviewed_by
    found.reviewed_at = uow.now
    log.info(
        "pre-qualification reviewed",
        extra={
            "prequalification_id": found.id,
            "participant_id": found.participant_id,
            "decision": decision.value,
        },
    )
    return found
