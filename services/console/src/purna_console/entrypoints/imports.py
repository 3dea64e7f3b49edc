"""Bulk intake (operator): upload a CSV/XLSX to the registration service, watch its progress
bar, and download the row report (the rows not registered and why)."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from ..adapters.services import ApiError
from ..domain.funnel import neutralise
from .web import CurrentUser, User, new_key, render, services_of

router = APIRouter()
PAGE = 20
REPORT_PAGE = 500


@router.get("/impor")
async def imports(request: Request, user: CurrentUser, offset: int = 0) -> Response:
    body = await services_of(request).get(
        "registration", "/imports", user.token, limit=PAGE, offset=max(0, offset)
    )
    return render(
        request,
        "imports/list.html",
        {"page": body, "offset": max(0, offset), "limit": PAGE, "idem": new_key()},
        user=user,
    )


@router.post("/impor")
async def upload(request: Request, user: CurrentUser) -> Response:
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        body = await services_of(request).get("registration", "/imports", user.token, limit=PAGE)
        return render(
            request,
            "imports/list.html",
            {
                "page": body,
                "offset": 0,
                "limit": PAGE,
                "idem": new_key(),
                "error": "Pilih berkas CSV atau XLSX.",
            },
            status_code=422,
            user=user,
        )
    data: dict[str, Any] = {}
    if campaign := str(form.get("campaign_id") or "").strip():
        data["campaign_id"] = campaign
    try:
        response = await services_of(request).request(
            "registration",
            "POST",
            "/imports",
            user.token,
            files={"file": (upload.filename, upload.file, upload.content_type)},
            data=data,
            headers={"Idempotency-Key": str(form.get("idem") or new_key())},
        )
    except ApiError as exc:
        if exc.status not in (413, 422):
            raise
        body = await services_of(request).get("registration", "/imports", user.token, limit=PAGE)
        message = next(iter(exc.field_errors().values()), exc.detail)
        return render(
            request,
            "imports/list.html",
            {"page": body, "offset": 0, "limit": PAGE, "idem": new_key(), "error": message},
            status_code=exc.status,
            user=user,
        )
    return RedirectResponse(f"/impor/{response.json()['id']}", status_code=303)


async def _job(request: Request, user: User, iid: str, **params: Any) -> Any:
    return await services_of(request).get("registration", f"/imports/{iid}", user.token, **params)


@router.get("/impor/templat.{fmt}")
async def template(request: Request, user: CurrentUser, fmt: str) -> Response:
    file_format = "xlsx" if fmt == "xlsx" else "csv"
    answer = await services_of(request).request(
        "registration",
        "GET",
        "/imports/template",
        user.token,
        params={"format": file_format},
    )
    return Response(
        answer.content,
        media_type=answer.headers.get("content-type", "application/octet-stream"),
        headers={"Content-Disposition": f'attachment; filename="purna-peserta.{file_format}"'},
    )


@router.get("/impor/{iid}")
async def job(request: Request, user: CurrentUser, iid: str) -> Response:
    body = await _job(request, user, iid, limit=PAGE)
    return render(request, "imports/detail.html", {"job": body}, user=user)


@router.get("/impor/{iid}/kemajuan")
async def progress(request: Request, user: CurrentUser, iid: str) -> Response:
    """The progress fragment (htmx polls it while the job runs)."""
    body = await _job(request, user, iid, limit=1)
    return render(request, "imports/_progress.html", {"job": body}, user=user)


@router.get("/impor/{iid}/laporan.csv")
async def report(request: Request, user: CurrentUser, iid: str) -> Response:
    """Every row not registered, with the column and the reason (all pages of the report)."""
    rows: list[dict[str, Any]] = []
    while True:
        body = await _job(request, user, iid, limit=REPORT_PAGE, offset=len(rows))
        rows += body["errors"]["items"]
        if not body["errors"]["items"] or len(rows) >= body["errors"]["total"]:
            break
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["baris", "kolom", "jenis", "pesan", "id_peserta_yang_ada"])
    for r in rows:
        writer.writerow(
            [
                r["row"],
                neutralise(r["field"]),
                r["kind"],
                neutralise(r["message"]),
                r["participant_id"] or "",
            ]
        )
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="laporan-impor-{iid[:40]}.csv"'},
    )
