"""HTTP for field intake: the XLSForm to deploy, KoboToolbox REST Services pushes, ODK Central
pulls, and the report of submissions that were not registered.

A Kobo push carries no user token: KoboToolbox sends the form's own secret in the
``X-Purna-Intake-Secret`` header (set in the form's REST Service), compared in constant time.
"""

from __future__ import annotations

import asyncio
import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from purna_shared.http.auth import Principal, Role, office_scope, require_read, require_roles
from purna_shared.http.pagination import Limit, Offset, Page
from purna_shared.http.problems import ProblemError, problem_responses
from purna_shared.http.transaction import Transaction, transaction

from ..adapters.odk_central import OdkCentral, SubmissionSource
from ..adapters.spreadsheet import XLSX_MEDIA_TYPE
from ..adapters.xlsform import build_xlsx
from ..domain.field_intake import FORM_ID, SubmissionError, kobo_submission, odk_submission
from ..service_layer import field_intake
from ..service_layer.field_intake import IntakeForm, IntakeOutcome
from ..service_layer.unit_of_work import RegistrationUnitOfWork
from ..settings import IntakeFormSettings, RegistrationSettings

router = APIRouter(tags=["field intake"])

Tx = Annotated[Transaction[RegistrationUnitOfWork], Depends(transaction)]
Writer = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]
Reader = Annotated[Principal, Depends(require_read(Role.OPERATOR))]
FormId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,64}$", description="the form's id")]
SECRET_HEADER = "X-Purna-Intake-Secret"


class IntakeResult(BaseModel):
    submission_id: str
    status: str = Field(description="registered, duplicate or rejected")
    participant_id: str | None
    enumerator: str | None
    errors: list[dict[str, str]] = Field(description="[{field, message}] when not registered")
    repeated: bool = Field(description="this submission had been received before")

    @classmethod
    def of(cls, outcome: IntakeOutcome) -> IntakeResult:
        return cls(
            submission_id=outcome.submission_id,
            status=outcome.status,
            participant_id=outcome.participant_id,
            enumerator=outcome.enumerator,
            errors=outcome.errors,
            repeated=outcome.repeated,
        )


class PullResult(BaseModel):
    received: int
    registered: int
    duplicate: int
    rejected: int
    repeated: int = Field(description="taken before (by an earlier pull); unchanged")
    unreadable: list[dict[str, str]] = Field(description="rows without a submission id")


class ReportEntry(BaseModel):
    submission_id: str
    enumerator: str | None
    status: str
    errors: list[dict[str, str]]


def _settings(request: Request) -> RegistrationSettings:
    settings: RegistrationSettings = request.app.state.settings
    return settings


def _form(request: Request, form_id: str) -> IntakeFormSettings:
    form = _settings(request).intake_forms.get(form_id)
    if form is None:
        raise ProblemError(404, "Not Found", f"No field form {form_id!r} is configured here.")
    return form


def _vault(request: Request) -> Any:
    return request.app.state.nik_vault


@router.get(
    "/intake/xlsform",
    summary="The registration XLSForm (with consent) for ODK Collect and KoboToolbox",
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA_TYPE: {}}}},
)
async def get_xlsform(_: Reader) -> Response:
    xlsx = await asyncio.to_thread(build_xlsx)
    return Response(
        xlsx,
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{FORM_ID}.xlsx"'},
    )


def _answer(outcome: IntakeOutcome) -> JSONResponse:
    body = IntakeResult.of(outcome).model_dump(mode="json")
    if outcome.status == "registered":
        return JSONResponse(body, status_code=200 if outcome.repeated else 201)
    if outcome.status == "duplicate":
        return JSONResponse(
            {
                "type": "about:blank",
                "title": "Already registered",
                "status": 409,
                "detail": "The NIK is already registered; the submission is in the intake report.",
                **{k: v for k, v in body.items() if k != "participant_id"},
            },
            status_code=409,
            media_type="application/problem+json",
        )
    fields = ", ".join(e["field"] for e in outcome.errors)
    return JSONResponse(
        {
            "type": "about:blank",
            "title": "Unprocessable Content",
            "status": 422,
            "detail": f"{len(outcome.errors)} invalid answer(s): {fields}",
            **body,
        },
        status_code=422,
        media_type="application/problem+json",
    )


@router.post(
    "/intake/kobo/{form_id}",
    summary="KoboToolbox REST Services push of one submission (JSON); taken once by its id",
    responses=problem_responses(401, 404, 409, 422),
)
async def kobo_push(
    form_id: FormId,
    request: Request,
    tx: Tx,
    payload: Annotated[Any, Body(description="the submission as KoboToolbox sends it")],
    secret: Annotated[str | None, Header(alias=SECRET_HEADER)] = None,
) -> JSONResponse:
    form = _form(request, form_id)
    expected = form.secret.get_secret_value() if form.secret else None
    if expected is None or not hmac.compare_digest((secret or "").encode(), expected.encode()):
        raise ProblemError(401, "Unauthorized", f"Missing or wrong {SECRET_HEADER} for this form.")
    try:
        submission = kobo_submission(payload)
    except SubmissionError as exc:
        raise ProblemError(
            422,
            "Unprocessable Content",
            str(exc),
            errors=[{"field": "submission", "in": "body", "message": str(exc)}],
        ) from exc
    target = IntakeForm(form_id, form.office, form.campaign_id)
    vault = _vault(request)

    async def work(uow: RegistrationUnitOfWork) -> IntakeOutcome:
        return await field_intake.take(uow, submission, target, vault=vault)

    return _answer(await tx.run(work))


def _source(request: Request, settings: RegistrationSettings) -> SubmissionSource:
    source: SubmissionSource | None = getattr(request.app.state, "odk_source", None)
    if source is not None:
        return source
    if not (
        settings.odk_central_url and settings.odk_central_username and settings.odk_central_password
    ):
        raise ProblemError(
            503, "Service Unavailable", "ODK Central is not configured (ODK_CENTRAL_URL ...)."
        )
    return OdkCentral(
        settings.odk_central_url,
        settings.odk_central_username,
        settings.odk_central_password.get_secret_value(),
    )


@router.post(
    "/intake/odk/{form_id}/pull",
    summary="Pull the form's submissions from ODK Central now; each is taken once",
    response_model=PullResult,
    responses=problem_responses(403, 404, 503),
)
async def odk_pull(form_id: FormId, principal: Writer, request: Request, tx: Tx) -> PullResult:
    settings = _settings(request)
    form = _form(request, form_id)
    scope = office_scope(principal)
    if scope is not None and scope.casefold() != form.office.casefold():
        raise ProblemError(403, "Forbidden", "This form belongs to another BP3MI office.")
    if form.odk_project_id is None:
        raise ProblemError(404, "Not Found", f"Form {form_id!r} has no ODK Central project.")
    source = _source(request, settings)
    rows = await asyncio.to_thread(source.rows, form.odk_project_id, form_id)
    target = IntakeForm(form_id, form.office, form.campaign_id)
    vault = _vault(request)
    counts = {"registered": 0, "duplicate": 0, "rejected": 0, "repeated": 0}
    unreadable: list[dict[str, str]] = []
    for n, row in enumerate(rows):
        try:
            submission = odk_submission(row)
        except SubmissionError as exc:
            unreadable.append({"row": str(n), "message": str(exc)})
            continue

        async def work(uow: RegistrationUnitOfWork, s: Any = submission) -> IntakeOutcome:
            return await field_intake.take(uow, s, target, vault=vault)

        outcome = await tx.run(work)  # one transaction per submission: one bad costs only itself
        counts["repeated" if outcome.repeated else outcome.status] += 1
    return PullResult(received=len(rows), unreadable=unreadable, **counts)


@router.get(
    "/intake/{form_id}/report",
    summary="Submissions of a form that were not registered, with the reasons to fix",
    response_model=Page[ReportEntry],
)
async def intake_report(
    form_id: FormId,
    principal: Reader,
    request: Request,
    tx: Tx,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[ReportEntry]:
    _form(request, form_id)
    scope = office_scope(principal)

    async def work(uow: RegistrationUnitOfWork) -> Page[ReportEntry]:
        rows, total = await field_intake.report(
            uow, office=scope, form_id=form_id, limit=limit, offset=offset
        )
        return Page[ReportEntry](
            items=[
                ReportEntry(
                    submission_id=r.submission_id,
                    enumerator=r.enumerator,
                    status=r.status,
                    errors=r.errors,
                )
                for r in rows
            ],
            total=total,
            limit=limit,
            offset=offset,
        )

    result: Page[ReportEntry] = await tx.run(work)
    return result
