"""Property-based run over the notification OpenAPI schema: whatever schemathesis generates,
valid or not, the API answers with a result or a problem document, never a 500."""

from __future__ import annotations

import pytest

from purna_notification.entrypoints.api import create_app
from purna_shared.http.auth import Role, mint_token
from purna_shared.testing.openapi import exercise_openapi_async

from .conftest import World

pytestmark = pytest.mark.integration

EXAMPLES = 25


async def test_no_generated_request_gets_a_500(world: World) -> None:
    await world.register({"participant_id": "p-1", "phone": "+6281234567890"})
    await world.consume()  # a delivery behind the log
    headers = {"Authorization": f"Bearer {mint_token(world.settings, role=Role.ADMIN)}"}
    operations, failures = await exercise_openapi_async(
        create_app(world.settings), headers=headers, max_examples=EXAMPLES
    )
    assert operations >= 5
    assert failures == []
