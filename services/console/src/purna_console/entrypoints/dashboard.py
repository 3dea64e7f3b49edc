"""Home, the campaign dashboard (the funnel by village, regency and programme) and its CSV.

Each part of the dashboard comes from the service that owns it, asked with the user's token;
a part the service refuses (role or scope) or can't give (down) says so, and the rest shows."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ..adapters.services import (
    SERVICE_LABELS,
    ApiError,
    ServiceName,
    Services,
    ServiceUnavailableError,
)
from ..domain import funnel
from ..domain.navigation import home_for
from .web import CurrentUser, User, render, services_of, settings_of

router = APIRouter()
GROUPINGS = {
    "village": "Desa",
    "regency_code": "Kabupaten/kota",
    "province_code": "Provinsi",
    "office": "Kantor BP3MI",
    "programme_code": "Program",
}
SESSIONS_PAGE = 200  # the training API's largest page
PREQUALIFICATIONS_PAGE = 500


def _why(exc: Exception) -> str:
    if isinstance(exc, ServiceUnavailableError):
        return f"{SERVICE_LABELS.get(exc.service, exc.service).capitalize()} tidak tersedia."
    if isinstance(exc, ApiError) and exc.status == 403:
        return "Peran Anda tidak berhak melihat bagian ini."
    if isinstance(exc, ApiError):
        return exc.detail
    raise exc


class Part:
    """Collects why parts of the dashboard could not be read (service down, role refused)."""

    def __init__(self) -> None:
        self.problems: dict[str, str] = {}

    async def read(self, name: str, call: Awaitable[Any]) -> Any:
        try:
            return await call
        except (ServiceUnavailableError, ApiError) as exc:
            self.problems.setdefault(name, _why(exc))
            return None


async def _all(
    services: Services, service: ServiceName, path: str, token: str, page: int, **params: Any
) -> list[dict[str, Any]]:
    """Every item of a paginated listing."""
    items: list[dict[str, Any]] = []
    while True:
        body = await services.get(service, path, token, limit=page, offset=len(items), **params)
        items += body["items"]
        if not body["items"] or len(items) >= body["total"]:
            return items


async def build_funnel(
    services: Services, user: User
) -> tuple[list[funnel.VillageFunnel], dict[str, str], funnel.KurFunnel | None]:
    """The rows per village session, the problems per part, and the KUR stages.

    One listing of the sessions, then everything else at once: the registered count of each
    village, the outcomes of each completed session, every prequalified assessment (grouped
    by session here) and the KUR pipeline report."""
    part = Part()
    sessions = await part.read(
        "training", _all(services, "training", "/sessions", user.token, SESSIONS_PAGE)
    )
    sessions = [s for s in sessions or [] if s["status"] != "cancelled"]
    villages = sorted({(s["regency_code"], s["village"]) for s in sessions})
    completed_ids = [s["id"] for s in sessions if s["status"] == "completed"]

    async def registered(regency: str, village: str) -> int | None:
        body = await part.read(
            "registration",
            services.get(
                "registration",
                "/participants",
                user.token,
                village=village,
                regency_code=regency,
                limit=1,
            ),
        )
        return None if body is None else int(body["total"])

    async def completed(sid: str) -> int | None:
        body = await part.read(
            "training", services.get("training", f"/sessions/{sid}/outcomes", user.token)
        )
        return None if body is None else sum(1 for o in body["outcomes"] if o["completed"])

    counted, finished, prequalified, report = await asyncio.gather(
        asyncio.gather(*(registered(r, v) for r, v in villages)),
        asyncio.gather(*(completed(sid) for sid in completed_ids)),
        part.read(
            "credit",
            _all(
                services,
                "credit",
                "/prequalifications",
                user.token,
                PREQUALIFICATIONS_PAGE,
                result="prequalified",
            ),
        ),
        part.read("kur", services.get("credit", "/reports/pipeline", user.token)),
    )
    by_village = dict(zip(villages, counted, strict=True))
    by_session = dict(zip(completed_ids, finished, strict=True))
    per_session: dict[str, int] | None = None
    if prequalified is not None:
        per_session = {}
        for q in prequalified:
            per_session[q["session_id"]] = per_session.get(q["session_id"], 0) + 1
    rows = [
        funnel.VillageFunnel(
            village=s["village"],
            regency_code=s["regency_code"],
            programme_code=s["programme_code"],
            session_id=s["id"],
            office=s["office"],
            registered=by_village[(s["regency_code"], s["village"])],
            enrolled=int(s["seats"]["enrolled"]),
            completed=by_session.get(s["id"], 0) if s["status"] == "completed" else 0,
            prequalified=None if per_session is None else per_session.get(s["id"], 0),
        )
        for s in sessions
    ]
    kur = funnel.kur_funnel(report["stages"]) if report is not None else None
    return rows, part.problems, kur


async def cached_funnel(
    request: Request, user: User
) -> tuple[list[funnel.VillageFunnel], dict[str, str], funnel.KurFunnel | None, float]:
    """:func:`build_funnel` and the figures' age in seconds. Kept for
    ``dashboard_cache_seconds`` per user scope (subject, roles, office, bank: what the services
    decide visibility by), complete answers only."""
    ttl = settings_of(request).dashboard_cache_seconds
    cache: dict[tuple[Any, ...], tuple[float, Any]] = request.app.state.dashboard_cache
    key = (user.subject, tuple(sorted(user.roles)), user.office, user.bank)
    now = time.monotonic()
    hit = cache.get(key)
    if ttl > 0 and hit is not None and now - hit[0] < ttl:
        rows, problems, kur = hit[1]
        return rows, problems, kur, now - hit[0]
    rows, problems, kur = await build_funnel(services_of(request), user)
    if ttl > 0 and not problems:
        if len(cache) > 1000:  # bounded: drop the stale ones
            for stale in [k for k, (at, _) in cache.items() if now - at >= ttl]:
                del cache[stale]
        cache[key] = (now, (rows, problems, kur))
    return rows, problems, kur, 0.0


@router.get("/beranda")
async def home(user: CurrentUser) -> Response:
    return RedirectResponse(home_for(user.roles), status_code=303)


@router.get("/akun")
async def account(request: Request, user: CurrentUser) -> Response:
    return render(request, "account.html", user=user)


@router.get("/dasbor")
async def dashboard(request: Request, user: CurrentUser, per: str = "village") -> Response:
    per = per if per in GROUPINGS else "village"
    rows, problems, kur, age = await cached_funnel(request, user)
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
            "age": round(age),
        },
        user=user,
    )


@router.get("/dasbor.csv")
async def dashboard_csv(request: Request, user: CurrentUser, per: str = "village") -> Response:
    rows, _, _, _ = await cached_funnel(request, user)
    grouped = funnel.group(rows, per if per in GROUPINGS else "village")
    return Response(
        funnel.to_csv(grouped, per if per in GROUPINGS else "village"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="corong-purna.csv"'},
    )
