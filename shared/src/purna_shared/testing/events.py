"""Event builders for tests, from the contracts' own examples (the ones the JSON Schemas and
the AsyncAPI document publish): a test names only what it is about."""

from __future__ import annotations

import copy
from typing import Any, TypeVar

from ..contracts.base import IntegrationEvent

E = TypeVar("E", bound=IntegrationEvent)


def example(model: type[E], /, **overrides: Any) -> E:
    """The first documented example of ``model`` with ``overrides`` (JSON-shaped values),
    validated like an event off the wire."""
    extra = model.model_config.get("json_schema_extra")
    examples = extra.get("examples") if isinstance(extra, dict) else None
    if not isinstance(examples, list) or not isinstance(examples[0], dict):
        raise ValueError(f"{model.__name__} documents no example")
    data: dict[str, Any] = copy.deepcopy(examples[0])
    data.update(overrides)
    return model.model_validate(data)
