"""Home, the campaign dashboard (the funnel by village, regency and programme) and its CSV.

Each part of the dashboard comes from the service that owns it, asked with the user's token;
a part the service refuses (role or scope) or can't give (down) says so, and the rest shows."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ..adapters.services import SERVICE_LABELS, ApiError, Services, ServiceUnavailableError
from ..domain import funnel
from ..domain.navigation import home_for
from .web import CurrentUser, User, render, services_of

router = APIRouter()
GROUPINGS = {
    "village": "Desa",
    "regency_code": "Kabupaten/kota",
    "province_code": "Provinsi",
    "office": "Kantor BP3MI",
    "programme_code": "Program",
}
SESSIONS_PAGE = 200  # the training API's largest page


@dataclass
class Part:
    """Why one part of a page could not be shown (None: it was)."""

    problem: str | None = None


def _why(exc: Exception) -> str:
    if isinstance(exc, ServiceUnavailableError):
        return f"{SERVICE_LABELS.get(exc.service, exc.service).capitalize()} tidak tersedia."
    if isinstance(exc, ApiError) and exc.status == 403:
        return "Peran Anda tidak berhak melihat bagian ini."
    if isinstance(exc, ApiError):
        return exc.detail
    raise exc


async def _count(call: Any) -> int | None:
    try:
        body = await call
    except (ServiceUnavailableError, ApiError):
        return None
    return int(body["total"])


async def _completed(services: Services, user: User, session: dict[str, Any]) -> int | None:
    if session["status"] != "completed":
        return 0
    try:
        body = await services.get("training", f"/sessions/{session['id']}/outcomes", user.token)
    except (ServiceUnavailableError, ApiError):
        return None
    return sum(1 for o in body["outcomes"] if o["completed"])


async def build_funnel(
    services: Services, user: User
) -> tuple[list[funnel.VillageFunnel], dict[str, str], funnel.KurFunnel | None]:
    """The rows per village session, the problems per part, and the KUR stages."""
    problems: dict[str, str] = {}
    sessions: list[dict[str, Any]] = []
    try:
        while True:
            body = await services.get(
                "training", "/sessions", user.token, limit=SESSIONS_PAGE, offset=len(sessions)
            )
            sessions += body["items"]
            if not body["items"] or len(sessions) >= body["total"]:
                break
        sessions = [s for s in sessions if s["status"] != "cancelled"]
    except (ServiceUnavailableError, ApiError) as exc:
        problems["training"] = _why(exc)

    async def row(s: dict[str, Any]) -> funnel.VillageFunnel:
        registered, completed, prequalified = await asyncio.gather(
            _count(
                services.get(
                    "registration",
                    "/participants",
                    user.token,
                    village=s["village"],
                    regency_code=s["regency_code"],
                    limit=1,
                )
            ),
            _completed(services, user, s),
            _count(
                services.get(
                    "credit",
                    "/prequalifications",
                    user.token,
                    session_id=s["id"],
                    result="prequalified",
                    limit=1,
                )
            ),
        )
        return funnel.VillageFunnel(
            village=s["village"],
            regency_code=s["regency_code"],
            programme_code=s["programme_code"],
            session_id=s["id"],
            office=s["office"],
            registered=registered,
            enrolled=int(s["seats"]["enrolled"]),
            completed=completed,
            prequalified=prequalified,
        )

    rows = list(await asyncio.gather(*(row(s) for s in sessions)))
    if any(r.registered is None for r in rows):
        problems["registration"] = "Jumlah pendaftar tidak dapat dibaca dengan peran Anda."
    if any(r.prequalified is None for r in rows):
        problems["credit"] = "Prakualifikasi tidak dapat dibaca dengan peran Anda."
    kur: funnel.KurFunnel | None = None
    try:
        report = await services.get("credit", "/reports/pipeline", user.token)
        kur = funnel.kur_funnel(report["stages"])
    except (ServiceUnavailableError, ApiError) as exc:
        problems["kur"] = _why(exc)
    return rows, problems, kur


@router.get("/beranda")
async def home(user: CurrentUser) -> Response:
    return RedirectResponse(home_for(user.roles), status_code=303)


@router.get("/akun")
async def account(request: Request, user: CurrentUser) -> Response:
    return render(request, "account.html", user=user)


@router.get("/dasbor")
async def dashboard(request: Request, user: CurrentUser, per: str = "village") -> Response:
    per = per if per in GROUPINGS else "village"
    rows, problems, kur = await build_funnel(services_of(request), user)
    grouped = funnel.group(rows, per)
    totals = funnel.totals(rows)
    largest = max([v for v in totals.values() if v] + [1])
    stages = [
        (stage, totals[stage], funnel.bar_width(totals[stage], largest))
        for stage in funnel.TRAINING_STAGES
    ]
    if kur is not None:
        stages += [
            ("applied", kur.applied, funnel.bar_width(kur.applied, largest)),
            ("approved", kur.approved, funnel.bar_width(kur.approved, largest)),
            ("disbursed", kur.disbursed, funnel.bar_width(kur.disbursed, largest)),
        ]
    return render(
        request,
        "dashboard.html",
        {
            "rows": grouped,
            "per": per,
            "groupings": GROUPINGS,
            "totals": totals,
            "stages": stages,
            "kur": kur,
            "problems": problems,
            "training_stages": funnel.TRAINING_STAGES,
            "columns": funnel.GROUPINGS[per],
        },
        user=user,
    )


@router.get("/dasbor.csv")
async def dashboard_csv(request: Request, user: CurrentUser, per: str = "village") -> Response:
    rows, _, _ = await build_funnel(services_of(request), user)
    grouped = funnel.group(rows, per if per in GROUPINGS else "village")
    return Response(
        funnel.to_csv(grouped, per if per in GROUPINGS else "village"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="corong-purna.csv"'},
    )
