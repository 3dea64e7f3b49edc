"""Credit officer and bank screens: pre-qualifications and the review queue, KUR applications
with their schedule, the bank's decision and disbursement, and the year's allocation as a gauge.
A bank officer's token only ever reaches that bank's applications (the credit service says so)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ..adapters.services import ApiError
from ..domain.labels import HOME_ZONE
from .web import CurrentUser, new_key, render, services_of

router = APIRouter()
PAGE = 20


@router.get("/prakualifikasi")
async def prequalifications(
    request: Request, user: CurrentUser, hasil: str = "", offset: int = 0
) -> Response:
    params: dict[str, Any] = {"limit": PAGE, "offset": max(0, offset)}
    if hasil == "antrean":  # the review queue: needs_review, not reviewed yet
        params |= {"result": "needs_review", "reviewed": "false"}
    elif hasil:
        params["result"] = hasil
    body = await services_of(request).get("credit", "/prequalifications", user.token, **params)
    return render(
        request,
        "credit/prequalifications.html",
        {"page": body, "hasil": hasil, "offset": max(0, offset), "limit": PAGE},
        user=user,
    )


@router.get("/prakualifikasi/{qid}")
async def prequalification(request: Request, user: CurrentUser, qid: str) -> Response:
    body = await services_of(request).get("credit", f"/prequalifications/{qid}", user.token)
    return render(
        request,
        "credit/prequalification.html",
        {"q": body, "errors": {}, "idem": new_key()},
        user=user,
    )


@router.post("/prakualifikasi/{qid}/tinjau")
async def review(
    request: Request,
    user: CurrentUser,
    qid: str,
    decision: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    idem: Annotated[str, Form()] = "",
) -> Response:
    try:
        await services_of(request).send(
            "credit",
            "POST",
            f"/prequalifications/{qid}/review",
            user.token,
            {"decision": decision, "note": note},
            idempotency_key=idem or new_key(),
        )
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        body = await services_of(request).get("credit", f"/prequalifications/{qid}", user.token)
        return render(
            request,
            "credit/prequalification.html",
            {
                "q": body,
                "errors": exc.field_errors(),
                "detail": exc.detail,
                "values": {"decision": decision, "note": note},
                "idem": new_key(),
            },
            status_code=exc.status,
            user=user,
        )
    return RedirectResponse(f"/prakualifikasi/{qid}", status_code=303)


@router.get("/pengajuan")
async def applications(
    request: Request, user: CurrentUser, status: str = "", offset: int = 0
) -> Response:
    body = await services_of(request).get(
        "credit",
        "/applications",
        user.token,
        status=status or None,
        limit=PAGE,
        offset=max(0, offset),
    )
    return render(
        request,
        "credit/applications.html",
        {"page": body, "status": status, "offset": max(0, offset), "limit": PAGE},
        user=user,
    )


async def _application_page(
    request: Request, user: CurrentUser, aid: str, extra: dict[str, Any], status_code: int = 200
) -> Response:
    services = services_of(request)
    application, schedule = await asyncio.gather(
        services.get("credit", f"/applications/{aid}", user.token),
        services.get("credit", f"/applications/{aid}/schedule", user.token),
    )
    today = datetime.now(UTC).astimezone(HOME_ZONE.tz).date().isoformat()
    context = {
        "a": application,
        "schedule": schedule,
        "errors": {},
        "values": {},
        "idem": new_key(),
        "today": today,
    }
    return render(
        request, "credit/application.html", context | extra, status_code=status_code, user=user
    )


@router.get("/pengajuan/{aid}")
async def application(request: Request, user: CurrentUser, aid: str) -> Response:
    return await _application_page(request, user, aid, {})


def _amount(raw: str) -> int | str | None:
    digits = raw.replace(".", "").replace(",", "").replace("Rp", "").strip()
    if not digits:
        return None
    return int(digits) if digits.isdigit() else raw


@router.post("/pengajuan/{aid}/keputusan")
async def decide(request: Request, user: CurrentUser, aid: str) -> Response:
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    decision = values.get("decision", "")
    body: dict[str, Any] = {"decision": decision}
    if decision == "approve":
        body["amount"] = _amount(values.get("amount", ""))
    elif decision == "reject":
        body["reason"] = values.get("reason", "").strip() or None
    try:
        await services_of(request).send(
            "credit",
            "POST",
            f"/applications/{aid}/decision",
            user.token,
            body,
            idempotency_key=values.get("idem") or new_key(),
        )
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        return await _application_page(
            request,
            user,
            aid,
            {"errors": exc.field_errors(), "detail": exc.detail, "values": values},
            status_code=exc.status,
        )
    return RedirectResponse(f"/pengajuan/{aid}", status_code=303)


@router.post("/pengajuan/{aid}/pencairan")
async def disburse(request: Request, user: CurrentUser, aid: str) -> Response:
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    body = {"disbursed_on": values.get("disbursed_on") or None}
    try:
        await services_of(request).send(
            "credit",
            "POST",
            f"/applications/{aid}/disbursement",
            user.token,
            body,
            idempotency_key=values.get("idem") or new_key(),
        )
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        return await _application_page(
            request,
            user,
            aid,
            {"errors": exc.field_errors(), "detail": exc.detail, "values": values},
            status_code=exc.status,
        )
    return RedirectResponse(f"/pengajuan/{aid}", status_code=303)


@router.get("/alokasi")
async def allocation(request: Request, user: CurrentUser, tahun: int | None = None) -> Response:
    year = tahun or datetime.now(UTC).astimezone(HOME_ZONE.tz).year
    try:
        body: dict[str, Any] | None = await services_of(request).get(
            "credit", f"/allocations/{year}", user.token
        )
    except ApiError as exc:
        if exc.status != 404:
            raise
        body = None
    return render(request, "credit/allocation.html", {"year": year, "al": body}, user=user)
