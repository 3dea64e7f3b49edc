"""Who may see and change which session.

* admin: everything; auditor: reads everything, changes nothing (the shared role checks).
* operator: sessions of the BP3MI office in its token.
* trainer: the sessions whose ``trainer`` is the token's subject; takes their attendance and
  assessments, reads them, nothing else.

A session the caller may not see answers 404, so its existence is not revealed.
"""

from __future__ import annotations

from dataclasses import replace

from purna_shared.http.auth import OFFICE_WIDE_ROLES, Principal, Role, ensure_office
from purna_shared.http.problems import ProblemError

from ..adapters.repository import SessionFilter
from ..domain.sessions import TrainingSession
from ..service_layer.sessions import Authorize


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.strip().casefold() == b.strip().casefold()


def _operator_of(principal: Principal, session: TrainingSession) -> bool:
    return principal.has(Role.OPERATOR) and _same(principal.office, session.office)


def _trainer_of(principal: Principal, session: TrainingSession) -> bool:
    return principal.has(Role.TRAINER) and principal.subject == session.trainer


def _hidden() -> ProblemError:
    return ProblemError(404, "Not Found", "No such session.")


def may_read(principal: Principal) -> Authorize:
    def check(session: TrainingSession) -> None:
        if principal.has(*OFFICE_WIDE_ROLES):
            return
        if _operator_of(principal, session) or _trainer_of(principal, session):
            return
        raise _hidden()

    return check


def may_manage(principal: Principal) -> Authorize:
    """Enrol, cancel, complete: the session's office (or admin)."""

    def check(session: TrainingSession) -> None:
        if not principal.has(Role.ADMIN) and not _operator_of(principal, session):
            may_read(principal)(session)  # someone who can't see it gets a 404, not a 403
        ensure_office(principal, session.office, unscoped=(Role.ADMIN,))

    return check


def may_teach(principal: Principal) -> Authorize:
    """Attendance and assessments: the session's own trainer, its office, or admin."""

    def check(session: TrainingSession) -> None:
        if principal.has(Role.ADMIN) or _operator_of(principal, session):
            return
        if _trainer_of(principal, session):
            return
        may_read(principal)(session)
        raise ProblemError(
            403,
            "Forbidden",
            "Only the session's trainer or staff of its BP3MI office may do this.",
        )

    return check


def visible_sessions(principal: Principal, wanted: SessionFilter) -> SessionFilter:
    """Narrow a listing to what the caller may see."""
    if principal.has(*OFFICE_WIDE_ROLES):
        return wanted
    if principal.has(Role.OPERATOR) and principal.office:
        if wanted.office is not None and not _same(wanted.office, principal.office):
            raise ProblemError(
                403,
                "Forbidden",
                f"Your token is for BP3MI office {principal.office}, not {wanted.office}.",
            )
        return replace(wanted, office=principal.office)
    if principal.has(Role.TRAINER):
        return replace(wanted, trainer=principal.subject)
    raise ProblemError(403, "Forbidden", "Your token carries no office or trainer role.")


def ensure_may_schedule(principal: Principal, office: str) -> None:
    ensure_office(principal, office, unscoped=(Role.ADMIN,))
