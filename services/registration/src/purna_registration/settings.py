"""Settings of the registration service (env: ``REGISTRATION_<FIELD>`` then ``<FIELD>``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, Field, SecretStr

from purna_shared.settings import PurnaSettings

#: development-only key; a deployment sets REGISTRATION_NIK_SECRET from its secret store
DEFAULT_DEV_NIK_SECRET = "purna-development-nik-secret-change-me-in-production"


class IntakeFormSettings(BaseModel):
    """A field form (XLSForm deployed in KoboToolbox or ODK Central) and where its
    submissions go."""

    office: str = Field(pattern=r"^[A-Z]{2,16}$", description="BP3MI office of the submissions")
    secret: SecretStr | None = Field(
        None, description="KoboToolbox REST Services: the X-Purna-Intake-Secret header value"
    )
    campaign_id: str | None = Field(None, description="campaign the submissions belong to")
    odk_project_id: int | None = Field(None, description="ODK Central project of the form")


class RegistrationSettings(PurnaSettings):
    service: ClassVar[str] = "registration"

    http_port: int = 8001

    nik_secret: str = Field(
        DEFAULT_DEV_NIK_SECRET,
        min_length=16,
        description=(
            "secret from which the NIK digest (HMAC-SHA256, the de-duplication key) and the NIK "
            "encryption key (AES-256-GCM) are derived; changing it orphans stored NIKs"
        ),
    )
    nik_lookup_limit: int = Field(
        30,
        ge=1,
        description=(
            "NIK lookups (and registrations refused as duplicates) one user may make per "
            "window: enough for a counter, far too few to walk the serials of a birth date"
        ),
    )
    nik_lookup_window_seconds: int = Field(60, ge=1, description="window of nik_lookup_limit")
    import_chunk_rows: int = Field(
        500, ge=1, le=10_000, description="bulk-intake rows committed per transaction"
    )
    import_max_bytes: int = Field(
        100 * 1024 * 1024, ge=1024, description="largest accepted bulk-intake upload"
    )
    import_max_rows: int = Field(200_000, ge=1, description="largest accepted bulk-intake file")
    import_poll_ms: int = Field(
        500, ge=10, description="how often the worker looks for bulk-intake jobs to run"
    )
    import_lease_ms: int = Field(
        60_000,
        ge=1000,
        description="a job whose worker has not reported for this long is taken over",
    )
    intake_forms: dict[str, IntakeFormSettings] = Field(
        default_factory=dict,
        description="field forms by form id (JSON), e.g. "
        '{"purna_registrasi_ntb": {"office": "NTB", "secret": "...", "odk_project_id": 3}}',
    )
    odk_central_url: str | None = Field(None, description="ODK Central base URL (pull)")
    odk_central_username: str | None = None
    odk_central_password: SecretStr | None = None

    def development_secrets(self) -> list[str]:
        found = super().development_secrets()
        if self.nik_secret == DEFAULT_DEV_NIK_SECRET:
            found.append("nik_secret")
        return found
