"""Validation errors that name the field at fault and say why."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """One rule a value broke. ``field`` is the request path (``address.regency_code``)."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class ValidationFailed(ValueError):  # noqa: N818 - reads as the outcome
    """A command broke one or more rules; ``errors`` lists every one of them."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors: tuple[FieldError, ...] = tuple(errors)
        super().__init__("; ".join(str(e) for e in self.errors))

    @classmethod
    def single(cls, field: str, message: str) -> ValidationFailed:
        return cls([FieldError(field, message)])


class ConsentWithdrawnError(Exception):
    """The participant withdrew consent: their record may be read but no longer processed."""
