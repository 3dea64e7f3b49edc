"""The KUR pipeline: how many graduates and how much money at each stage, by regency and
training programme (the regency and programme of the training, kept from SessionCompleted)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..adapters.orm import Application, Prequalification
from ..domain.application import ApplicationStatus
from ..domain.prequalification import Result, ReviewDecision

#: pipeline order. Pre-qualification stages count assessments and sum their maximum plafond
#: (the potential); application stages count applications and sum the amount applied for, or
#: the approved amount once approved.
STAGES: tuple[str, ...] = (
    "prequalified",
    "needs_review",
    "review_declined",
    ApplicationStatus.WAITLISTED.value,
    ApplicationStatus.RESERVED.value,
    ApplicationStatus.APPROVED.value,
    ApplicationStatus.DISBURSED.value,
    ApplicationStatus.REJECTED.value,
    ApplicationStatus.EXPIRED.value,
)


@dataclass(frozen=True, slots=True)
class PipelineRow:
    regency_code: str
    programme_code: str
    stage: str
    count: int
    amount: int


@dataclass(frozen=True, slots=True)
class StageTotal:
    stage: str
    count: int
    amount: int


@dataclass(frozen=True, slots=True)
class Pipeline:
    year: int | None
    stages: list[StageTotal]
    rows: list[PipelineRow]


async def pipeline(
    session: AsyncSession,
    *,
    year: int | None = None,
    regency_code: str | None = None,
    programme_code: str | None = None,
) -> Pipeline:
    pq_stage = case(
        (Prequalification.review_decision == ReviewDecision.PREQUALIFIED.value, "prequalified"),
        (Prequalification.review_decision == ReviewDecision.DECLINED.value, "review_declined"),
        (Prequalification.result == Result.PREQUALIFIED.value, "prequalified"),
        else_="needs_review",
    )
    pq_conditions: list[Any] = []
    app_conditions: list[Any] = []
    if year is not None:
        pq_conditions.append(
            Prequalification.assessed_on.between(date(year, 1, 1), date(year, 12, 31))
        )
        app_conditions.append(Application.allocation_year == year)
    if regency_code is not None:
        pq_conditions.append(Prequalification.regency_code == regency_code)
        app_conditions.append(Application.regency_code == regency_code)
    if programme_code is not None:
        pq_conditions.append(Prequalification.programme_code == programme_code)
        app_conditions.append(Application.programme_code == programme_code)

    pq_rows = await session.execute(
        select(
            Prequalification.regency_code,
            Prequalification.programme_code,
            pq_stage,
            func.count(),
            func.coalesce(func.sum(Prequalification.max_plafond), 0),
        )
        .where(*pq_conditions)
        .group_by(Prequalification.regency_code, Prequalification.programme_code, pq_stage)
    )
    app_amount = case(
        (
            Application.status.in_(
                [ApplicationStatus.APPROVED.value, ApplicationStatus.DISBURSED.value]
            ),
            Application.approved_amount,
        ),
        else_=Application.amount,
    )
    app_rows = await session.execute(
        select(
            Application.regency_code,
            Application.programme_code,
            Application.status,
            func.count(),
            func.coalesce(func.sum(app_amount), 0),
        )
        .where(*app_conditions)
        .group_by(Application.regency_code, Application.programme_code, Application.status)
    )
    rows = [
        PipelineRow(regency, programme, stage, int(count), int(amount))
        for regency, programme, stage, count, amount in [*pq_rows, *app_rows]
    ]
    order = {stage: i for i, stage in enumerate(STAGES)}
    rows.sort(key=lambda r: (r.regency_code, r.programme_code, order.get(r.stage, len(order))))
    return Pipeline(year=year, stages=_totals(rows), rows=rows)


def _totals(rows: Sequence[PipelineRow]) -> list[StageTotal]:
    counts = dict.fromkeys(STAGES, 0)
    amounts = dict.fromkeys(STAGES, 0)
    for row in rows:
        counts[row.stage] = counts.get(row.stage, 0) + row.count
        amounts[row.stage] = amounts.get(row.stage, 0) + row.amount
    return [StageTotal(stage, counts[stage], amounts[stage]) for stage in counts]
