"""Issue 15 item 9: hand-made extremes never get a 5xx from any API.

Every GET operation of every service's OpenAPI document is called with each of its integer
and date parameters set, one at a time, to extremes: past PostgreSQL's bigint, negative, zero,
huge pages, the first and last representable dates. Path parameters get a huge number and an
unknown id. The answer must be a result or a precise 4xx, never a 5xx. Real PostgreSQL and
Redis; an admin's token, so requests reach the handlers.
"""

from __future__ import annotations

import importlib
from typing import Any

import httpx
import pytest

from purna.services import SERVICES
from purna_shared.http.auth import mint_token
from purna_shared.testing.plugin import DatabaseFactory

pytestmark = pytest.mark.integration

INTEGERS = ["9223372036854775808", "99999999999999999999999", "-9223372036854775809", "-1", "0"]
DATES = ["9999-12-31", "0001-01-01"]
PATH_VALUES = ["9223372036854775808", "00000000-0000-0000-0000-000000000000"]


def _kind(schema: dict[str, Any]) -> str | None:
    for option in [schema, *schema.get("anyOf", [])]:
        if option.get("type") == "integer":
            return "integer"
        if option.get("format") in ("date", "date-time"):
            return "date"
    return None


def _requests(spec: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    """(path, query) pairs covering every extreme of every GET operation."""
    out: list[tuple[str, dict[str, str]]] = []
    for template, item in spec["paths"].items():
        operation = item.get("get")
        if operation is None or template in ("/livez", "/readyz"):
            continue
        params = operation.get("parameters", [])
        path_params = [p["name"] for p in params if p["in"] == "path"]
        paths = []
        for value in PATH_VALUES:
            path = template
            for name in path_params:
                path = path.replace("{" + name + "}", value)
            paths.append(path)
        out += [(path, {}) for path in paths]
        for param in (p for p in params if p["in"] == "query"):
            kind = _kind(param.get("schema", {}))
            values = INTEGERS if kind == "integer" else DATES if kind == "date" else []
            out += [(paths[0], {param["name"]: v}) for v in values]
    return out


@pytest.mark.parametrize("service", [s.name for s in SERVICES])
async def test_no_extreme_gets_a_5xx(
    service: str, database_factory: DatabaseFactory, redis_url: str, stream_prefix: str
) -> None:
    descriptor = next(s for s in SERVICES if s.name == service)
    settings_cls = type(descriptor.settings())
    values: dict[str, Any] = {
        "database_url": await database_factory.create(descriptor.migrations_dir()),
        "redis_url": redis_url,
        "stream_prefix": stream_prefix,
        "jwt_secret": "extremes-test-secret-0123456789abcdef",
        "log_json": False,
    }
    if "nik_secret" in settings_cls.model_fields:
        values["nik_secret"] = "extremes-test-nik-secret-0123456789"
    settings = settings_cls(**values)
    app = importlib.import_module(f"purna_{service}.entrypoints.api").create_app(settings)
    headers = {"Authorization": f"Bearer {mint_token(settings, role='admin')}"}
    failures = []
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        spec = (await client.get("/openapi.json")).json()
        requests = _requests(spec)
        for path, query in requests:
            response = await client.get(path, params=query, headers=headers)
            if response.status_code >= 500:
                failures.append(f"GET {path} {query} -> {response.status_code}")
    assert len(requests) >= 10
    assert failures == []
