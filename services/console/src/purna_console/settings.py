"""Settings of the console (env: ``CONSOLE_<FIELD>`` then ``<FIELD>``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from purna_shared.settings import PurnaSettings

#: development-only key; a deployment sets CONSOLE_SESSION_SECRET from its secret store
DEFAULT_DEV_SESSION_SECRET = "purna-console-development-session-secret-change-me"


class ConsoleSettings(PurnaSettings):
    service: ClassVar[str] = "console"

    http_port: int = 8080

    registration_url: str = Field("http://127.0.0.1:8001", description="registration API")
    training_url: str = Field("http://127.0.0.1:8002", description="training API")
    credit_url: str = Field("http://127.0.0.1:8003", description="credit API")
    notification_url: str = Field("http://127.0.0.1:8004", description="notification API")
    api_timeout_seconds: float = Field(10.0, gt=0, description="per call to a service")

    dashboard_cache_seconds: float = Field(
        15.0,
        ge=0,
        description="the dashboard's figures are kept this long per user scope (0: never)",
    )

    dev_mode: bool = Field(
        False,
        description=(
            "development sign-in: pick a role and office, get a development token (HS256 with "
            "JWT_SECRET). Never in production: sign-in is then OpenID Connect only"
        ),
    )
    session_secret: str = Field(
        DEFAULT_DEV_SESSION_SECRET, min_length=16, description="signs the session cookie"
    )
    session_max_age_seconds: int = Field(
        8 * 3600, ge=60, description="a session ends after this long (a working day)"
    )

    oidc_issuer: str = Field("", description="OpenID Connect issuer, e.g. a Keycloak realm URL")
    oidc_client_id: str = Field("", description="the console's client id at the provider")
    oidc_client_secret: str = Field("", description="empty for a public client (PKCE only)")
    oidc_scopes: str = Field("openid profile", description="scopes asked for at sign-in")
    public_url: str = Field(
        "", description="the console's external URL (for the OIDC redirect); default: request's"
    )

    @model_validator(mode="after")
    def _sign_in_configured(self) -> ConsoleSettings:
        if not self.dev_mode and not (self.oidc_issuer and self.oidc_client_id):
            raise ValueError(
                "set CONSOLE_OIDC_ISSUER and CONSOLE_OIDC_CLIENT_ID (production sign-in), or "
                "CONSOLE_DEV_MODE=true for the development sign-in"
            )
        if not self.dev_mode and self.session_secret == DEFAULT_DEV_SESSION_SECRET:
            raise ValueError("set CONSOLE_SESSION_SECRET outside development mode")
        return self

    @property
    def secure_cookies(self) -> bool:
        """Secure (HTTPS-only) cookies everywhere but development."""
        return not self.dev_mode
