"""``purna token``: mint a development bearer token (HS256, ``JWT_SECRET``)."""

from __future__ import annotations

from typing import Annotated

import typer

from ..http.auth import Role, mint_token
from ..settings import PurnaSettings


def token(
    role: Annotated[Role, typer.Option("--role", help="the token's role", case_sensitive=False)],
    office: Annotated[
        str | None, typer.Option("--office", help="BP3MI office (required for operator), e.g. NTB")
    ] = None,
    bank: Annotated[
        str | None, typer.Option("--bank", help="bank (required for bank), e.g. BRI")
    ] = None,
    subject: Annotated[
        str | None, typer.Option("--subject", help="the token's `sub`; default dev-<role>")
    ] = None,
    ttl: Annotated[int, typer.Option("--ttl", min=1, help="lifetime in seconds")] = 8 * 3600,
) -> None:
    """Print a bearer token for ROLE (only the token, so `TOKEN=$(purna token ...)` works)."""
    # Operator and bank tokens are useless without their scope: every scoped route refuses them.
    if role is Role.OPERATOR and not office:
        raise typer.BadParameter(
            "--role operator needs --office (e.g. --office NTB)", param_hint="'--office'"
        )
    if role is Role.BANK and not bank:
        raise typer.BadParameter(
            "--role bank needs --bank (e.g. --bank BRI)", param_hint="'--bank'"
        )
    settings = PurnaSettings()
    if settings.jwt_jwks_url:
        typer.echo(
            "warning: JWT_JWKS_URL is set, so services verify RS256 tokens from the "
            "identity provider and will refuse this HS256 token",
            err=True,
        )
    typer.echo(
        mint_token(settings, role=role, office=office, bank=bank, subject=subject, ttl_seconds=ttl)
    )
