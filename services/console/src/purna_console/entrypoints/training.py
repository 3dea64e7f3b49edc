"""Trainer and operator screens: sessions, the attendance sheet of a day (one tap per
participant, saved as it goes), completion with the outcomes, certificates (one PDF per person,
or all of them as one ZIP file), and the programmes."""

from __future__ import annotations

import asyncio
import io
import re
import zipfile
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ..adapters.services import ApiError
from .web import CurrentUser, User, new_key, render, services_of

router = APIRouter()
PAGE = 20
ROSTER_PAGE = 100  # within the training API's largest page (200); a session seats ~20


async def _roster(request: Request, user: User, sid: str) -> list[dict[str, Any]]:
    """Everyone enrolled (not waitlisted or cancelled), by name."""
    items: list[dict[str, Any]] = []
    while True:
        body = await services_of(request).get(
            "training",
            f"/sessions/{sid}/enrollments",
            user.token,
            status="enrolled",
            limit=ROSTER_PAGE,
            offset=len(items),
        )
        items += body["items"]
        if not body["items"] or len(items) >= body["total"]:
            break
    return sorted(items, key=lambda e: (e.get("full_name") or "", e["participant_id"]))


@router.get("/sesi")
async def sessions(
    request: Request, user: CurrentUser, status: str = "", offset: int = 0
) -> Response:
    body = await services_of(request).get(
        "training",
        "/sessions",
        user.token,
        status=status or None,
        limit=PAGE,
        offset=max(0, offset),
    )
    return render(
        request,
        "sessions/list.html",
        {"page": body, "status": status, "offset": max(0, offset), "limit": PAGE},
        user=user,
    )


@router.get("/sesi/{sid}")
async def session_detail(request: Request, user: CurrentUser, sid: str) -> Response:
    return await _detail(request, user, sid)


async def _detail(
    request: Request, user: User, sid: str, *, enrol_error: str = "", enrol_value: str = ""
) -> Response:
    services = services_of(request)

    async def outcomes_if_completed() -> dict[str, Any] | None:
        # asked at once with the rest: a session not completed yet answers 409
        try:
            body: dict[str, Any] = await services.get(
                "training", f"/sessions/{sid}/outcomes", user.token
            )
        except ApiError as exc:
            if exc.status == 409:
                return None
            raise
        return body

    session, sheet, roster, outcomes = await asyncio.gather(
        services.get("training", f"/sessions/{sid}", user.token),
        services.get("training", f"/sessions/{sid}/attendance", user.token),
        _roster(request, user, sid),
        outcomes_if_completed(),
    )
    by_participant = {o["participant_id"]: o for o in (outcomes or {}).get("outcomes", [])}
    return render(
        request,
        "sessions/detail.html",
        {
            "s": session,
            "days": sheet["days"],
            "roster": roster,
            "outcomes": by_participant,
            "all_recorded": all(d["recorded"] for d in sheet["days"]),
            "idem": new_key(),
            "enrol_error": enrol_error,
            "enrol_value": enrol_value,
        },
        status_code=422 if enrol_error else 200,
        user=user,
    )


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ApiError("console", 404, "Not Found", "Hari sesi tidak dikenal.") from exc


@router.get("/sesi/{sid}/hadir/{day}")
async def attendance_sheet(request: Request, user: CurrentUser, sid: str, day: str) -> Response:
    the_day = _day(day)
    services = services_of(request)
    session, sheet, roster = await asyncio.gather(
        services.get("training", f"/sessions/{sid}", user.token),
        services.get("training", f"/sessions/{sid}/attendance", user.token),
        _roster(request, user, sid),
    )
    record = next((d for d in sheet["days"] if d["date"] == the_day.isoformat()), None)
    if record is None:
        raise ApiError("console", 404, "Not Found", "Tanggal ini bukan hari sesi.")
    return render(
        request,
        "sessions/attendance.html",
        {"s": session, "day": record, "roster": roster, "present": set(record["present"])},
        user=user,
    )


@router.post("/sesi/{sid}/hadir/{day}")
async def record_attendance(request: Request, user: CurrentUser, sid: str, day: str) -> Response:
    """Save the day's sheet. The API replaces the day's record with the list sent, so every
    save (each tap, through htmx, or the button without JavaScript) sends the whole sheet."""
    the_day = _day(day)
    form = await request.form()
    present = sorted({v for v in form.getlist("present") if isinstance(v, str)})
    saved = await services_of(request).send(
        "training",
        "PUT",
        f"/sessions/{sid}/attendance/{the_day.isoformat()}",
        user.token,
        {"present": present},
    )
    if request.headers.get("hx-request"):
        return render(
            request,
            "sessions/_saved.html",
            {"count": len(saved["present"]), "absent": len(saved["absent"])},
            user=user,
        )
    return RedirectResponse(f"/sesi/{sid}/hadir/{the_day.isoformat()}?tersimpan=1", status_code=303)


@router.post("/sesi/{sid}/peserta")
async def enrol(request: Request, user: CurrentUser, sid: str) -> Response:
    """Enrol a registered participant (by id) in the session: a seat or a waitlist place."""
    form = await request.form()
    pid = str(form.get("participant_id") or "").strip()
    key = str(form.get("idem") or new_key())
    try:
        await services_of(request).send(
            "training",
            "POST",
            f"/sessions/{sid}/enrollments",
            user.token,
            {"participant_id": pid},
            idempotency_key=key,
        )
    except ApiError as exc:
        if exc.status not in (404, 409, 422, 425):
            raise
        return await _detail(request, user, sid, enrol_error=exc.detail, enrol_value=pid)
    return RedirectResponse(f"/sesi/{sid}#hasil", status_code=303)


@router.post("/sesi/{sid}/selesai")
async def complete(request: Request, user: CurrentUser, sid: str) -> Response:
    form = await request.form()
    key = str(form.get("idem") or new_key())
    await services_of(request).send(
        "training", "POST", f"/sessions/{sid}/complete", user.token, idempotency_key=key
    )
    return RedirectResponse(f"/sesi/{sid}#hasil", status_code=303)


_SAFE_NAME = re.compile(r"[^A-Za-z0-9_-]+")


async def _certificate(request: Request, user: User, sid: str, pid: str) -> bytes:
    response = await services_of(request).request(
        "training", "GET", f"/sessions/{sid}/certificates/{pid}.pdf", user.token
    )
    return response.content


@router.get("/sesi/{sid}/sertifikat/{pid}.pdf")
async def certificate(request: Request, user: CurrentUser, sid: str, pid: str) -> Response:
    pdf = await _certificate(request, user, sid, pid)
    name = _SAFE_NAME.sub("-", pid)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="sertifikat-{name}.pdf"'},
    )


@router.get("/sesi/{sid}/sertifikat.zip")
async def certificates(request: Request, user: CurrentUser, sid: str) -> Response:
    """Every completer's certificate in one ZIP file (one PDF per person)."""
    outcomes = await services_of(request).get("training", f"/sessions/{sid}/outcomes", user.token)
    completers = [o for o in outcomes["outcomes"] if o["completed"] and o["certificate_no"]]
    pdfs = await asyncio.gather(
        *(_certificate(request, user, sid, o["participant_id"]) for o in completers)
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for outcome, pdf in zip(completers, pdfs, strict=True):
            number = _SAFE_NAME.sub("-", str(outcome["certificate_no"]))
            archive.writestr(f"sertifikat-{number}.pdf", pdf)
    filename = f"sertifikat-{_SAFE_NAME.sub('-', sid)}.zip"
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/program")
async def programmes(request: Request, user: CurrentUser) -> Response:
    body = await services_of(request).get("training", "/programmes", user.token)
    return render(request, "programmes.html", {"items": body["items"]}, user=user)
