"""OpenID Connect sign-in (authorization code with PKCE) through Authlib: works with Keycloak
and any provider publishing ``/.well-known/openid-configuration``. The provider's access token
is what the services verify (RS256 against ``JWT_JWKS_URL``), so it is what the console keeps."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from authlib.integrations.starlette_client import OAuth
from starlette.requests import Request
from starlette.responses import Response

from ..settings import ConsoleSettings

PROVIDER = "purna"


class OidcSignIn:
    def __init__(self, settings: ConsoleSettings) -> None:
        self._settings = settings
        self._oauth = OAuth()
        self._oauth.register(
            PROVIDER,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret or None,
            server_metadata_url=settings.oidc_issuer.rstrip("/")
            + "/.well-known/openid-configuration",
            client_kwargs={
                "scope": settings.oidc_scopes,
                "code_challenge_method": "S256",  # PKCE
                "token_endpoint_auth_method": (
                    "client_secret_basic" if settings.oidc_client_secret else "none"
                ),
            },
        )

    @property
    def _client(self) -> Any:
        return self._oauth.create_client(PROVIDER)

    def _redirect_uri(self, request: Request) -> str:
        if self._settings.public_url:
            return self._settings.public_url.rstrip("/") + "/masuk/kembali"
        return str(request.url_for("oidc_callback"))

    async def start(self, request: Request) -> Response:
        response: Response = await self._client.authorize_redirect(
            request, self._redirect_uri(request)
        )
        return response

    async def sign_out_url(self, request: Request) -> str | None:
        """Where to send the browser to end the provider's session too (RP-initiated logout),
        or None when the provider has no end-session endpoint."""
        metadata: dict[str, Any] = await self._client.load_server_metadata()
        endpoint = metadata.get("end_session_endpoint")
        if not endpoint:
            return None
        back = (
            self._settings.public_url.rstrip("/") + "/masuk"
            if self._settings.public_url
            else str(request.url_for("sign_in_page"))
        )
        query = urlencode(
            {"client_id": self._settings.oidc_client_id, "post_logout_redirect_uri": back}
        )
        return f"{endpoint}?{query}"

    async def finish(self, request: Request) -> str:
        """The access token, after exchanging the code (state and PKCE verifier checked)."""
        token: dict[str, Any] = await self._client.authorize_access_token(request)
        return str(token["access_token"])
