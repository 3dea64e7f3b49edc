"""The mutation operators Purna adds to cosmic-ray make exactly the mutants they promise."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from cosmic_ray.mutating import mutate_code

pytestmark = pytest.mark.unit


def _operators() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "purna_mutation_operators", Path(__file__).with_name("operators.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


OPERATORS = _operators().OPERATORS


@pytest.mark.parametrize(
    ("name", "example"),
    [(name, ex) for name, cls in OPERATORS.items() for ex in cls.examples()],
)
def test_operator_examples(name: str, example: object) -> None:
    operator = OPERATORS[name]()
    got = mutate_code(example.pre_mutation_code, operator, example.occurrence)  # type: ignore[attr-defined]
    assert got == example.post_mutation_code  # type: ignore[attr-defined]


def test_prose_and_docstrings_are_not_mutated() -> None:
    code = 'def f():\n    """Doc."""\n    raise ValueError("not a rule")\n'
    assert mutate_code(code, OPERATORS["ChangeString"](), 0) is None


def test_min_max_only_when_called() -> None:
    assert mutate_code("x = max\n", OPERATORS["SwapMinMax"](), 0) is None
