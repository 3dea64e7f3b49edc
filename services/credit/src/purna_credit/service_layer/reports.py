"""The KUR pipeline: how many graduates and how much money at each stage, by regency and
training programme (the regency and programme of the training, kept from SessionCompleted)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..domain.application import ApplicationStatus
from .unit_of_work import CreditUnitOfWork

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
    uow: CreditUnitOfWork,
    *,
    year: int | None = None,
    regency_code: str | None = None,
    programme_code: str | None = None,
) -> Pipeline:
    counts = await uow.repo.pipeline_counts(
        year=year, regency_code=regency_code, programme_code=programme_code
    )
    rows = [PipelineRow(*row) for row in counts]
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
