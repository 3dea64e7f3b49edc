"""Settings of the credit service (env ``CREDIT_<FIELD>`` then ``<FIELD>``)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import Field

from purna_shared.settings import PurnaSettings


class CreditSettings(PurnaSettings):
    service: ClassVar[str] = "credit"

    http_port: int = 8003
    kur_rules_file: Path | None = Field(
        None,
        description="JSON or YAML file overriding the built-in KUR rules (it must set `version`)",
    )
    sweep_interval_s: float = Field(
        60.0,
        gt=0,
        description="how often the worker expires lapsed reservations and promotes the waitlist",
    )
    assessment_delay_ms: int = Field(
        0,
        ge=0,
        description="TEST ONLY: pause after each assessment, so a crash test can kill the "
        "worker in the middle of a session",
    )
