"""Reading pre-qualifications, and a credit officer's review of a ``needs_review`` one."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..adapters.orm import Application, Prequalification
from ..domain.prequalification import (
    Result,
    ReviewDecision,
    ReviewNotAllowedError,
    review,
)
from .errors import ConflictError, NotFoundError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PrequalificationFilter:
    session_id: str | None = None
    participant_id: str | None = None
    result: Result | None = None
    reviewed: bool | None = None
    #: a bank user's bank: only participants who applied to that bank (None: every one)
    bank: str | None = None


def _applicants_of(bank: str) -> Any:
    """Participants with an application to ``bank``: all a bank may know of (its applicants)."""
    return Prequalification.participant_id.in_(
        select(Application.participant_id).where(Application.bank == bank)
    )


async def list_prequalifications(
    session: AsyncSession, filters: PrequalificationFilter, *, limit: int, offset: int
) -> tuple[list[Prequalification], int]:
    conditions = []
    if filters.bank is not None:
        conditions.append(_applicants_of(filters.bank))
    if filters.session_id is not None:
        conditions.append(Prequalification.session_id == filters.session_id)
    if filters.participant_id is not None:
        conditions.append(Prequalification.participant_id == filters.participant_id)
    if filters.result is not None:
        conditions.append(Prequalification.result == filters.result.value)
    if filters.reviewed is not None:
        conditions.append(
            Prequalification.review_decision.is_not(None)
            if filters.reviewed
            else Prequalification.review_decision.is_(None)
        )
    total = await session.scalar(
        select(func.count()).select_from(Prequalification).where(*conditions)
    )
    items = await session.scalars(
        select(Prequalification)
        .where(*conditions)
        .order_by(Prequalification.assessed_at, Prequalification.id)
        .limit(limit)
        .offset(offset)
    )
    return list(items), int(total or 0)


async def get(
    session: AsyncSession, prequalification_id: str, *, bank: str | None = None
) -> Prequalification:
    """One pre-qualification; for a bank (``bank``) only one of its applicants', else it
    answers as if it did not exist."""
    query = select(Prequalification).where(Prequalification.id == prequalification_id)
    if bank is not None:
        query = query.where(_applicants_of(bank))
    found = await session.scalar(query)
    if found is None:
        raise NotFoundError(f"no pre-qualification {prequalification_id}")
    return found


async def review_prequalification(
    session: AsyncSession,
    prequalification_id: str,
    decision: ReviewDecision,
    note: str,
    *,
    reviewed_by: str,
    now: datetime,
) -> Prequalification:
    """A credit officer decides on a ``needs_review`` assessment: the human decision UU PDP
    requires before anyone is turned away."""
    found = await session.get(Prequalification, prequalification_id, with_for_update=True)
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
    found.reviewed_at = now
    log.info(
        "pre-qualification reviewed",
        extra={
            "prequalification_id": found.id,
            "participant_id": found.participant_id,
            "decision": decision.value,
        },
    )
    return found
