"""The registration HTTP API (port 8001): thin handlers that parse, call the service layer and
map its errors to problem+json."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import importlib.metadata
import json
import re
import tempfile
from datetime import date
from pathlib import Path
from typing import IO, Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, File, Form, Header, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from purna_shared.clock import Clock
from purna_shared.http.app import create_service_app, serve
from purna_shared.http.auth import Principal, Role, require_read, require_roles
from purna_shared.http.context import current_request_id
from purna_shared.http.pagination import Limit, Offset, Page
from purna_shared.http.problems import ProblemError, problem_responses
from purna_shared.http.transaction import Transaction, idempotent_transaction, transaction

from ..adapters.nik_vault import NikVault
from ..adapters.repository import ParticipantFilter, list_participants
from ..adapters.spreadsheet import (
    XLSX_MEDIA_TYPE,
    SpreadsheetError,
    detect_format,
    template_csv,
    template_guide_csv,
    template_xlsx,
)
from ..bootstrap import build_unit_of_work
from ..domain.campaign import CampaignForm
from ..domain.errors import ConsentWithdrawnError, ValidationFailed
from ..domain.imports import HeaderError
from ..domain.participant import UNSET, ParticipantChanges, RegistrationForm
from ..service_layer import audit, campaigns, imports, participants
from ..service_layer.actor import Actor
from ..service_layer.participants import (
    AlreadyRegistered,
)
from ..service_layer.unit_of_work import RegistrationUnitOfWork
from ..settings import RegistrationSettings
from . import schemas

VERSION = importlib.metadata.version("purna-registration")  # as the other services

Writer = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]
Reader = Annotated[Principal, Depends(require_read(Role.OPERATOR))]
Overseer = Annotated[Principal, Depends(require_read())]
#: the transaction seam, typed with registration's unit of work
Tx = Annotated[Transaction[RegistrationUnitOfWork], Depends(transaction)]
IdempotentTx = Annotated[Transaction[RegistrationUnitOfWork], Depends(idempotent_transaction)]


# -- wiring ------------------------------------------------------------------------------------


def _vault(request: Request) -> NikVault:
    vault: NikVault = request.app.state.nik_vault
    return vault


def _actor(principal: Principal, request: Request) -> Actor:
    route = getattr(request.scope.get("route"), "path", request.url.path)
    return Actor(
        subject=principal.subject,
        roles=frozenset(r.value for r in principal.roles),
        office=principal.office,
        route=f"{request.method} {route}",
        request_id=current_request_id(),
    )


def _office_for_write(principal: Principal, requested: str | None) -> str:
    """The office a new record belongs to: an operator's own; an admin must name one."""
    if Role.ADMIN in principal.roles:
        if requested:
            return requested.strip().upper()
        if principal.office:
            return principal.office
        raise ValidationFailed.single("office", "is required for an admin (e.g. NTB)")
    if not principal.office:
        raise ProblemError(403, "Forbidden", "Your token carries no BP3MI office.")
    if requested and requested.strip().upper() != principal.office.upper():
        raise ProblemError(
            403,
            "Forbidden",
            f"You may register only for your own office ({principal.office}).",
        )
    return principal.office.upper()


def _field_errors(failed: ValidationFailed, where: str) -> list[dict[str, Any]]:
    return [
        {"field": e.field, "in": where, "message": e.message, "type": "value_error"}
        for e in failed.errors
    ]


def _invalid(failed: ValidationFailed, where: str = "body") -> ProblemError:
    errors = _field_errors(failed, where)
    return ProblemError(
        422,
        "Unprocessable Content",
        f"{len(errors)} invalid field{'s' if len(errors) != 1 else ''}: "
        + ", ".join(dict.fromkeys(e["field"] for e in errors)),
        errors=errors,
    )


def _install_domain_errors(app: FastAPI) -> None:
    async def validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ValidationFailed)
        where = "body" if request.method in ("POST", "PATCH", "PUT") else "query"
        return _invalid(exc, where).response(request)

    async def duplicate(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AlreadyRegistered)
        return ProblemError(
            409,
            "Already registered",
            "A participant with this NIK is already registered; no second record was made.",
            participant_id=exc.participant_id,
            headers={"Location": f"/participants/{exc.participant_id}"},
        ).response(request)

    async def withdrawn(request: Request, exc: Exception) -> Response:
        return ProblemError(
            409,
            "Consent withdrawn",
            "The participant withdrew consent: the record is kept but no longer processed.",
        ).response(request)

    for kind, handler in (
        (ValidationFailed, validation),
        (AlreadyRegistered, duplicate),
        (ConsentWithdrawnError, withdrawn),
    ):
        app.add_exception_handler(kind, handler)


def _etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


def _if_match(value: str | None) -> int | None:
    if value is None or value.strip() == "*":
        return None
    match = re.fullmatch(r'\s*(?:W/)?"?(\d{1,9})"?\s*', value)
    if not match:
        raise ProblemError(400, "Bad Request", 'If-Match must be a version ETag such as "3".')
    return int(match.group(1))


# -- participants ------------------------------------------------------------------------------

participants_router = APIRouter(tags=["participants"])


def _registration_form(body: schemas.RegisterParticipant, office: str) -> RegistrationForm:
    return RegistrationForm(
        nik=body.nik,
        full_name=body.full_name,
        gender=body.gender,
        birth_date=body.birth_date,
        marital_status=body.marital_status,
        phone=body.phone,
        email=body.email,
        address=body.address.to_domain(),
        category=body.category,
        pmi=body.pmi.to_domain() if body.pmi else None,
        family=body.family.to_domain() if body.family else None,
        consent_granted=body.consent.granted,
        consent_channels=tuple(body.consent.channels),
        campaign_id=body.campaign_id,
        office=office,
    )


@participants_router.post(
    "/participants",
    status_code=201,
    response_model=schemas.ParticipantOut,
    summary="Register a PMI purna or keluarga PMI (once per NIK)",
    responses=problem_responses(409),
)
async def register_participant(
    body: schemas.RegisterParticipant, principal: Writer, tx: IdempotentTx, request: Request
) -> JSONResponse:
    office = _office_for_write(principal, body.office)
    form = _registration_form(body, office)
    actor = _actor(principal, request)

    async def work(uow: RegistrationUnitOfWork) -> tuple[int, Any]:
        p = await participants.register(uow, form, actor, vault=_vault(request))
        return 201, schemas.ParticipantOut.of(p).model_dump(mode="json")

    response = await tx.respond(work)
    if response.status_code == 201:
        body_id = json.loads(bytes(response.body))["id"]
        response.headers["Location"] = f"/participants/{body_id}"
    return response


@participants_router.get(
    "/participants",
    response_model=Page[schemas.ParticipantOut],
    summary="List participants (NIK masked), filtered and paginated",
)
async def list_participants_route(
    principal: Reader,
    tx: Tx,
    request: Request,
    limit: Limit = 50,
    offset: Offset = 0,
    regency_code: Annotated[str | None, Query(max_length=8)] = None,
    village: Annotated[str | None, Query(max_length=200)] = None,
    category: Literal["pmi_purna", "keluarga_pmi"] | None = None,
    campaign_id: Annotated[str | None, Query(max_length=64)] = None,
    name: Annotated[str | None, Query(max_length=200, description="Words of the name")] = None,
    office: Annotated[str | None, Query(max_length=16, description="admin/auditor only")] = None,
) -> Page[schemas.ParticipantOut]:
    actor = _actor(principal, request)
    scope = participants.listing_office(actor, office.upper() if office else None)
    f = ParticipantFilter(
        office=scope,
        regency_code=regency_code,
        village=village,
        category=category,
        campaign_id=campaign_id,
        name=name,
    )

    async def work(uow: RegistrationUnitOfWork) -> Page[schemas.ParticipantOut]:
        session = uow.session
        items, total = await list_participants(session, f, limit=limit, offset=offset)
        return Page(
            items=[schemas.ParticipantOut.of(p) for p in items],
            total=total,
            limit=limit,
            offset=offset,
        )

    result: Page[schemas.ParticipantOut] = await tx.run(work)
    return result


@participants_router.post(
    "/participants/lookup",
    response_model=schemas.NikLookupResult,
    summary="Is this NIK registered? (the NIK travels in the body, never in a URL)",
)
async def lookup_nik(
    body: schemas.NikLookup, principal: Writer, tx: Tx, request: Request
) -> schemas.NikLookupResult:
    digest = participants.nik_digest_for_search(body.nik, _vault(request))

    async def work(uow: RegistrationUnitOfWork) -> schemas.NikLookupResult:
        session = uow.session
        items, _ = await list_participants(
            session, ParticipantFilter(nik_digest=digest), limit=1, offset=0
        )
        if not items:
            return schemas.NikLookupResult(registered=False)
        return schemas.NikLookupResult(
            registered=True, participant_id=items[0].id, office=items[0].office
        )

    result: schemas.NikLookupResult = await tx.run(work)
    return result


@participants_router.get(
    "/participants/{participant_id}",
    response_model=schemas.ParticipantOut,
    summary="One participant; the NIK in clear only on request, to allowed roles, audited",
    responses=problem_responses(404),
)
async def get_participant(
    participant_id: str,
    principal: Reader,
    tx: Tx,
    request: Request,
    reveal_nik: Annotated[
        bool,
        Query(description="Show the NIK in clear (admin; operator of the same office only)"),
    ] = False,
    purpose: Annotated[
        schemas.NikPurpose | None,
        Query(description="Why the NIK is read; required with reveal_nik"),
    ] = None,
) -> JSONResponse:
    if reveal_nik and purpose is None:
        raise ValidationFailed.single("purpose", "is required when reveal_nik is true")
    actor = _actor(principal, request)

    async def work(uow: RegistrationUnitOfWork) -> schemas.ParticipantOut:
        session = uow.session
        p = await participants.load(session, participant_id, actor)
        clear = None
        if reveal_nik:
            assert purpose is not None
            clear = await participants.read_nik(
                session, p, actor, purpose=purpose, vault=_vault(request)
            )
        return schemas.ParticipantOut.of(p, clear_nik=clear)

    out: schemas.ParticipantOut = await tx.run(work)
    headers = _etag(out.version)
    if reveal_nik:
        headers["Cache-Control"] = "no-store"
    return JSONResponse(out.model_dump(mode="json"), headers=headers)


def _changes(body: schemas.ParticipantPatch) -> ParticipantChanges:
    sent = body.model_fields_set
    for name in ("full_name", "phone", "address", "marital_status", "consent"):
        if name in sent and getattr(body, name) is None:
            raise ValidationFailed.single(name, "cannot be removed (send a value or leave it out)")
    if not sent:
        raise ValidationFailed.single("", "send at least one field to change")
    return ParticipantChanges(
        full_name=body.full_name if "full_name" in sent and body.full_name else UNSET,
        phone=body.phone if "phone" in sent and body.phone else UNSET,
        email=body.email if "email" in sent else UNSET,
        address=body.address.to_domain() if body.address else UNSET,
        marital_status=body.marital_status if body.marital_status else UNSET,
        consent_channels=tuple(body.consent.channels) if body.consent else UNSET,
    )


@participants_router.patch(
    "/participants/{participant_id}",
    response_model=schemas.ParticipantOut,
    summary="Correct contact, address, marital status, name or messaging channels",
    responses=problem_responses(404, 409, 412),
)
async def patch_participant(
    participant_id: str,
    body: schemas.ParticipantPatch,
    principal: Writer,
    tx: Tx,
    request: Request,
    if_match: Annotated[
        str | None, Header(description='Version ETag from a GET, e.g. "3"; 412 if stale')
    ] = None,
) -> JSONResponse:
    changes = _changes(body)
    expected = _if_match(if_match)
    actor = _actor(principal, request)

    async def work(uow: RegistrationUnitOfWork) -> schemas.ParticipantOut:
        p = await participants.change(
            uow, participant_id, changes, actor, expected_version=expected
        )
        return schemas.ParticipantOut.of(p)

    out: schemas.ParticipantOut = await tx.run(work)
    return JSONResponse(out.model_dump(mode="json"), headers=_etag(out.version))


@participants_router.post(
    "/participants/{participant_id}/consent-withdrawal",
    response_model=schemas.ParticipantOut,
    summary="Record withdrawal of consent: every service stops processing and messaging",
    responses=problem_responses(404),
)
async def withdraw_consent(
    participant_id: str, principal: Writer, tx: Tx, request: Request
) -> JSONResponse:
    actor = _actor(principal, request)

    async def work(uow: RegistrationUnitOfWork) -> schemas.ParticipantOut:
        p = await participants.withdraw_consent(uow, participant_id, actor)
        return schemas.ParticipantOut.of(p)

    out: schemas.ParticipantOut = await tx.run(work)
    return JSONResponse(out.model_dump(mode="json"), headers=_etag(out.version))


# -- campaigns ---------------------------------------------------------------------------------

campaigns_router = APIRouter(tags=["campaigns"])


@campaigns_router.post("/campaigns", status_code=201, response_model=schemas.CampaignOut)
async def create_campaign(
    body: schemas.CreateCampaign, principal: Writer, tx: IdempotentTx, request: Request
) -> JSONResponse:
    office = _office_for_write(principal, body.office)
    form = CampaignForm(
        name=body.name,
        office=office,
        regency_code=body.regency_code,
        village=body.village,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
    )
    actor = _actor(principal, request)

    async def work(uow: RegistrationUnitOfWork) -> tuple[int, Any]:
        campaign = await campaigns.create(uow, form, actor)
        return 201, schemas.CampaignOut.of(campaign).model_dump(mode="json")

    return await tx.respond(work)


@campaigns_router.get("/campaigns", response_model=Page[schemas.CampaignOut])
async def list_campaigns(
    principal: Reader,
    tx: Tx,
    request: Request,
    limit: Limit = 50,
    offset: Offset = 0,
    office: Annotated[str | None, Query(max_length=16)] = None,
    active_on: Annotated[date | None, Query(description="Campaigns running on this day")] = None,
) -> Page[schemas.CampaignOut]:
    actor = _actor(principal, request)

    async def work(uow: RegistrationUnitOfWork) -> Page[schemas.CampaignOut]:
        session = uow.session
        items, total = await campaigns.list_campaigns(
            session,
            actor,
            office=office.upper() if office else None,
            active_on=active_on,
            limit=limit,
            offset=offset,
        )
        return Page(
            items=[schemas.CampaignOut.of(c) for c in items],
            total=total,
            limit=limit,
            offset=offset,
        )

    result: Page[schemas.CampaignOut] = await tx.run(work)
    return result


@campaigns_router.get(
    "/campaigns/{campaign_id}",
    response_model=schemas.CampaignDetail,
    summary="A campaign with live counts by village and category",
    responses=problem_responses(404),
)
async def get_campaign(
    campaign_id: str, principal: Reader, tx: Tx, request: Request
) -> schemas.CampaignDetail:
    actor = _actor(principal, request)

    async def work(uow: RegistrationUnitOfWork) -> schemas.CampaignDetail:
        session = uow.session
        campaign, tally = await campaigns.get_with_tally(session, campaign_id, actor)
        return schemas.CampaignDetail(
            **schemas.CampaignOut.of(campaign).model_dump(), counts=schemas.CampaignCounts.of(tally)
        )

    result: schemas.CampaignDetail = await tx.run(work)
    return result


# -- imports -----------------------------------------------------------------------------------

imports_router = APIRouter(tags=["imports"])


def _spool_upload(source: IO[bytes], folder: Path, limit: int) -> tuple[Path, int, str, bytes]:
    """Copy the upload to a file we own, hashing it; refuse it past ``limit`` bytes."""
    path = folder / "upload"
    digest = hashlib.sha256()
    size = 0
    head = b""
    source.seek(0)
    with path.open("wb") as out:
        while block := source.read(1 << 20):
            if not head:
                head = block[:8]
            size += len(block)
            if size > limit:
                raise ProblemError(
                    413, "Content Too Large", f"The file is larger than {limit} bytes."
                )
            digest.update(block)
            out.write(block)
    return path, size, digest.hexdigest(), head


@imports_router.post(
    "/imports",
    status_code=202,
    response_model=schemas.ImportOut,
    summary="Upload a CSV or XLSX of participants; rows are registered in the background",
    responses=problem_responses(413),
)
async def upload_import(
    principal: Writer,
    request: Request,
    tx: IdempotentTx,
    file: Annotated[UploadFile, File(description="CSV (UTF-8) or XLSX in the template's layout")],
    office: Annotated[str | None, Form(max_length=16)] = None,
    campaign_id: Annotated[str | None, Form(max_length=64)] = None,
) -> JSONResponse:
    settings: RegistrationSettings = request.app.state.settings
    job_office = _office_for_write(principal, office)
    actor = _actor(principal, request)
    filename = (file.filename or "upload").rsplit("/", 1)[-1][:255]
    with tempfile.TemporaryDirectory(prefix="purna-upload-") as folder:
        path, size, digest, head = await asyncio.to_thread(
            _spool_upload, file.file, Path(folder), settings.import_max_bytes
        )
        try:
            file_format = detect_format(filename, head)
            check = await asyncio.to_thread(
                imports.inspect_upload, path, file_format, settings.import_max_rows
            )
        except (SpreadsheetError, HeaderError) as exc:
            raise ValidationFailed.single("file", str(exc)) from exc

        async def work(uow: RegistrationUnitOfWork) -> tuple[int, Any]:
            with path.open("rb") as stored:
                job = await imports.create_job(
                    uow,
                    stored,
                    filename=filename,
                    check=check,
                    size_bytes=size,
                    office=job_office,
                    campaign_id=campaign_id or None,
                    actor=actor,
                )
            return 202, schemas.ImportOut.of(job).model_dump(mode="json")

        fingerprint = f"{digest} {job_office} {campaign_id or ''}"
        result = await tx.execute(work, fingerprint=fingerprint)
    response = result.response()
    response.headers["Location"] = f"/imports/{result.body['id']}"
    return response


@imports_router.get(
    "/imports/template",
    summary="The intake template: CSV header, its guide (format=csv-guide: which columns each "
    "category requires, what they hold), or XLSX with the guide as a second sheet",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}}}},
)
async def import_template(
    principal: Reader,
    file_format: Annotated[Literal["csv", "csv-guide", "xlsx"], Query(alias="format")] = "csv",
) -> Response:
    if file_format == "xlsx":
        content = await asyncio.to_thread(template_xlsx)
        media, name = XLSX_MEDIA_TYPE, "purna-peserta.xlsx"
    elif file_format == "csv-guide":
        content = template_guide_csv()
        media, name = "text/csv; charset=utf-8", "purna-peserta-petunjuk.csv"
    else:
        content, media, name = template_csv(), "text/csv; charset=utf-8", "purna-peserta.csv"
    return Response(
        content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@imports_router.get("/imports", response_model=Page[schemas.ImportOut])
async def list_imports(
    principal: Reader, tx: Tx, request: Request, limit: Limit = 50, offset: Offset = 0
) -> Page[schemas.ImportOut]:
    actor = _actor(principal, request)

    async def work(uow: RegistrationUnitOfWork) -> Page[schemas.ImportOut]:
        session = uow.session
        jobs, total = await imports.list_jobs(session, actor, limit=limit, offset=offset)
        return Page(
            items=[schemas.ImportOut.of(j) for j in jobs], total=total, limit=limit, offset=offset
        )

    result: Page[schemas.ImportOut] = await tx.run(work)
    return result


@imports_router.get(
    "/imports/{import_id}",
    response_model=schemas.ImportReport,
    summary="Progress and report of an import; row errors paginated by row number",
    responses=problem_responses(404),
)
async def get_import(
    import_id: str,
    principal: Reader,
    tx: Tx,
    request: Request,
    limit: Limit = 100,
    offset: Offset = 0,
) -> schemas.ImportReport:
    actor = _actor(principal, request)

    async def work(uow: RegistrationUnitOfWork) -> schemas.ImportReport:
        session = uow.session
        job = await imports.get_job(session, import_id, actor)
        errors, total = await imports.job_errors(session, job.id, limit=limit, offset=offset)
        return schemas.ImportReport(
            **schemas.ImportOut.fields_of(job),
            errors=Page(
                items=[schemas.ImportRowError.of(e) for e in errors],
                total=total,
                limit=limit,
                offset=offset,
            ),
        )

    result: schemas.ImportReport = await tx.run(work)
    return result


# -- audit -------------------------------------------------------------------------------------

audit_router = APIRouter(tags=["audit"])


@audit_router.get(
    "/audit-log",
    response_model=Page[schemas.AuditEntry],
    summary="Who read or changed personal data, newest first (admin, auditor)",
)
async def read_audit_log(
    principal: Overseer,
    tx: Tx,
    request: Request,
    limit: Limit = 50,
    offset: Offset = 0,
    participant_id: Annotated[str | None, Query(max_length=64)] = None,
    action: Literal["nik_read", "registered", "updated", "consent_withdrawn"] | None = None,
) -> Page[schemas.AuditEntry]:
    async def work(uow: RegistrationUnitOfWork) -> Page[schemas.AuditEntry]:
        session = uow.session
        entries, total = await audit.read_log(
            session, participant_id=participant_id, action=action, limit=limit, offset=offset
        )
        return Page(
            items=[schemas.AuditEntry(**dataclasses.asdict(e)) for e in entries],
            total=total,
            limit=limit,
            offset=offset,
        )

    result: Page[schemas.AuditEntry] = await tx.run(work)
    return result


# -- app ---------------------------------------------------------------------------------------


def create_app(
    settings: RegistrationSettings | None = None, *, clock: Clock | None = None
) -> FastAPI:
    settings = settings or RegistrationSettings()
    app = create_service_app(
        settings,
        title="Purna registration API",
        version=VERSION,
        description=(
            "Registration of PMI purna (returned migrant workers) and keluarga PMI (their "
            "families) by BP3MI offices: one record per NIK, consent required, bulk intake "
            "from spreadsheets. NIKs are returned masked; an admin or an operator of the "
            "participant's office may reveal one with a stated purpose, and every such read "
            "is audited."
        ),
        routers=[participants_router, campaigns_router, imports_router, audit_router],
        unit_of_work=build_unit_of_work(clock),
    )
    app.state.nik_vault = NikVault(settings.nik_secret)
    _install_domain_errors(app)
    return app


def main() -> None:
    settings = RegistrationSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
