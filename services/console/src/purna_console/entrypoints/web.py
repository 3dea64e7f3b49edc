"""What every page of the console shares: the signed-in user, CSRF protection, rendering.

The session is a signed cookie (HttpOnly, SameSite=Lax, Secure outside development) holding the
user's bearer token, its expiry and the session's CSRF token. The token is what the services
see: the console passes it on and never mints or widens one outside development mode.
"""

from __future__ import annotations

import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from purna_shared.http.context import current_request_id

from ..adapters.services import Services
from ..domain import labels
from ..domain.navigation import ROLE_LABELS, menu_for
from ..settings import ConsoleSettings

TEMPLATES_DIR = Path(__file__).parents[1] / "templates"
STATIC_DIR = Path(__file__).parents[1] / "static"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.filters.update(rupiah=labels.rupiah, tanggal=labels.tanggal, persen=labels.persen)
templates.env.globals.update(L=labels, label=labels.label)


@dataclass(frozen=True, slots=True)
class User:
    """The signed-in person, as their token says."""

    subject: str
    roles: frozenset[str]
    office: str | None
    bank: str | None
    token: str
    expires_at: float

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles)) or "admin" in self.roles

    @property
    def role_label(self) -> str:
        return ", ".join(ROLE_LABELS.get(r, r) for r in sorted(self.roles)) or "tanpa peran"

    @property
    def scope_label(self) -> str:
        parts = []
        if self.office:
            parts.append(f"BP3MI {self.office}")
        if self.bank:
            parts.append(f"Bank {self.bank}")
        return " · ".join(parts)


class SignInRequiredError(Exception):
    """No valid session: the user is sent to the sign-in page."""


class CsrfRejectedError(Exception):
    """A changing request without the session's CSRF token."""


def settings_of(request: Request) -> ConsoleSettings:
    settings: ConsoleSettings = request.app.state.settings
    return settings


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created with the session)."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def csrf_protect(request: Request) -> None:
    """Every POST/PUT/PATCH/DELETE must carry the session's CSRF token, in the form field
    ``csrf_token`` or the ``X-CSRF-Token`` header (htmx sends it there)."""
    if request.method in _SAFE_METHODS:
        return
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(expected, sent):
        raise CsrfRejectedError


def sign_in(request: Request, *, token: str, claims: dict[str, Any]) -> None:
    """Start a session for a verified token (a new CSRF token too: no session fixation)."""
    request.session.clear()
    roles = claims.get("roles") or []
    if isinstance(roles, str):
        roles = roles.split()
    request.session.update(
        token=token,
        sub=str(claims["sub"]),
        roles=[str(r) for r in roles],
        office=claims.get("office"),
        bank=claims.get("bank"),
        exp=float(claims["exp"]),
        csrf=secrets.token_urlsafe(32),
    )


def current_user(request: Request) -> User:
    session = request.session
    token, exp = session.get("token"), session.get("exp")
    if not isinstance(token, str) or not isinstance(exp, int | float) or exp <= time.time():
        raise SignInRequiredError
    return User(
        subject=str(session.get("sub")),
        roles=frozenset(session.get("roles") or ()),
        office=session.get("office"),
        bank=session.get("bank"),
        token=token,
        expires_at=float(exp),
    )


CurrentUser = Annotated[User, Depends(current_user)]


def new_key() -> str:
    """An Idempotency-Key for a form: rendered into it, so a double submit is one request."""
    return uuid.uuid4().hex


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    user: User | None = None,
) -> HTMLResponse:
    if user is None:
        try:
            user = current_user(request)
        except SignInRequiredError:
            user = None
    base = {
        "request": request,
        "user": user,
        "menu": menu_for(user.roles) if user else [],
        "csrf": csrf_token(request),
        "csrf_field": CSRF_FIELD,
        "request_id": current_request_id(),
        "dev_mode": settings_of(request).dev_mode,
        "path": request.url.path,
    }
    return templates.TemplateResponse(
        request, template, base | (context or {}), status_code=status_code
    )
