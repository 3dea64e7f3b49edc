"""Property-based run over the training OpenAPI schema on PostgreSQL: whatever schemathesis
generates, valid or not, the API answers with a result or a problem document, never a 500."""

from __future__ import annotations

import pytest

from purna_shared.http.auth import Role, mint_token
from purna_shared.testing.openapi import exercise_openapi_async
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
    headers = {"Authorization": f"Bearer {mint_token(training.settings, role=Role.ADMIN)}"}
    operations, failures = await exercise_openapi_async(app, headers=headers, max_examples=EXAMPLES)
    assert operations >= 15
    assert failures == []
