"""The credit service's HTTP API: pre-qualifications, applications, allocations, reports.

Thin: parse, call the service layer in one transaction (idempotent for POSTs), map errors to
problem documents. ``python -m purna_credit.entrypoints.api`` serves it on port 8003.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, FastAPI, Path, Query, Request
from fastapi.responses import JSONResponse

from purna_shared.clock import Clock
from purna_shared.http.app import create_service_app, serve
from purna_shared.http.auth import (
    BANK_WIDE_ROLES,
    Principal,
    Role,
    require_read,
    require_roles,
)
from purna_shared.http.pagination import Limit, offset_query
from purna_shared.http.problems import ProblemError, problem_responses
from purna_shared.http.transaction import Transaction, idempotent_transaction, transaction

from .. import __version__
from ..adapters.orm import Application
from ..adapters.repository import ApplicationFilter, PrequalificationFilter
from ..adapters.rules_file import load_rules
from ..bootstrap import build_unit_of_work
from ..domain.allocation import AllocationExhaustedError
from ..domain.application import ApplicationInvalidError, ApplicationStatus
from ..domain.prequalification import Result
from ..domain.rules import KurRules
from ..service_layer import allocations, applications, prequalifications, reports
from ..service_layer.unit_of_work import CreditUnitOfWork
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


Rules = Annotated[KurRules, Depends(_rules)]
#: the transaction seam, typed with credit's unit of work
Tx = Annotated[Transaction[CreditUnitOfWork], Depends(transaction)]
IdempotentTx = Annotated[Transaction[CreditUnitOfWork], Depends(idempotent_transaction)]


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

    async def conflict(request: Request, exc: Exception) -> JSONResponse:
        return ProblemError(409, "Conflict", str(exc)).response(request)

    async def allocation_conflict(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, allocations.AllocationConflictError)
        return ProblemError(
            409,
            "Conflict",
            "The allocation would be below what is already reserved and committed.",
            errors=[{"field": f, "in": "body", "message": m} for f, m in exc.errors],
        ).response(request)

    app.add_exception_handler(ApplicationInvalidError, invalid)
    app.add_exception_handler(AllocationExhaustedError, conflict)
    app.add_exception_handler(allocations.AllocationConflictError, allocation_conflict)


# -- pre-qualifications ---------------------------------------------------------------------------

prequalification_router = APIRouter(prefix="/prequalifications", tags=["pre-qualifications"])


@prequalification_router.get("", summary="List KUR pre-qualifications")
async def list_prequalifications(
    principal: OfficerOrBankReads,
    tx: Tx,
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
    wanted = PrequalificationFilter(
        session_id=session_id, participant_id=participant_id, result=result, reviewed=reviewed
    )
    items, total = await tx.run(
        lambda uow: uow.repo.prequalifications(wanted, limit=limit, offset=offset)
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
    prequalification_id: ItemId, principal: OfficerOrBankReads, tx: Tx, rules: Rules
) -> PrequalificationOut:
    found = await tx.run(lambda uow: prequalifications.get(uow, prequalification_id))
    return PrequalificationOut.of(found, rules)


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
    tx: IdempotentTx,
    rules: Rules,
) -> JSONResponse:
    async def work(uow: CreditUnitOfWork) -> tuple[int, Any]:
        found = await prequalifications.review_prequalification(
            uow, prequalification_id, body.decision, body.note, reviewed_by=principal.subject
        )
        return 200, PrequalificationOut.of(found, rules)

    return await tx.respond(work)


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
    body: ApplicationIn, principal: OfficerOrBankWrites, tx: IdempotentTx, rules: Rules
) -> JSONResponse:
    scope = bank_scope(principal)

    async def work(uow: CreditUnitOfWork) -> tuple[int, Any]:
        application = await applications.submit(
            uow,
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
        )
        return 201, ApplicationOut.of(application)

    return await tx.respond(work)


@application_router.get("", summary="List applications (a bank sees only its own)")
async def list_applications(
    principal: OfficerOrBankReads,
    tx: Tx,
    limit: Limit = 50,
    offset: Offset = 0,
    status: ApplicationStatus | None = None,
    participant_id: IdQuery = None,
    prequalification_id: IdQuery = None,
    bank: Annotated[str | None, Query(pattern=BANK_PATTERN)] = None,
) -> ApplicationPage:
    wanted = ApplicationFilter(
        status=status,
        participant_id=participant_id,
        prequalification_id=prequalification_id,
        bank=bank,
    )
    scope = bank_scope(principal)
    items, total = await tx.run(
        lambda uow: uow.repo.applications(wanted, bank_scope=scope, limit=limit, offset=offset)
    )
    return ApplicationPage(
        items=[ApplicationOut.of(i) for i in items], total=total, limit=limit, offset=offset
    )


@application_router.get(
    "/{application_id}", summary="One application", responses=problem_responses(404)
)
async def get_application(
    application_id: ItemId, principal: OfficerOrBankReads, tx: Tx
) -> ApplicationOut:
    scope = bank_scope(principal)
    return ApplicationOut.of(await tx.run(lambda uow: applications.get(uow, application_id, scope)))


#: a schedule runs at most 60 months past its start: keep every due date computable
SCHEDULE_FROM, SCHEDULE_UNTIL = date(2000, 1, 1), date(2199, 12, 31)


@application_router.get(
    "/{application_id}/schedule",
    summary="Monthly annuity schedule at the effective rate",
    responses=problem_responses(404),
)
async def get_schedule(
    application_id: ItemId,
    principal: OfficerOrBankReads,
    tx: Tx,
    start_date: Annotated[
        date | None,
        Query(
            ge=SCHEDULE_FROM,
            le=SCHEDULE_UNTIL,
            description="first due date is one month after it; default: disbursement date, "
            f"else today (WITA). From {SCHEDULE_FROM} to {SCHEDULE_UNTIL}.",
        ),
    ] = None,
) -> ScheduleOut:
    scope = bank_scope(principal)

    async def work(uow: CreditUnitOfWork) -> tuple[Application, date]:
        return await applications.get(uow, application_id, scope), uow.today

    application, today = await tx.run(work)
    start = application.disbursed_on or start_date or today
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
    tx: IdempotentTx,
    rules: Rules,
) -> JSONResponse:
    scope = bank_scope(principal)

    async def work(uow: CreditUnitOfWork) -> tuple[int, Any]:
        application = await applications.decide(
            uow,
            application_id,
            applications.DecideApplication(
                decision=body.decision, amount=body.amount, reason=body.reason
            ),
            decided_by=principal.subject,
            bank_scope=scope,
            rules=rules,
        )
        return 200, ApplicationOut.of(application)

    return await tx.respond(work)


@application_router.post(
    "/{application_id}/disbursement",
    summary="The bank records that an approved loan was paid out",
    response_model=ApplicationOut,
    responses=problem_responses(404, 409),
)
async def disburse(
    application_id: ItemId,
    principal: OfficerOrBankWrites,
    tx: IdempotentTx,
    body: Annotated[DisbursementIn | None, Body()] = None,
) -> JSONResponse:
    scope = bank_scope(principal)

    async def work(uow: CreditUnitOfWork) -> tuple[int, Any]:
        application = await applications.disburse(
            uow, application_id, body.disbursed_on if body else None, bank_scope=scope
        )
        return 200, ApplicationOut.of(application)

    return await tx.respond(work)


# -- allocations ----------------------------------------------------------------------------------

allocation_router = APIRouter(prefix="/allocations", tags=["allocations"])
Year = Annotated[int, Path(ge=2000, le=2100)]


@allocation_router.put(
    "/{year}",
    summary="Set the year's KUR allocation (and optional province and bank sub-limits)",
    responses=problem_responses(409),
)
async def put_allocation(
    year: Year, body: AllocationIn, principal: AdminWrites, tx: Tx
) -> AllocationOut:
    command = allocations.SetAllocation(
        year=year, total=body.total, provinces=body.provinces, banks=body.banks
    )
    view = await tx.run(lambda uow: allocations.set_allocation(uow, command, by=principal.subject))
    return AllocationOut.of(view)


@allocation_router.get(
    "/{year}",
    summary="The year's allocation: total, reserved, committed, available",
    responses=problem_responses(404),
)
async def get_allocation(year: Year, principal: OfficerReads, tx: Tx) -> AllocationOut:
    return AllocationOut.of(await tx.run(lambda uow: allocations.get_allocation(uow, year)))


# -- reports --------------------------------------------------------------------------------------

report_router = APIRouter(prefix="/reports", tags=["reports"])


@report_router.get("/pipeline", summary="Counts and amounts per stage, by regency and programme")
async def pipeline(
    principal: OfficerReads,
    tx: Tx,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    regency_code: Annotated[str | None, Query(pattern=r"^[0-9]{4}$")] = None,
    programme_code: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
) -> PipelineOut:
    report = await tx.run(
        lambda uow: reports.pipeline(
            uow, year=year, regency_code=regency_code, programme_code=programme_code
        )
    )
    return PipelineOut.of(report)


# -- the app --------------------------------------------------------------------------------------


def create_app(settings: CreditSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or CreditSettings()
    app = create_service_app(
        settings,
        title="Purna credit API",
        version=__version__,
        description="KUR pre-qualification of training graduates, applications against the "
        "ministry's allocation, and bank decisions.",
        routers=[prequalification_router, application_router, allocation_router, report_router],
        unit_of_work=build_unit_of_work(clock),
    )
    app.state.rules = load_rules(settings.kur_rules_file)
    _install_error_mapping(app)
    return app


def main() -> None:
    settings = CreditSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
