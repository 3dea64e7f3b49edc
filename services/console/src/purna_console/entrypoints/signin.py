"""Sign-in and sign-out.

Production: OpenID Connect (authorization code with PKCE). Development mode only: a page that
picks a role, an office or bank and mints a development token, like ``purna token`` does."""

from __future__ import annotations

import logging
from typing import Annotated
from urllib.parse import urlsplit

import jwt
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from purna_shared.http.auth import InvalidTokenError, Role, TokenVerifier, mint_token

from ..adapters.oidc import OidcSignIn
from ..domain.navigation import ROLE_LABELS, home_for
from .web import render, settings_of, sign_in

log = logging.getLogger(__name__)
router = APIRouter()

OFFICES = ("NTB", "NTT", "JATIM", "JATENG", "JABAR", "LAMPUNG", "SUMUT", "SULSEL", "KALBAR", "BALI")
BANKS = ("BRI", "BNI", "MANDIRI", "BSI", "BTN")


def _safe_next(target: str | None) -> str | None:
    """Only a path on this console (no scheme, no host, no //evil)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _verifier(request: Request) -> TokenVerifier:
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier


def _start_session(request: Request, token: str, next_path: str | None) -> RedirectResponse:
    verifier = _verifier(request)
    verifier.verify(token)  # raises InvalidTokenError; the services would refuse it anyway
    claims = jwt.decode(token, options={"verify_signature": False})
    sign_in(request, token=token, claims=claims)
    roles = claims.get("roles") or []
    target = _safe_next(next_path) or home_for(roles if isinstance(roles, list) else [])
    log.info("signed in", extra={"subject": claims.get("sub")})
    return RedirectResponse(target, status_code=303)


@router.get("/masuk", name="sign_in_page")
async def sign_in_page(request: Request, lanjut: str | None = None) -> Response:
    settings = settings_of(request)
    return render(
        request,
        "signin.html",
        {
            "next": _safe_next(lanjut) or "",
            "roles": ROLE_LABELS,
            "offices": OFFICES,
            "banks": BANKS,
            "oidc": bool(settings.oidc_issuer and settings.oidc_client_id),
        },
        user=None,
    )


@router.post("/masuk")
async def dev_sign_in(
    request: Request,
    role: Annotated[str, Form()],
    office: Annotated[str, Form()] = "",
    bank: Annotated[str, Form()] = "",
    subject: Annotated[str, Form(max_length=64)] = "",
    lanjut: Annotated[str, Form()] = "",
) -> Response:
    settings = settings_of(request)
    if not settings.dev_mode:
        return render(
            request,
            "error.html",
            {"title": "Tidak tersedia", "detail": "Masuk pengembangan hanya di mode pengembangan."},
            status_code=404,
            user=None,
        )
    errors: dict[str, str] = {}
    if role not in ROLE_LABELS:
        errors["role"] = "Pilih peran."
    if role == Role.OPERATOR and office not in OFFICES:
        errors["office"] = "Petugas BP3MI harus memilih kantor."
    if role == Role.BANK and bank not in BANKS:
        errors["bank"] = "Petugas bank harus memilih bank."
    if errors:
        return render(
            request,
            "signin.html",
            {
                "next": lanjut,
                "roles": ROLE_LABELS,
                "offices": OFFICES,
                "banks": BANKS,
                "errors": errors,
                "oidc": False,
            },
            status_code=422,
            user=None,
        )
    token = mint_token(
        settings,
        role=role,
        office=office if role == Role.OPERATOR else None,
        bank=bank if role == Role.BANK else None,
        subject=subject.strip() or None,
        ttl_seconds=settings.session_max_age_seconds,
    )
    return _start_session(request, token, lanjut)


@router.get("/masuk/oidc", name="oidc_start")
async def oidc_start(request: Request) -> Response:
    oidc: OidcSignIn | None = request.app.state.oidc
    if oidc is None:
        return RedirectResponse("/masuk", status_code=303)
    return await oidc.start(request)


@router.get("/masuk/kembali", name="oidc_callback")
async def oidc_callback(request: Request) -> Response:
    oidc: OidcSignIn | None = request.app.state.oidc
    if oidc is None:
        return RedirectResponse("/masuk", status_code=303)
    try:
        token = await oidc.finish(request)
        return _start_session(request, token, None)
    except InvalidTokenError as exc:
        detail = f"Token dari penyedia identitas ditolak: {exc}."
    except Exception as exc:  # the provider's error (state mismatch, denied, unreachable)
        log.warning("OpenID Connect sign-in failed: %s", type(exc).__name__)
        detail = "Masuk melalui penyedia identitas gagal. Silakan coba lagi."
    return render(
        request, "error.html", {"title": "Gagal masuk", "detail": detail}, status_code=401
    )


@router.post("/keluar")
async def sign_out(request: Request) -> Response:
    """End the console's session, and the identity provider's when it offers that."""
    request.session.clear()
    oidc: OidcSignIn | None = request.app.state.oidc
    if oidc is not None:
        try:
            target = await oidc.sign_out_url(request)
        except Exception as exc:  # the provider is unreachable: the console's session is over
            log.warning("no end-session endpoint: %s", type(exc).__name__)
            target = None
        if target:
            return RedirectResponse(target, status_code=303)
    return RedirectResponse("/masuk", status_code=303)
