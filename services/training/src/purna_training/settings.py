"""The training service's settings (env ``TRAINING_<FIELD>``, then ``<FIELD>``)."""

from __future__ import annotations

from typing import ClassVar

from purna_shared.settings import PurnaSettings


class TrainingSettings(PurnaSettings):
    service: ClassVar[str] = "training"

    http_port: int = 8002
