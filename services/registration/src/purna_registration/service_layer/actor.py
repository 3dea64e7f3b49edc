"""Who is acting, as the service layer sees it (built from the verified token)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    subject: str
    roles: frozenset[str]
    office: str | None = None
    #: the route and request id, for the audit trail
    route: str | None = None
    request_id: str | None = None

    @property
    def main_role(self) -> str:
        for role in ("admin", "operator", "auditor"):
            if role in self.roles:
                return role
        return min(self.roles) if self.roles else "none"
