"""Property-based run over the credit OpenAPI schema on PostgreSQL: whatever schemathesis
generates, valid or not, the API answers with a result or a problem document, never a 500."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.python import asgi

from purna_credit.entrypoints.api import create_app

pytestmark = pytest.mark.integration

EXAMPLES = 20


async def test_no_generated_request_gets_a_500(credit_world: Any) -> None:
    world = credit_world
    pqs = await world.prequalify([world.registered("p-1")])  # some data behind the ids
    assert pqs
    app = create_app(world.settings)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {world.token('admin')}"}
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
                if response.status_code >= 500:
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
    assert operations >= 14
    assert failures == []
