"""Property-based run over the OpenAPI schema: whatever schemathesis generates, valid or not,
the API answers with a problem or a result, never a 500.

Requests are sent in-process to the ASGI app (schemathesis runs its lifespan) with an NTB
operator's token, so they reach the handlers and the database rather than stopping at 401.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.python import asgi

from purna_registration.entrypoints.api import create_app
from purna_registration.settings import RegistrationSettings

pytestmark = pytest.mark.integration

#: examples per operation: enough to hit every branch of the request models, bounded in time
EXAMPLES = 25


def test_no_generated_request_gets_a_500(
    settings: RegistrationSettings, auth: Callable[..., dict[str, str]]
) -> None:
    app = create_app(settings)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operator, admin = auth("operator", office="NTB"), auth("admin")
    failures: list[str] = []
    operations = 0
    try:
        for result in schema.get_all_operations():
            operation = result.ok()
            operations += 1
            # the audit log is for admins and auditors; everything else for an NTB operator
            headers = admin if operation.path == "/audit-log" else operator

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
                response = case.call(headers=headers)  # noqa: B023 - called in this iteration
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
    finally:
        asgi.shutdown_lifespans()
    assert operations >= 14
    assert failures == []
