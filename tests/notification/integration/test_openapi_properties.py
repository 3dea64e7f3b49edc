"""Property-based run over the notification OpenAPI schema: whatever schemathesis generates,
valid or not, the API answers with a result or a problem document, never a 500."""

from __future__ import annotations

import asyncio

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.python import asgi

from purna_notification.entrypoints.api import create_app
from purna_shared.http.auth import Role, mint_token

from .conftest import World

pytestmark = pytest.mark.integration

EXAMPLES = 25


async def test_no_generated_request_gets_a_500(world: World) -> None:
    await world.register({"participant_id": "p-1", "phone": "+6281234567890"})
    await world.consume()  # a delivery behind the log
    app = create_app(world.settings)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {mint_token(world.settings, role=Role.ADMIN)}"}
    failures: list[str] = []
    operations = 0

    def run() -> None:
        nonlocal operations
        for result in schema.get_all_operations():
            operation = result.ok()
            operations += 1

            @given(case=operation.as_strategy())
            @hypothesis_settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def check(case: schemathesis.Case) -> None:
                response = case.call(headers=headers)
                if response.status_code >= 500 and case.formatted_path != "/readyz":
                    failures.append(
                        f"{case.method} {case.formatted_path} -> {response.status_code}: "
                        f"{response.text[:300]}"
                    )
                elif response.status_code >= 400:
                    assert response.headers["content-type"][0].startswith(
                        "application/problem+json"
                    ), (case.method, case.formatted_path, response.status_code)

            check()

    try:
        # schemathesis drives the ASGI app synchronously (its own loop): keep it off ours
        await asyncio.to_thread(run)
    finally:
        asgi.shutdown_lifespans()
    assert operations >= 5
    assert failures == []
