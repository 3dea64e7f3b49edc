"""Bearer JWT authentication and role/scope checks for Purna APIs.

Tokens are OIDC-compatible: RS256 verified against ``settings.jwt_jwks_url`` in production,
HS256 with ``settings.jwt_secret`` in development (``purna token`` mints those). Both check
``exp``, ``iss`` and ``aud``. Claims: ``sub``, ``roles`` (list), ``office`` (BP3MI office of an
operator, e.g. ``"NTB"``), ``bank`` (bank of a bank user, e.g. ``"BRI"``).

In an endpoint::

    Writer = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]
    Reader = Annotated[Principal, Depends(require_read(Role.OPERATOR, Role.TRAINER))]

``admin`` passes every role check; ``auditor`` passes only :func:`require_read`. Scope checks on
the resource itself: :func:`ensure_office`, :func:`ensure_bank`.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..settings import DEFAULT_DEV_JWT_SECRET, PurnaSettings
from .problems import ProblemError

log = logging.getLogger(__name__)


class Role(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"  # BP3MI staff, scoped to the office in its token
    TRAINER = "trainer"
    CREDIT_OFFICER = "credit_officer"
    BANK = "bank"  # scoped to the bank in its token
    AUDITOR = "auditor"  # reads everything, changes nothing


#: roles that see every office / every bank (the others are limited to their token's scope)
OFFICE_WIDE_ROLES: frozenset[Role] = frozenset({Role.ADMIN, Role.AUDITOR})
BANK_WIDE_ROLES: frozenset[Role] = frozenset({Role.ADMIN, Role.AUDITOR, Role.CREDIT_OFFICER})

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_ROLE_VALUES = frozenset(role.value for role in Role)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, as the verified token says."""

    subject: str
    roles: frozenset[Role]
    office: str | None = None
    bank: str | None = None

    def has(self, *roles: Role) -> bool:
        """True if the principal holds any of ``roles``."""
        return not self.roles.isdisjoint(roles)

    @property
    def is_read_only(self) -> bool:
        """True for a principal whose only role is auditor."""
        return bool(self.roles) and self.roles <= {Role.AUDITOR}


class InvalidTokenError(Exception):
    """The bearer token can't be accepted; the message says why (safe to show the caller)."""


class KeysUnavailableError(Exception):
    """The identity provider's keys can't be fetched right now."""


class TokenVerifier:
    """Verifies bearer tokens against the settings; one per app, on ``app.state``."""

    def __init__(
        self,
        settings: PurnaSettings,
        *,
        leeway: timedelta = timedelta(seconds=30),
        jwks_client: jwt.PyJWKClient | None = None,
    ) -> None:
        self.issuer = settings.jwt_issuer
        self.audience = settings.jwt_audience
        self.leeway = leeway
        self._secret = settings.jwt_secret
        self._jwks: jwt.PyJWKClient | None = jwks_client
        if self._jwks is None and settings.jwt_jwks_url:
            # Created here, not at import; it fetches lazily and caches the key set.
            self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True, timeout=5)
        if self._jwks is None and self._secret == DEFAULT_DEV_JWT_SECRET:
            log.warning("accepting tokens signed with the public development secret")

    @property
    def uses_jwks(self) -> bool:
        return self._jwks is not None

    def verify(self, token: str) -> Principal:
        """The principal of a valid token; raises :class:`InvalidTokenError` otherwise.

        With a JWKS URL this may fetch the key set (blocking): from async code use
        :meth:`authenticate`."""
        if self._jwks is not None:
            try:
                key: Any = self._jwks.get_signing_key_from_jwt(token).key
            except jwt.PyJWKClientConnectionError as exc:
                raise KeysUnavailableError(str(exc)) from exc
            except (jwt.PyJWKClientError, jwt.DecodeError) as exc:
                raise InvalidTokenError("the token's signing key is unknown") from exc
            algorithms = ["RS256"]
        else:
            key, algorithms = self._secret, ["HS256"]
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidTokenError("the token has expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise InvalidTokenError(
                f"the token is not meant for audience {self.audience!r}"
            ) from exc
        except jwt.InvalidIssuerError as exc:
            raise InvalidTokenError(f"the token was not issued by {self.issuer!r}") from exc
        except jwt.InvalidSignatureError as exc:
            raise InvalidTokenError("the token's signature is invalid") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidTokenError(f"the token lacks the {exc.claim!r} claim") from exc
        except jwt.ImmatureSignatureError as exc:
            raise InvalidTokenError("the token is not valid yet") from exc
        except jwt.InvalidTokenError as exc:
            raise InvalidTokenError(
                "the token is malformed or uses an unexpected algorithm"
            ) from exc
        return principal_from_claims(claims)

    async def authenticate(self, token: str) -> Principal:
        """:meth:`verify` without blocking the event loop on a JWKS fetch."""
        if self._jwks is None:
            return self.verify(token)
        return await asyncio.to_thread(self.verify, token)


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise InvalidTokenError("the token's 'sub' claim must be a non-empty string")
    raw_roles = claims.get("roles", [])
    if isinstance(raw_roles, str):
        raw_roles = raw_roles.split()
    if not isinstance(raw_roles, list) or not all(isinstance(r, str) for r in raw_roles):
        raise InvalidTokenError("the token's 'roles' claim must be a list of strings")
    # Roles of other applications in a shared identity provider are not ours: ignore them.
    roles = frozenset(Role(r) for r in raw_roles if r in _ROLE_VALUES)
    office, bank = claims.get("office"), claims.get("bank")
    for name, value in (("office", office), ("bank", bank)):
        if value is not None and not isinstance(value, str):
            raise InvalidTokenError(f"the token's {name!r} claim must be a string")
    return Principal(subject=subject, roles=roles, office=office or None, bank=bank or None)


def mint_token(
    settings: PurnaSettings,
    *,
    role: Role | str,
    office: str | None = None,
    bank: str | None = None,
    subject: str | None = None,
    ttl_seconds: int = 8 * 3600,
) -> str:
    """A development token (HS256 with ``settings.jwt_secret``) for one role."""
    role = Role(role)
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": subject or f"dev-{role.value}" + (f"-{office or bank}" if office or bank else ""),
        "iat": now,
        "exp": now + timedelta(seconds=ttl_seconds),
        "jti": uuid.uuid4().hex,
        "roles": [role.value],
    }
    if office:
        claims["office"] = office
    if bank:
        claims["bank"] = bank
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


# ---------------------------------------------------------------------------------------------
# FastAPI dependencies

#: the bearer scheme; through it every protected route shows the docs' Authorize lock
bearer_scheme = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    scheme_name="bearer",
    description="`purna token --role <role>` mints a development token",
)


async def get_token_verifier(request: Request) -> TokenVerifier:
    # async although it awaits nothing: FastAPI runs a plain-def dependency in its threadpool,
    # a thread hop on every request.
    verifier = getattr(request.app.state, "token_verifier", None)
    if not isinstance(verifier, TokenVerifier):
        raise RuntimeError(
            "app.state.token_verifier is not set: build the app with "
            "purna_shared.http.app.create_service_app"
        )
    return verifier


def _unauthorized(detail: str, *, invalid: bool) -> ProblemError:
    challenge = 'Bearer realm="purna"'
    if invalid:
        description = detail.replace('"', "'")
        challenge += f', error="invalid_token", error_description="{description}"'
    return ProblemError(401, "Unauthorized", detail, headers={"WWW-Authenticate": challenge})


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    verifier: Annotated[TokenVerifier, Depends(get_token_verifier)],
) -> Principal:
    """The caller, from a valid bearer token; 401 problem otherwise."""
    if credentials is None:
        raise _unauthorized(
            "A bearer token is required (Authorization: Bearer <token>).", invalid=False
        )
    try:
        principal = await verifier.authenticate(credentials.credentials)
    except InvalidTokenError as exc:
        raise _unauthorized(f"The bearer token was refused: {exc}.", invalid=True) from exc
    except KeysUnavailableError as exc:
        log.error("cannot fetch the identity provider's keys: %s", exc)
        raise ProblemError(
            503,
            "Service Unavailable",
            "Tokens can't be verified right now; retry shortly.",
            headers={"Retry-After": "5"},
        ) from exc
    request.state.principal = principal  # for audit records and logs further down
    return principal


def _forbidden(detail: str, **extensions: Any) -> ProblemError:
    return ProblemError(
        403,
        "Forbidden",
        detail,
        headers={"WWW-Authenticate": 'Bearer realm="purna", error="insufficient_scope"'},
        **extensions,
    )


PrincipalDependency = Callable[..., Coroutine[Any, Any, Principal]]


def _requirement(allowed: frozenset[Role], *, write: bool) -> PrincipalDependency:
    required = sorted(role.value for role in allowed)

    async def dependency(
        request: Request, principal: Annotated[Principal, Depends(current_principal)]
    ) -> Principal:
        granted = principal.roles & allowed
        # An auditor is read-only whatever route it reaches: only safe methods pass for it.
        if granted and not write and request.method not in _SAFE_METHODS:
            granted -= {Role.AUDITOR}
        if not granted:
            raise _forbidden(
                f"This needs one of the roles: {', '.join(required)}.",
                required_roles=required,
            )
        return principal

    return dependency


def require_roles(*roles: Role) -> PrincipalDependency:
    """Dependency for changing routes: the principal must hold one of ``roles`` (or admin).

    ``auditor`` is read-only and can't be listed here: use :func:`require_read`."""
    if Role.AUDITOR in roles:
        raise ValueError("auditor is read-only: use require_read() for routes auditors may use")
    return _requirement(frozenset(roles) | {Role.ADMIN}, write=True)


def require_read(*roles: Role) -> PrincipalDependency:
    """Dependency for reading routes: one of ``roles``, admin or auditor."""
    return _requirement(frozenset(roles) | {Role.ADMIN, Role.AUDITOR}, write=False)


# ---------------------------------------------------------------------------------------------
# Scope checks on the resource at hand


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def office_scope(principal: Principal) -> str | None:
    """The office a listing must be limited to: None for office-wide roles; 403 for a
    principal with neither."""
    if principal.has(*OFFICE_WIDE_ROLES):
        return None
    if principal.has(Role.OPERATOR) and principal.office:
        return principal.office
    raise _forbidden("Your token carries no BP3MI office to limit this listing to.")


def ensure_office(
    principal: Principal,
    office: str | None,
    *,
    hide: bool = False,
    unscoped: Iterable[Role] = OFFICE_WIDE_ROLES,
) -> None:
    """Refuse a resource of ``office`` to a principal outside it: admin and auditor see every
    office, an operator only its own. ``hide=True`` answers 404 instead of 403 for another
    office's resource, so its existence isn't revealed."""
    if principal.has(*unscoped):
        return
    if not principal.has(Role.OPERATOR) or not principal.office:
        raise _forbidden("Only staff of the resource's BP3MI office may do this.")
    if office is not None and _same(principal.office, office):
        return
    if hide:
        raise ProblemError(404, "Not Found", "No such resource.")
    raise _forbidden(
        f"This belongs to another BP3MI office; your token is for {principal.office}.",
    )


def ensure_bank(
    principal: Principal,
    bank: str | None,
    *,
    hide: bool = False,
    unscoped: Iterable[Role] = BANK_WIDE_ROLES,
) -> None:
    """Refuse a resource of ``bank`` to a bank user of another bank (admin, auditor and credit
    officers see every bank). ``hide=True`` answers 404 instead of 403."""
    if principal.has(*unscoped):
        return
    if not principal.has(Role.BANK) or not principal.bank:
        raise _forbidden("Only the resource's bank may do this.")
    if bank is not None and _same(principal.bank, bank):
        return
    if hide:
        raise ProblemError(404, "Not Found", "No such resource.")
    raise _forbidden(f"This belongs to another bank; your token is for {principal.bank}.")
