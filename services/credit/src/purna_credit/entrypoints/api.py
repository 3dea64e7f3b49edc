"""The credit service's HTTP API: pre-qualifications, applications, allocations, reports.

Thin: parse, call the service layer in one transaction (idempotent for POSTs), map errors to
problem documents. ``python -m purna_credit.entrypoints.api`` serves it on port 8003.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, FastAPI, Path, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from purna_shared.http.app import create_service_app, serve
from purna_shared.http.auth import (
    BANK_WIDE_ROLES,
    Principal,
    Role,
    require_read,
    require_roles,
)
from purna_shared.http.idempotency import Idempotent
from purna_shared.http.pagination import Limit, offset_query
from purna_shared.http.problems import ProblemError, problem_responses

from .. import __version__
from ..adapters.rules_file import load_rules
from ..domain.allocation import AllocationExhaustedError
from ..domain.application import ApplicationInvalidError, ApplicationStatus
from ..domain.calendar import office_date
from ..domain.prequalification import Result
from ..domain.rules import KurRules
from ..service_layer import allocations, applications, prequalifications, reports
from ..service_layer.errors import ConflictError, ForbiddenError, NotFoundError
from ..settings import CreditSettings
from .schemas import (
    BANK_PATTERN,
    ID_PATTERN,
    AllocationIn,
    AllocationOut,
    ApplicationIn,
    ApplicationOut,
    ApplicationPage,
    DecisionIn,
    DisbursementIn,
    InstallmentOut,
    PipelineOut,
    PrequalificationOut,
    PrequalificationPage,
    ReviewIn,
    ScheduleOut,
)

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


# -- dependencies ---------------------------------------------------------------------------------

OfficerOrBankReads = Annotated[Principal, Depends(require_read(Role.CREDIT_OFFICER, Role.BANK))]
OfficerReads = Annotated[Principal, Depends(require_read(Role.CREDIT_OFFICER))]
OfficerWrites = Annotated[Principal, Depends(require_roles(Role.CREDIT_OFFICER))]
OfficerOrBankWrites = Annotated[Principal, Depends(require_roles(Role.CREDIT_OFFICER, Role.BANK))]
AdminWrites = Annotated[Principal, Depends(require_roles())]

Offset = Annotated[int, offset_query(maximum=1_000_000_000)]
ItemId = Annotated[str, Path(pattern=ID_PATTERN)]
IdQuery = Annotated[str | None, Query(pattern=ID_PATTERN)]


def _rules(request: Request) -> KurRules:
    rules: KurRules = request.app.state.rules
    return rules


def _clock(request: Request) -> datetime:
    clock: Clock = request.app.state.clock
    return clock()


def _sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    return maker


Rules = Annotated[KurRules, Depends(_rules)]
Now = Annotated[datetime, Depends(_clock)]
Sessions = Annotated[async_sessionmaker[AsyncSession], Depends(_sessionmaker)]


def bank_scope(principal: Principal) -> str | None:
    """The bank a principal is limited to: None for roles that see every bank."""
    if principal.has(*BANK_WIDE_ROLES):
        return None
    if principal.has(Role.BANK) and principal.bank:
        return principal.bank
    raise ProblemError(403, "Forbidden", "Your token carries no bank to limit this to.")


# -- error mapping --------------------------------------------------------------------------------


def _install_error_mapping(app: FastAPI) -> None:
    async def invalid(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApplicationInvalidError)
        errors = [{"field": e.field, "in": "body", "message": e.message} for e in exc.errors]
        return ProblemError(
            422,
            "Unprocessable Content",
            f"{len(errors)} invalid field{'s' if len(errors) != 1 else ''}: "
            + ", ".join(dict.fromkeys(e["field"] for e in errors)),
            errors=errors,
        ).response(request)

    async def not_found(request: Request, exc: Exception) -> JSONResponse:
        return ProblemError(404, "Not Found", str(exc)).response(request)

    async def conflict(request: Request, exc: Exception) -> JSONResponse:
        return ProblemError(409, "Conflict", str(exc)).response(request)

    async def forbidden(request: Request, exc: Exception) -> JSONResponse:
        return ProblemError(403, "Forbidden", str(exc)).response(request)

    async def allocation_conflict(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, allocations.AllocationConflictError)
        return ProblemError(
            409,
            "Conflict",
            "The allocation would be below what is already reserved and committed.",
            errors=[{"field": f, "in": "body", "message": m} for f, m in exc.errors],
        ).response(request)

    app.add_exception_handler(ApplicationInvalidError, invalid)
    app.add_exception_handler(NotFoundError, not_found)
    app.add_exception_handler(ConflictError, conflict)
    app.add_exception_handler(AllocationExhaustedError, conflict)
    app.add_exception_handler(ForbiddenError, forbidden)
    app.add_exception_handler(allocations.AllocationConflictError, allocation_conflict)


# -- pre-qualifications ---------------------------------------------------------------------------

prequalification_router = APIRouter(prefix="/prequalifications", tags=["pre-qualifications"])


@prequalification_router.get("", summary="List KUR pre-qualifications")
async def list_prequalifications(
    principal: OfficerOrBankReads,
    sessions: Sessions,
    rules: Rules,
    limit: Limit = 50,
    offset: Offset = 0,
    session_id: IdQuery = None,
    participant_id: IdQuery = None,
    result: Result | None = None,
    reviewed: Annotated[
        bool | None, Query(description="filter on a credit officer's review")
    ] = None,
) -> PrequalificationPage:
    async with sessions() as session:
        items, total = await prequalifications.list_prequalifications(
            session,
            prequalifications.PrequalificationFilter(
                session_id=session_id,
                participant_id=participant_id,
                result=result,
                reviewed=reviewed,
            ),
            limit=limit,
            offset=offset,
        )
    return PrequalificationPage(
        items=[PrequalificationOut.of(i, rules) for i in items],
        total=total,
        limit=limit,
        offset=offset,
    )


@prequalification_router.get(
    "/{prequalification_id}", summary="One pre-qualification", responses=problem_responses(404)
)
async def get_prequalification(
    prequalification_id: ItemId, principal: OfficerOrBankReads, sessions: Sessions, rules: Rules
) -> PrequalificationOut:
    async with sessions() as session:
        return PrequalificationOut.of(
            await prequalifications.get(session, prequalification_id), rules
        )


@prequalification_router.post(
    "/{prequalification_id}/review",
    summary="A credit officer decides on a needs_review pre-qualification",
    response_model=PrequalificationOut,
    responses=problem_responses(404, 409),
)
async def review_prequalification(
    prequalification_id: ItemId,
    body: ReviewIn,
    principal: OfficerWrites,
    idem: Idempotent,
    rules: Rules,
    now: Now,
) -> JSONResponse:
    async def work(session: AsyncSession) -> tuple[int, Any]:
        found = await prequalifications.review_prequalification(
            session,
            prequalification_id,
            body.decision,
            body.note,
            reviewed_by=principal.subject,
            now=now,
        )
        return 200, PrequalificationOut.of(found, rules)

    return await idem.run(work)


# -- applications ---------------------------------------------------------------------------------

application_router = APIRouter(prefix="/applications", tags=["applications"])


@application_router.post(
    "",
    status_code=201,
    summary="Submit a KUR application: reserves quota, or waitlists when it is exhausted",
    response_model=ApplicationOut,
    responses=problem_responses(404, 409),
)
async def submit_application(
    body: ApplicationIn, principal: OfficerOrBankWrites, idem: Idempotent, rules: Rules, now: Now
) -> JSONResponse:
    scope = bank_scope(principal)

    async def work(session: AsyncSession) -> tuple[int, Any]:
        application = await applications.submit(
            session,
            applications.SubmitApplication(
                participant_id=body.participant_id,
                prequalification_id=body.prequalification_id,
                amount=body.amount,
                tenor_months=body.tenor_months,
                purpose=body.purpose,
                bank=body.bank,
                business_description=body.business_description,
            ),
            submitted_by=principal.subject,
            bank_scope=scope,
            rules=rules,
            now=now,
        )
        return 201, ApplicationOut.of(application)

    return await idem.run(work)


@application_router.get("", summary="List applications (a bank sees only its own)")
async def list_applications(
    principal: OfficerOrBankReads,
    sessions: Sessions,
    limit: Limit = 50,
    offset: Offset = 0,
    status: ApplicationStatus | None = None,
    participant_id: IdQuery = None,
    prequalification_id: IdQuery = None,
    bank: Annotated[str | None, Query(pattern=BANK_PATTERN)] = None,
) -> ApplicationPage:
    async with sessions() as session:
        items, total = await applications.list_applications(
            session,
            applications.ApplicationFilter(
                status=status,
                participant_id=participant_id,
                prequalification_id=prequalification_id,
                bank=bank,
            ),
            bank_scope=bank_scope(principal),
            limit=limit,
            offset=offset,
        )
    return ApplicationPage(
        items=[ApplicationOut.of(i) for i in items], total=total, limit=limit, offset=offset
    )


@application_router.get(
    "/{application_id}", summary="One application", responses=problem_responses(404)
)
async def get_application(
    application_id: ItemId, principal: OfficerOrBankReads, sessions: Sessions
) -> ApplicationOut:
    async with sessions() as session:
        return ApplicationOut.of(
            await applications.get(session, application_id, bank_scope(principal))
        )


@application_router.get(
    "/{application_id}/schedule",
    summary="Monthly annuity schedule at the effective rate",
    responses=problem_responses(404),
)
async def get_schedule(
    application_id: ItemId,
    principal: OfficerOrBankReads,
    sessions: Sessions,
    now: Now,
    start_date: Annotated[
        date | None,
        Query(
            description="first due date is one month after it; default: disbursement date, "
            "else today in the zone of the office that assessed it"
        ),
    ] = None,
) -> ScheduleOut:
    async with sessions() as session:
        application = await applications.get(session, application_id, bank_scope(principal))
        office = await applications.office_of(session, application)
    start = application.disbursed_on or start_date or office_date(now, office)
    installments = applications.schedule(application, start)
    return ScheduleOut(
        application_id=application.id,
        amount=application.approved_amount or application.amount,
        interest_rate=float(application.interest_rate),
        tenor_months=application.tenor_months,
        start_date=start,
        monthly_payment=installments[0].payment,
        total_interest=sum(i.interest for i in installments),
        total_payment=sum(i.payment for i in installments),
        installments=[InstallmentOut.of(i) for i in installments],
    )


@application_router.post(
    "/{application_id}/decision",
    summary="The bank approves (final amount) or rejects (reason) its application",
    response_model=ApplicationOut,
    responses=problem_responses(404, 409),
)
async def decide(
    application_id: ItemId,
    body: DecisionIn,
    principal: OfficerOrBankWrites,
    idem: Idempotent,
    rules: Rules,
    now: Now,
) -> JSONResponse:
    scope = bank_scope(principal)

    async def work(session: AsyncSession) -> tuple[int, Any]:
        application = await applications.decide(
            session,
            application_id,
            applications.DecideApplication(
                decision=body.decision, amount=body.amount, reason=body.reason
            ),
            decided_by=principal.subject,
            bank_scope=scope,
            rules=rules,
            now=now,
        )
        return 200, ApplicationOut.of(application)

    return await idem.run(work)


@application_router.post(
    "/{application_id}/disbursement",
    summary="The bank records that an approved loan was paid out",
    response_model=ApplicationOut,
    responses=problem_responses(404, 409),
)
async def disburse(
    application_id: ItemId,
    principal: OfficerOrBankWrites,
    idem: Idempotent,
    now: Now,
    body: Annotated[DisbursementIn | None, Body()] = None,
) -> JSONResponse:
    scope = bank_scope(principal)

    async def work(session: AsyncSession) -> tuple[int, Any]:
        application = await applications.disburse(
            session,
            application_id,
            body.disbursed_on if body else None,
            bank_scope=scope,
            now=now,
        )
        return 200, ApplicationOut.of(application)

    return await idem.run(work)


# -- allocations ----------------------------------------------------------------------------------

allocation_router = APIRouter(prefix="/allocations", tags=["allocations"])
Year = Annotated[int, Path(ge=2000, le=2100)]


@allocation_router.put(
    "/{year}",
    summary="Set the year's KUR allocation (and optional province and bank sub-limits)",
    responses=problem_responses(409),
)
async def put_allocation(
    year: Year, body: AllocationIn, principal: AdminWrites, sessions: Sessions, now: Now
) -> AllocationOut:
    async with sessions() as session, session.begin():
        view = await allocations.set_allocation(
            session,
            allocations.SetAllocation(
                year=year, total=body.total, provinces=body.provinces, banks=body.banks
            ),
            by=principal.subject,
            now=now,
        )
    return AllocationOut.of(view)


@allocation_router.get(
    "/{year}",
    summary="The year's allocation: total, reserved, committed, available",
    responses=problem_responses(404),
)
async def get_allocation(year: Year, principal: OfficerReads, sessions: Sessions) -> AllocationOut:
    async with sessions() as session:
        return AllocationOut.of(await allocations.get_allocation(session, year))


# -- reports --------------------------------------------------------------------------------------

report_router = APIRouter(prefix="/reports", tags=["reports"])


@report_router.get("/pipeline", summary="Counts and amounts per stage, by regency and programme")
async def pipeline(
    principal: OfficerReads,
    sessions: Sessions,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    regency_code: Annotated[str | None, Query(pattern=r"^[0-9]{4}$")] = None,
    programme_code: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
) -> PipelineOut:
    async with sessions() as session:
        report = await reports.pipeline(
            session, year=year, regency_code=regency_code, programme_code=programme_code
        )
    return PipelineOut.of(report)


# -- the app --------------------------------------------------------------------------------------


def create_app(settings: CreditSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or CreditSettings()
    app = create_service_app(
        settings,
        title="Purna credit",
        version=__version__,
        description="KUR pre-qualification of training graduates, applications against the "
        "ministry's allocation, and bank decisions.",
        routers=[prequalification_router, application_router, allocation_router, report_router],
    )
    app.state.rules = load_rules(settings.kur_rules_file)
    app.state.clock = clock or _utc_now
    _install_error_mapping(app)
    return app


def main() -> None:
    settings = CreditSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
