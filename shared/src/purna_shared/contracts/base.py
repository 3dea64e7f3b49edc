"""Base of every integration event payload, and the marker for personal data."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

#: JSON Schema keyword that marks a field holding personal data (UU PDP No. 27/2022)
PERSONAL_DATA_KEY = "x-personal-data"


def Personal(description: str, **kwargs: Any) -> Any:  # noqa: N802 - reads like Field
    """A field that holds personal data: marked in the JSON Schema and masked in logs."""
    extra = dict(kwargs.pop("json_schema_extra", None) or {})
    extra[PERSONAL_DATA_KEY] = True
    return Field(description=description, json_schema_extra=extra, **kwargs)


class IntegrationEvent(BaseModel):
    """Payload of an event published on a Redis stream.

    Subclasses set ``name`` (kebab-case, e.g. ``participant-registered``), ``major`` (version),
    ``producer`` (the service) and ``subject_field`` (the aggregate id put in the envelope's
    ``subject``). Unknown fields are ignored so that additive changes keep the major version.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    name: ClassVar[str]
    major: ClassVar[int] = 1
    producer: ClassVar[str]
    subject_field: ClassVar[str]

    @classmethod
    def event_type(cls) -> str:
        """CloudEvents ``type``: the stream's base name, e.g. ``purna.session-completed.v1``."""
        return f"purna.{cls.name}.v{cls.major}"

    @classmethod
    def stream(cls, prefix: str = "") -> str:
        """The Redis stream key of this event type and major version."""
        return f"{prefix}{cls.event_type()}"

    @classmethod
    def dataschema(cls) -> str:
        """CloudEvents ``dataschema``: the committed JSON Schema file of this version."""
        return f"schemas/events/{cls.name}.v{cls.major}.json"

    @classmethod
    def personal_fields(cls) -> frozenset[str]:
        """Top-level field names marked as personal data."""
        return frozenset(
            name
            for name, f in cls.model_fields.items()
            if isinstance(f.json_schema_extra, dict) and f.json_schema_extra.get(PERSONAL_DATA_KEY)
        )

    def subject(self) -> str:
        return str(getattr(self, self.subject_field))
