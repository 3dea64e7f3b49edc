"""Settings: one pydantic-settings object per service, all sharing this base.

Variables are read as ``<SERVICE>_<FIELD>`` first (e.g. ``REGISTRATION_DATABASE_URL``), then
``<FIELD>`` (e.g. ``REDIS_URL``), so one environment can configure all four services while a
deployment can still override one of them.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

DEFAULT_DEV_JWT_SECRET = "purna-development-secret-change-me-in-production"


class _ServicePrefixedEnv(PydanticBaseSettingsSource):
    """Reads ``<SERVICE>_<FIELD>`` then ``<FIELD>`` from the environment."""

    def __init__(self, settings_cls: type[BaseSettings], prefix: str) -> None:
        super().__init__(settings_cls)
        self._prefix = prefix

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        keys = [f"{self._prefix}{field_name}", field_name] if self._prefix else [field_name]
        for key in (k.upper() for k in keys):
            value = os.environ.get(key)
            if value is not None:
                return value, key, False
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            value, _, _ = self.get_field_value(field, name)
            if value is not None:
                data[name] = value
        return data


class PurnaSettings(BaseSettings):
    """What every Purna process needs: Redis, its database, stream and consumer tuning, auth."""

    model_config = SettingsConfigDict(extra="ignore", validate_default=True)

    #: service name; also the consumer group name and the `source` of its events
    service: ClassVar[str] = "purna"

    redis_url: str = Field("redis://127.0.0.1:6379/0", description="Redis holding the streams")
    database_url: str = Field("", description="SQLAlchemy URL; empty means ./var/<service>.db")
    data_dir: Path = Field(Path("var"), description="where embedded (SQLite) data lives")
    db_pool_size: int = Field(10, ge=1, description="PostgreSQL connections a process keeps open")
    db_max_overflow: int = Field(
        20, ge=0, description="extra PostgreSQL connections under bursts, closed after each use"
    )

    stream_prefix: str = Field("", description="prefix for every stream key (tests isolate)")
    stream_maxlen: int = Field(1_000_000, description="approximate MAXLEN for XADD")
    consumer_name: str = Field(
        default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}",
        description="unique per process",
    )
    consumer_batch: int = Field(100, ge=1, le=10_000)
    consumer_block_ms: int = Field(1000, ge=1)
    reclaim_idle_ms: int = Field(
        30_000, ge=1, description="pending entries idle this long are reclaimed"
    )
    reclaim_interval_ms: int = Field(5_000, ge=1)
    max_deliveries: int = Field(5, ge=1, description="deliveries before an entry is dead-lettered")
    outage_backoff_initial_ms: int = Field(
        200, ge=1, description="first wait before retrying deliveries held during an outage"
    )
    outage_backoff_max_ms: int = Field(
        5000, ge=1, description="longest wait between probes of an unavailable dependency"
    )
    outbox_retention_hours: float = Field(
        168,
        gt=0,
        description="published outbox rows are kept this long, so a Redis that lost its data "
        "can be refilled (`purna outbox republish --since`), then deleted",
    )
    inbox_retention_hours: float = Field(
        720,
        gt=0,
        description="handled-event ids are kept this long; must exceed the outbox retention so "
        "that a re-published event is still recognised as handled",
    )
    idempotency_key_retention_hours: float = Field(
        24, gt=0, description="stored responses of Idempotency-Key requests are kept this long"
    )
    retention_sweep_interval_s: float = Field(
        600, gt=0, description="how often the worker deletes rows past their retention"
    )
    retention_sweep_chunk: int = Field(
        5000, ge=1, description="rows deleted per transaction by the sweeper (short locks)"
    )
    relay_batch: int = Field(500, ge=1)
    relay_poll_ms: int = Field(
        1000, ge=10, description="relay fallback poll when no NOTIFY arrives"
    )

    jwt_secret: str = Field(DEFAULT_DEV_JWT_SECRET, description="HS256 secret (development)")
    jwt_jwks_url: str | None = Field(None, description="RS256 JWKS URL (production OIDC)")
    jwt_issuer: str = Field("purna", description="expected `iss`")
    jwt_audience: str = Field("purna", description="expected `aud`")

    log_level: str = "INFO"
    log_json: bool = True
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    http_max_body_bytes: int = Field(
        1024 * 1024, ge=1024, description="largest JSON request body an API reads (413 above)"
    )
    worker_http_port: int | None = Field(
        None, description="when set, the worker serves /livez, /readyz and /metrics on this port"
    )

    @model_validator(mode="after")
    def _inbox_outlives_outbox(self) -> PurnaSettings:
        if self.inbox_retention_hours <= self.outbox_retention_hours:
            raise ValueError(
                "inbox_retention_hours must exceed outbox_retention_hours: an event re-published "
                "from the outbox must still find its id in the consumers' inboxes"
            )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        prefix = "" if cls.service == "purna" else f"{cls.service}_"
        return (init_settings, _ServicePrefixedEnv(settings_cls, prefix), file_secret_settings)

    @property
    def engine_options(self) -> dict[str, int]:
        """Pool sizing for ``make_engine``: size it so replicas x pool fits max_connections and
        the steady concurrency stays inside the pool (overflow connections are reopened per use).
        SQLite keeps its own pool."""
        if self.resolved_database_url.startswith("postgres"):
            return {"pool_size": self.db_pool_size, "max_overflow": self.db_max_overflow}
        return {}

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to an embedded SQLite file per service."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / (self.service + '.db')}"
