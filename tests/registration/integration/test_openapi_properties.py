"""Property-based run over the OpenAPI schema: whatever schemathesis generates, valid or not,
the API answers with a problem or a result, never a 500.

Requests are sent in-process to the ASGI app (schemathesis runs its lifespan) with an NTB
operator's token, so they reach the handlers and the database rather than stopping at 401.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from purna_registration.entrypoints.api import create_app
from purna_registration.settings import RegistrationSettings
from purna_shared.testing.openapi import exercise_openapi

pytestmark = pytest.mark.integration

#: examples per operation: enough to hit every branch of the request models, bounded in time
EXAMPLES = 25


def test_no_generated_request_gets_a_500(
    settings: RegistrationSettings, auth: Callable[..., dict[str, str]]
) -> None:
    app = create_app(settings)
    operator, admin = auth("operator", office="NTB"), auth("admin")

    def headers(path: str) -> dict[str, str]:
        # the audit log is for admins and auditors; everything else for an NTB operator
        return admin if path == "/audit-log" else operator

    operations, failures = exercise_openapi(app, headers=headers, max_examples=EXAMPLES)
    assert operations >= 14
    assert failures == []
