"""The services' HTTP APIs, called with the signed-in user's own token.

The console has no other way in: every authorization rule (role, BP3MI office, bank) stays in
the service that owns the data, so the console can never show more than the user's token may
read. A service that does not answer raises :class:`ServiceUnavailableError` naming it, so a
page can say which part is down and show the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from ..settings import ConsoleSettings

log = logging.getLogger(__name__)

ServiceName = Literal["registration", "training", "credit", "notification"]

#: how the services are named to users
SERVICE_LABELS: dict[str, str] = {
    "registration": "layanan pendaftaran",
    "training": "layanan pelatihan",
    "credit": "layanan kredit (KUR)",
    "notification": "layanan notifikasi",
}


@dataclass
class ApiError(Exception):
    """A service refused the request: its problem+json, in the service's words."""

    service: str
    status: int
    title: str
    detail: str
    errors: list[dict[str, Any]] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.service} {self.status}: {self.detail}"

    def field_errors(self) -> dict[str, str]:
        """Field path (``address.regency_code``) to message; the first message per field."""
        found: dict[str, str] = {}
        for error in self.errors:
            name = str(error.get("field") or "")
            message = str(error.get("message") or "tidak valid")
            found.setdefault(name, message)
        return found


@dataclass
class ServiceUnavailableError(Exception):
    """A service did not answer (down, timed out, or answered 502-504)."""

    service: str

    @property
    def label(self) -> str:
        return SERVICE_LABELS.get(self.service, self.service)

    def __str__(self) -> str:
        return f"{self.service} unavailable"


def _problem(service: str, response: httpx.Response) -> ApiError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    errors = body.get("errors") if isinstance(body.get("errors"), list) else []
    return ApiError(
        service=service,
        status=response.status_code,
        title=str(body.get("title") or response.reason_phrase),
        detail=str(body.get("detail") or body.get("title") or response.reason_phrase),
        errors=[e for e in errors or [] if isinstance(e, dict)],
    )


class Services:
    """One client for the four APIs (one connection pool per process)."""

    def __init__(self, settings: ConsoleSettings, client: httpx.AsyncClient) -> None:
        self._client = client
        self._base: dict[str, str] = {
            "registration": settings.registration_url.rstrip("/"),
            "training": settings.training_url.rstrip("/"),
            "credit": settings.credit_url.rstrip("/"),
            "notification": settings.notification_url.rstrip("/"),
        }

    async def request(
        self,
        service: ServiceName,
        method: str,
        path: str,
        token: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        files: Any = None,
        data: Mapping[str, Any] | None = None,
        request_id: str | None = None,
    ) -> httpx.Response:
        """The raw response; raises :class:`ServiceUnavailableError` when the service is down and
        :class:`ApiError` for any 4xx/5xx answer."""
        sent = {"Authorization": f"Bearer {token}", **(headers or {})}
        if request_id:
            sent["X-Request-ID"] = request_id
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        try:
            response = await self._client.request(
                method,
                self._base[service] + path,
                params=clean,
                json=json,
                headers=sent,
                files=files,
                data=data,
            )
        except httpx.TransportError as exc:
            log.warning("%s unreachable: %s", service, type(exc).__name__)
            raise ServiceUnavailableError(service) from exc
        if response.status_code in (502, 503, 504):
            raise ServiceUnavailableError(service)
        if response.status_code >= 400:
            raise _problem(service, response)
        return response

    async def get(self, service: ServiceName, path: str, token: str, **params: Any) -> Any:
        """GET a JSON document."""
        return (await self.request(service, "GET", path, token, params=params)).json()

    async def send(
        self,
        service: ServiceName,
        method: str,
        path: str,
        token: str,
        body: Any = None,
        *,
        idempotency_key: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """POST/PUT/PATCH/DELETE a JSON body; the answer's JSON (or None when empty)."""
        sent = dict(headers or {})
        if idempotency_key:
            sent["Idempotency-Key"] = idempotency_key
        response = await self.request(service, method, path, token, json=body, headers=sent)
        if not response.content:
            return None
        return response.json()
