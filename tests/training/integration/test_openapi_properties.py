"""Property-based run over the training OpenAPI schema on PostgreSQL: whatever schemathesis
generates, valid or not, the API answers with a result or a problem document, never a 500."""

from __future__ import annotations

import asyncio

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.python import asgi

from purna_shared.http.auth import Role, mint_token
from purna_training.entrypoints.api import create_app

from .conftest import TrainingWorld, schedule

pytestmark = pytest.mark.integration

EXAMPLES = 15


async def test_no_generated_request_gets_a_500(training: TrainingWorld) -> None:
    await training.register(["p-1"])
    session_id = await schedule(training.client())  # some data behind the ids
    await training.client().post(
        f"/sessions/{session_id}/enrollments", json={"participant_id": "p-1"}
    )
    app = create_app(training.settings, clock=training.clock)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {mint_token(training.settings, role=Role.ADMIN)}"}
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
    assert operations >= 15
    assert failures == []
