"""Property-based run over a service's OpenAPI document: schemathesis generates requests for
every operation, valid or not, and sends them in-process to the ASGI app (running its
lifespan). Every error answer must be problem+json; a 5xx is collected as a failure.

The caller asserts on what comes back, so each service states its own floor::

    operations, failures = exercise_openapi(create_app(settings), headers=..., max_examples=20)
    assert operations >= 14
    assert failures == []

Needs ``schemathesis`` and ``hypothesis`` (Purna's dev dependency group).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.core.result import Err
from schemathesis.python import asgi

#: headers for every operation, or a function of the operation's path giving them
Headers = Mapping[str, str] | Callable[[str], Mapping[str, str]]


class OpenAPIRun(NamedTuple):
    operations: int
    failures: list[str]


def exercise_openapi(app: Any, *, headers: Headers, max_examples: int) -> OpenAPIRun:
    """Send ``max_examples`` generated requests to each operation of ``app``'s /openapi.json.

    Raises AssertionError (after shrinking) when an error answer is not problem+json; returns
    how many operations were exercised and one line per request answered with a 5xx."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    operations = 0
    try:
        for result in schema.get_all_operations():
            if isinstance(result, Err):
                raise result.err()  # the document itself is broken
            operation = result.ok()
            operations += 1
            wanted = headers(operation.path) if callable(headers) else headers
            _check_operation(operation, dict(wanted), max_examples, failures)
    finally:
        asgi.shutdown_lifespans()
    return OpenAPIRun(operations, failures)


async def exercise_openapi_async(app: Any, *, headers: Headers, max_examples: int) -> OpenAPIRun:
    """:func:`exercise_openapi` from an async test: schemathesis drives the ASGI app
    synchronously on its own loop, so it runs in a thread, off the test's loop."""
    return await asyncio.to_thread(
        exercise_openapi, app, headers=headers, max_examples=max_examples
    )


def _check_operation(
    operation: Any, headers: dict[str, str], max_examples: int, failures: list[str]
) -> None:
    @given(case=operation.as_strategy())
    @hypothesis_settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case[Any]) -> None:
        response = case.call(headers=headers)
        if response.status_code >= 500:
            failures.append(
                f"{case.method} {case.formatted_path} -> {response.status_code}: "
                f"{response.text[:300]}"
            )
        elif response.status_code >= 400:
            assert response.headers["content-type"][0].startswith("application/problem+json"), (
                case.method,
                case.formatted_path,
                response.status_code,
            )

    check()
