"""Operator screens: participants (search, register, detail with an audited "show NIK",
consent withdrawal, corrections with version conflicts explained), campaigns with live counts,
and the audit log of personal-data reads (auditor)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..adapters.services import ApiError
from ..domain import forms, labels
from .web import CurrentUser, new_key, render, services_of

router = APIRouter()
PAGE = 20


def _page(offset: int) -> int:
    return max(0, offset)


@router.get("/peserta")
async def participant_list(
    request: Request,
    user: CurrentUser,
    nama: str = "",
    desa: str = "",
    kategori: str = "",
    offset: int = 0,
) -> Response:
    body = await services_of(request).get(
        "registration",
        "/participants",
        user.token,
        name=nama.strip() or None,
        village=desa.strip() or None,
        category=kategori or None,
        limit=PAGE,
        offset=_page(offset),
    )
    return render(
        request,
        "participants/list.html",
        {
            "page": body,
            "nama": nama,
            "desa": desa,
            "kategori": kategori,
            "offset": _page(offset),
            "limit": PAGE,
        },
        user=user,
    )


def _register_context(
    values: dict[str, Any], errors: dict[str, str], detail: str = ""
) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors,
        "detail": detail,
        "idem": values.get("idem") or new_key(),
        "channels": values.get("channels") or [],
    }


@router.get("/peserta/daftar")
async def register_form(request: Request, user: CurrentUser, kampanye: str = "") -> Response:
    values: dict[str, Any] = {"province_code": "52", "campaign_id": kampanye, "consent": ""}
    return render(request, "participants/register.html", _register_context(values, {}), user=user)


@router.post("/peserta/daftar")
async def register(request: Request, user: CurrentUser) -> Response:
    form = await request.form()
    values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    channels = [c for c in form.getlist("channels") if isinstance(c, str)]
    values["channels"] = channels
    errors: dict[str, str] = {}
    if hint := forms.nik_hint(values.get("nik", "")):
        errors["nik"] = hint
    if hint := forms.phone_hint(values.get("phone", "")):
        errors["phone"] = hint
    if values.get("consent") != "ya":
        errors["consent"] = "Persetujuan pemrosesan data (UU PDP) wajib sebelum mendaftar."
    if errors:
        return render(
            request,
            "participants/register.html",
            _register_context(values, errors, "Periksa isian yang ditandai."),
            status_code=422,
            user=user,
        )
    try:
        created = await services_of(request).send(
            "registration",
            "POST",
            "/participants",
            user.token,
            forms.registration_body(values, channels),
            idempotency_key=values.get("idem") or new_key(),
        )
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        field_errors = {forms.form_field(k): v for k, v in exc.field_errors().items()}
        return render(
            request,
            "participants/register.html",
            _register_context(values, field_errors, exc.detail),
            status_code=exc.status,
            user=user,
        )
    return RedirectResponse(f"/peserta/{created['id']}?baru=1", status_code=303)


@router.post("/peserta/periksa")
async def check_field(request: Request, user: CurrentUser) -> HTMLResponse:
    """The checks made as the operator types (htmx): the NIK's shape and whether it is already
    registered (the NIK goes in the body, never in a URL), the phone, the regency code."""
    form = await request.form()
    field = str(form.get("field") or "")
    value = str(form.get(field) or "").strip()
    message, ok = "", False
    if field == "nik":
        hint = forms.nik_hint(value)
        if hint:
            message = hint
        else:
            found = await services_of(request).send(
                "registration", "POST", "/participants/lookup", user.token, {"nik": value}
            )
            if found["registered"]:
                message = "NIK ini sudah terdaftar."
                if found.get("participant_id"):
                    message += f" Lihat peserta {found['participant_id']}."
            else:
                message, ok = "Format NIK benar dan belum terdaftar.", True
    elif field == "phone":
        hint = forms.phone_hint(value)
        message, ok = (hint, False) if hint else ("Nomor HP benar.", True)
    elif field == "regency_code":
        hint = forms.address_hint(str(form.get("province_code") or ""), value)
        message, ok = (hint, False) if hint else ("", True)
    return render(
        request,
        "participants/_hint.html",
        {"message": message, "ok": ok, "field": field},
        user=user,
    )


async def _participant(request: Request, user: CurrentUser, pid: str, **params: Any) -> Any:
    return await services_of(request).get(
        "registration", f"/participants/{pid}", user.token, **params
    )


@router.get("/peserta/{pid}")
async def participant_detail(
    request: Request, user: CurrentUser, pid: str, baru: int = 0
) -> Response:
    person = await _participant(request, user, pid)
    return render(
        request,
        "participants/detail.html",
        {"p": person, "new": bool(baru), "purposes": labels.NIK_PURPOSE},
        user=user,
    )


@router.post("/peserta/{pid}/nik")
async def reveal_nik(
    request: Request, user: CurrentUser, pid: str, purpose: Annotated[str, Form()] = ""
) -> Response:
    """The NIK in clear: the registration service checks the role and office and writes the
    read to its audit log with the purpose. The page is never cached (no-store)."""
    if purpose not in labels.NIK_PURPOSE:
        person = await _participant(request, user, pid)
        return render(
            request,
            "participants/detail.html",
            {
                "p": person,
                "purposes": labels.NIK_PURPOSE,
                "purpose_error": "Pilih alasan membuka NIK.",
            },
            status_code=422,
            user=user,
        )
    person = await _participant(request, user, pid, reveal_nik="true", purpose=purpose)
    return render(
        request,
        "participants/detail.html",
        {"p": person, "purposes": labels.NIK_PURPOSE, "revealed_for": purpose},
        user=user,
    )


@router.post("/peserta/{pid}/tarik-persetujuan")
async def withdraw_consent(
    request: Request, user: CurrentUser, pid: str, confirm: Annotated[str, Form()] = ""
) -> Response:
    if confirm != "ya":
        person = await _participant(request, user, pid)
        return render(
            request,
            "participants/detail.html",
            {
                "p": person,
                "purposes": labels.NIK_PURPOSE,
                "withdraw_error": "Centang konfirmasi untuk mencatat penarikan persetujuan.",
            },
            status_code=422,
            user=user,
        )
    await services_of(request).send(
        "registration", "POST", f"/participants/{pid}/consent-withdrawal", user.token
    )
    return RedirectResponse(f"/peserta/{pid}", status_code=303)


@router.get("/peserta/{pid}/ubah")
async def edit_form(request: Request, user: CurrentUser, pid: str) -> Response:
    person = await _participant(request, user, pid)
    return render(
        request, "participants/edit.html", {"p": person, "values": {}, "errors": {}}, user=user
    )


@router.post("/peserta/{pid}/ubah")
async def edit(request: Request, user: CurrentUser, pid: str) -> Response:
    form = await request.form()
    values = {k: str(v).strip() for k, v in form.items() if isinstance(v, str)}
    person = await _participant(request, user, pid)
    patch: dict[str, Any] = {}
    for name in ("full_name", "phone", "marital_status"):
        if values.get(name) and values[name] != person[name]:
            patch[name] = values[name]
    email = values.get("email") or None
    if email != person["email"]:
        patch["email"] = email
    address = {
        "province_code": values.get("province_code", ""),
        "regency_code": values.get("regency_code", ""),
        "district": values.get("district", ""),
        "village": values.get("village", ""),
    }
    if all(address.values()) and address != person["address"]:
        patch["address"] = address
    if not patch:
        return RedirectResponse(f"/peserta/{pid}", status_code=303)
    try:
        await services_of(request).send(
            "registration",
            "PATCH",
            f"/participants/{pid}",
            user.token,
            patch,
            headers={"If-Match": f'"{values.get("version", "")}"'},
        )
    except ApiError as exc:
        if exc.status == 412:
            detail = (
                "Data peserta ini sudah diubah orang lain sejak Anda membukanya. "
                "Isian di bawah kini menampilkan data terbaru; periksa lalu simpan lagi."
            )
            fresh = await _participant(request, user, pid)
            return render(
                request,
                "participants/edit.html",
                {"p": fresh, "values": {}, "errors": {}, "detail": detail, "conflict": True},
                status_code=409,
                user=user,
            )
        if exc.status not in (409, 422):
            raise
        errors = {forms.form_field(k): v for k, v in exc.field_errors().items()}
        return render(
            request,
            "participants/edit.html",
            {"p": person, "values": values, "errors": errors, "detail": exc.detail},
            status_code=exc.status,
            user=user,
        )
    return RedirectResponse(f"/peserta/{pid}", status_code=303)


@router.get("/kampanye")
async def campaigns(request: Request, user: CurrentUser, offset: int = 0) -> Response:
    body = await services_of(request).get(
        "registration", "/campaigns", user.token, limit=PAGE, offset=_page(offset)
    )
    return render(
        request,
        "campaigns/list.html",
        {"page": body, "offset": _page(offset), "limit": PAGE},
        user=user,
    )


@router.get("/kampanye/{cid}")
async def campaign(request: Request, user: CurrentUser, cid: str) -> Response:
    body = await services_of(request).get("registration", f"/campaigns/{cid}", user.token)
    return render(request, "campaigns/detail.html", {"c": body}, user=user)


@router.get("/kampanye/{cid}/hitungan")
async def campaign_counts(request: Request, user: CurrentUser, cid: str) -> Response:
    """The live counts alone (htmx polls this fragment)."""
    body = await services_of(request).get("registration", f"/campaigns/{cid}", user.token)
    return render(request, "campaigns/_counts.html", {"c": body}, user=user)


@router.get("/audit")
async def audit_log(request: Request, user: CurrentUser, offset: int = 0) -> Response:
    body = await services_of(request).get(
        "registration", "/audit-log", user.token, limit=PAGE, offset=_page(offset)
    )
    return render(
        request, "audit.html", {"page": body, "offset": _page(offset), "limit": PAGE}, user=user
    )
