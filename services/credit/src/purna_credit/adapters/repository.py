"""Credit's tables as the service layer sees them: every query of the service lives here.

One repository per unit of work (``uow.repo``), bound to its session. Methods name what they
fetch or change; the rules that decide what to change stay in ``domain/`` and the order of the
steps in ``service_layer/``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from ..domain.allocation import PoolScope
from ..domain.application import ACTIVE_STATUSES, ApplicationStatus
from ..domain.prequalification import Result, ReviewDecision
from .orm import AllocationPool, Application, Participant, Prequalification
from .sql import upsert_insert


@dataclass(frozen=True, slots=True)
class ApplicationFilter:
    status: ApplicationStatus | None = None
    participant_id: str | None = None
    prequalification_id: str | None = None
    bank: str | None = None


@dataclass(frozen=True, slots=True)
class PrequalificationFilter:
    session_id: str | None = None
    participant_id: str | None = None
    result: Result | None = None
    reviewed: bool | None = None


@dataclass(frozen=True, slots=True)
class LoanRecord:
    """One approved or disbursed KUR loan of a participant, as far as history needs it."""

    participant_id: str
    status: str
    disbursed_on: date | None
    tenor_months: int


S = TypeVar("S", bound=Select[Any])


def _locked(statement: S) -> S:
    # populate_existing: a row already in the session is refreshed from the locked read
    return statement.with_for_update().execution_options(populate_existing=True)


class CreditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- participants (the read model kept from registration's events) ------------------------

    async def participant(self, participant_id: str, *, lock: bool = False) -> Participant | None:
        return await self.session.get(Participant, participant_id, with_for_update=lock)

    async def participants(self, participant_ids: Sequence[str]) -> dict[str, Participant]:
        found = await self.session.scalars(
            select(Participant).where(Participant.participant_id.in_(participant_ids))
        )
        return {p.participant_id: p for p in found}

    async def add_participant(self, participant: Participant) -> None:
        self.session.add(participant)
        await self.session.flush()

    # -- pre-qualifications -------------------------------------------------------------------

    async def prequalification(
        self, prequalification_id: str, *, lock: bool = False
    ) -> Prequalification | None:
        return await self.session.get(Prequalification, prequalification_id, with_for_update=lock)

    async def assessed_in_session(
        self, session_id: str, participant_ids: Sequence[str]
    ) -> set[str]:
        """Who of ``participant_ids`` already has an assessment for ``session_id``."""
        return set(
            await self.session.scalars(
                select(Prequalification.participant_id).where(
                    Prequalification.session_id == session_id,
                    Prequalification.participant_id.in_(participant_ids),
                )
            )
        )

    async def add_prequalification_once(self, values: dict[str, Any]) -> bool:
        """Insert unless the participant already has one for that session (assessed
        concurrently under another envelope); True when inserted."""
        inserted = await self.session.execute(
            upsert_insert(self.session, Prequalification)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["participant_id", "session_id"])
            .returning(Prequalification.id)
        )
        return inserted.scalar_one_or_none() is not None

    async def prequalifications(
        self, filters: PrequalificationFilter, *, limit: int, offset: int
    ) -> tuple[list[Prequalification], int]:
        conditions = []
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
        return await self._page(
            Prequalification,
            conditions,
            (Prequalification.assessed_at, Prequalification.id),
            limit=limit,
            offset=offset,
        )

    # -- applications -------------------------------------------------------------------------

    async def loans_of(self, participant_ids: Iterable[str]) -> list[LoanRecord]:
        """The participants' approved and disbursed KUR loans."""
        rows = await self.session.execute(
            select(
                Application.participant_id,
                Application.status,
                Application.disbursed_on,
                Application.tenor_months,
            ).where(
                Application.participant_id.in_(list(participant_ids)),
                Application.status.in_([ApplicationStatus.APPROVED, ApplicationStatus.DISBURSED]),
            )
        )
        return [LoanRecord(*row) for row in rows]

    async def application(self, application_id: str, *, lock: bool = False) -> Application | None:
        return await self.session.get(
            Application, application_id, with_for_update=lock, populate_existing=lock
        )

    async def active_application_of(self, prequalification_id: str) -> str | None:
        """The id of the pre-qualification's application still in progress, if any."""
        return await self.session.scalar(
            select(Application.id).where(
                Application.prequalification_id == prequalification_id,
                Application.status.in_(ACTIVE_STATUSES),
            )
        )

    async def add_application(self, application: Application) -> None:
        self.session.add(application)
        await self.session.flush()

    async def applications(
        self, filters: ApplicationFilter, *, bank_scope: str | None, limit: int, offset: int
    ) -> tuple[list[Application], int]:
        conditions = []
        # banks are stored upper-case (see submit), so these comparisons can use the index
        if bank_scope is not None:
            conditions.append(Application.bank == bank_scope.strip().upper())
        if filters.bank is not None:
            conditions.append(Application.bank == filters.bank.strip().upper())
        if filters.status is not None:
            conditions.append(Application.status == filters.status.value)
        if filters.participant_id is not None:
            conditions.append(Application.participant_id == filters.participant_id)
        if filters.prequalification_id is not None:
            conditions.append(Application.prequalification_id == filters.prequalification_id)
        return await self._page(
            Application,
            conditions,
            (Application.submitted_at, Application.id),
            limit=limit,
            offset=offset,
        )

    async def lapsed_applications(self, today: date, *, limit: int) -> list[Application]:
        """Undecided applications whose pre-qualification lapsed before ``today``, locked,
        skipping rows another worker holds."""
        return list(
            await self.session.scalars(
                select(Application)
                .where(
                    Application.status.in_(
                        [ApplicationStatus.RESERVED, ApplicationStatus.WAITLISTED]
                    ),
                    Application.valid_until < today,
                )
                .order_by(Application.submitted_at, Application.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
                .execution_options(populate_existing=True)
            )
        )

    async def waitlisted_ids(self, today: date, *, limit: int) -> list[str]:
        """Waitlisted applications still valid and of this year's allocation, oldest first."""
        return list(
            await self.session.scalars(
                select(Application.id)
                .where(
                    Application.status == ApplicationStatus.WAITLISTED,
                    Application.valid_until >= today,
                    Application.allocation_year == today.year,
                )
                .order_by(Application.submitted_at, Application.id)
                .limit(limit)
            )
        )

    async def waitlisted_locked(self, application_id: str) -> Application | None:
        """The application if it is still waitlisted and no other worker holds it."""
        return await self.session.scalar(
            select(Application)
            .where(
                Application.id == application_id,
                Application.status == ApplicationStatus.WAITLISTED,
            )
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )

    # -- allocation pools ---------------------------------------------------------------------

    async def lock_total_pool(self, year: int) -> AllocationPool | None:
        return await self.session.scalar(
            _locked(
                select(AllocationPool).where(
                    AllocationPool.year == year, AllocationPool.scope == PoolScope.TOTAL
                )
            )
        )

    async def lock_pools(self, year: int, province_code: str, bank: str) -> list[AllocationPool]:
        """The province's and the bank's sub-limit pools of ``year``, locked (lock the total
        first: this separate statement then sees sub-limits added meanwhile)."""
        subs = await self.session.scalars(
            _locked(
                select(AllocationPool)
                .where(
                    AllocationPool.year == year,
                    or_(
                        and_(
                            AllocationPool.scope == PoolScope.PROVINCE,
                            AllocationPool.key == province_code,
                        ),
                        and_(AllocationPool.scope == PoolScope.BANK, AllocationPool.key == bank),
                    ),
                )
                .order_by(AllocationPool.id)
            )
        )
        return list(subs)

    async def lock_sub_pools(self, year: int) -> list[AllocationPool]:
        return list(
            await self.session.scalars(
                _locked(
                    select(AllocationPool).where(
                        AllocationPool.year == year, AllocationPool.scope != PoolScope.TOTAL
                    )
                )
            )
        )

    async def pools(self, year: int) -> list[AllocationPool]:
        return list(
            await self.session.scalars(select(AllocationPool).where(AllocationPool.year == year))
        )

    async def add_total_pool_once(self, values: dict[str, Any]) -> None:
        await self.session.execute(
            upsert_insert(self.session, AllocationPool)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["year", "scope", "key"])
        )

    async def usage(
        self, year: int, group_by: InstrumentedAttribute[str] | None
    ) -> dict[str, tuple[int, int]]:
        """key -> (reserved, committed), summed from the applications themselves."""
        reserved = func.coalesce(func.sum(Application.reserved_amount), 0)
        committed = func.coalesce(func.sum(Application.committed_amount), 0)
        if group_by is None:
            row = (
                await self.session.execute(
                    select(reserved, committed).where(Application.allocation_year == year)
                )
            ).one()
            return {"": (int(row[0]), int(row[1]))}
        rows = await self.session.execute(
            select(group_by, reserved, committed)
            .where(Application.allocation_year == year)
            .group_by(group_by)
        )
        return {str(row[0]): (int(row[1]), int(row[2])) for row in rows}

    async def flush(self) -> None:
        await self.session.flush()

    async def delete(self, row: object) -> None:
        await self.session.delete(row)

    def add(self, row: object) -> None:
        self.session.add(row)

    # -- reports --------------------------------------------------------------------------------

    async def pipeline_counts(
        self, *, year: int | None, regency_code: str | None, programme_code: str | None
    ) -> list[tuple[str, str, str, int, int]]:
        """(regency, programme, stage, count, amount) of pre-qualifications by their stage and
        of applications by their status."""
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

        pq_rows = await self.session.execute(
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
        app_rows = await self.session.execute(
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
        return [
            (regency, programme, stage, int(count), int(amount))
            for regency, programme, stage, count, amount in [*pq_rows, *app_rows]
        ]

    # -- shared -------------------------------------------------------------------------------

    async def _page(
        self, entity: Any, conditions: list[Any], order: tuple[Any, ...], *, limit: int, offset: int
    ) -> tuple[list[Any], int]:
        total = await self.session.scalar(
            select(func.count()).select_from(entity).where(*conditions)
        )
        items = await self.session.scalars(
            select(entity).where(*conditions).order_by(*order).limit(limit).offset(offset)
        )
        return list(items), int(total or 0)
