"""Failures of the use cases that are not rule violations."""

from __future__ import annotations

from purna_shared import errors


class NotFoundError(errors.NotFoundError):
    """Nothing of that kind with that id (or not visible to the caller)."""

    def __init__(self, kind: str, identifier: str) -> None:
        super().__init__(f"No {kind} {identifier}.")
        self.kind = kind
        self.identifier = identifier


class UnknownProgrammeError(Exception):
    def __init__(self, code: str, known: list[str]) -> None:
        super().__init__(f"no programme {code!r}; known programmes: {', '.join(known)}")
        self.code = code
        self.known = known
