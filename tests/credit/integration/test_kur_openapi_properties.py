"""Property-based run over the credit OpenAPI schema on PostgreSQL: whatever schemathesis
generates, valid or not, the API answers with a result or a problem document, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from purna_credit.entrypoints.api import create_app
from purna_shared.testing.openapi import exercise_openapi_async

pytestmark = pytest.mark.integration

EXAMPLES = 20


async def test_no_generated_request_gets_a_500(credit_world: Any) -> None:
    world = credit_world
    pqs = await world.prequalify([world.registered("p-1")])  # some data behind the ids
    assert pqs
    app = create_app(world.settings)
    headers = {"Authorization": f"Bearer {world.token('admin')}"}
    operations, failures = await exercise_openapi_async(app, headers=headers, max_examples=EXAMPLES)
    assert operations >= 14
    assert failures == []
