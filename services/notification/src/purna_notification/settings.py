"""Settings of the notification service (env ``NOTIFICATION_<FIELD>``, then ``<FIELD>``)."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, SecretStr, model_validator

from purna_shared.reference import Zone, seed_office
from purna_shared.settings import PurnaSettings

from .domain.retry import RetryPolicy
from .domain.schedule import DEFAULT_HOME_OFFICE, QuietHours, ReminderRule, home_zone

DeliveryMode = Literal["console", "gateway"]


#: development-only gateway signing secret; a deployment sets NOTIFICATION_GATEWAY_SECRET
DEFAULT_DEV_GATEWAY_SECRET = "purna-gateway-development-secret"


class NotificationSettings(PurnaSettings):
    """What the notification api and worker read from the environment."""

    service: ClassVar[str] = "notification"
    http_port: int = 8004

    delivery: DeliveryMode = Field(
        "console",
        description="console: log (masked) and record as sent, for development; "
        "gateway: email over SMTP, SMS and WhatsApp through the HTTP gateway",
    )

    smtp_host: str = Field("127.0.0.1", description="SMTP server for e-mail")
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_user: str | None = Field(None, description="SMTP login; none means no AUTH")
    smtp_password: SecretStr | None = None
    smtp_sender: str = Field(
        "BP3MI NTB <no-reply@purna.bp3mi-ntb.go.id>", description="From: of every e-mail"
    )
    smtp_starttls: bool = Field(False, description="upgrade the connection with STARTTLS")
    smtp_tls: bool = Field(False, description="implicit TLS (port 465)")
    smtp_timeout_seconds: float = Field(15.0, gt=0)

    gateway_url: str = Field(
        "http://127.0.0.1:9090/v1/messages", description="SMS/WhatsApp gateway endpoint (POST)"
    )
    gateway_key_id: str = Field("purna-notification", description="key id sent with signatures")
    gateway_secret: SecretStr = Field(
        SecretStr(DEFAULT_DEV_GATEWAY_SECRET), description="HMAC-SHA256 signing secret"
    )
    gateway_timeout_seconds: float = Field(10.0, gt=0)

    quiet_hours_start: time = Field(
        time(21, 0),
        description="recipient's local time from which no SMS/WhatsApp is sent",
    )
    quiet_hours_end: time = Field(time(7, 0), description="recipient's local time they end")
    reminder_days_before: int = Field(1, ge=0, le=14)
    reminder_time: time = Field(
        time(9, 0), description="recipient's local time of the session reminder"
    )
    home_office: str = Field(
        DEFAULT_HOME_OFFICE,
        description="BP3MI office whose zone applies to a recipient with no known province or "
        "office",
    )

    templates_dir: Path | None = Field(
        None, description="folder whose <template>/<channel>.j2 files override the built-in ones"
    )

    retry_max_attempts: int = Field(6, ge=1, le=50, description="attempts before failing")
    retry_base_seconds: float = Field(5.0, gt=0, description="first backoff")
    retry_max_delay_seconds: float = Field(900.0, gt=0, description="backoff cap")

    dispatch_concurrency: int = Field(16, ge=1, le=1000, description="sends in flight per process")
    dispatch_poll_ms: int = Field(1000, ge=10, description="fallback poll for due deliveries")
    dispatch_lease_seconds: float = Field(
        120.0, gt=0, description="a claim older than this is presumed dead and retried"
    )

    @model_validator(mode="after")
    def _lease_outlives_a_send(self) -> NotificationSettings:
        longest = max(self.gateway_timeout_seconds, self.smtp_timeout_seconds)
        if self.dispatch_lease_seconds <= longest:
            raise ValueError(
                "dispatch_lease_seconds must exceed the gateway and SMTP timeouts, "
                "or a slow send would be claimed and sent again by another dispatcher"
            )
        return self

    @model_validator(mode="after")
    def _home_office_is_known(self) -> NotificationSettings:
        if seed_office(self.home_office) is None:
            raise ValueError(f"home_office {self.home_office!r} is not a known BP3MI office")
        return self

    @property
    def home_zone(self) -> Zone:
        return home_zone(self.home_office)

    @property
    def quiet_hours(self) -> QuietHours:
        return QuietHours(self.quiet_hours_start, self.quiet_hours_end)

    @property
    def reminder_rule(self) -> ReminderRule:
        return ReminderRule(self.reminder_days_before, self.reminder_time)

    @property
    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.retry_max_attempts,
            base_seconds=self.retry_base_seconds,
            max_delay_seconds=self.retry_max_delay_seconds,
        )

    def development_secrets(self) -> list[str]:
        found = super().development_secrets()
        if self.gateway_secret.get_secret_value() == DEFAULT_DEV_GATEWAY_SECRET:
            found.append("gateway_secret")
        return found
