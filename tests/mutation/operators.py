"""The mutation operators Purna adds to cosmic-ray's core set (provider name ``purna``).

cosmic-ray mutates operators, numbers, booleans and loops; the domain rules also fail in the
ways these model: a guard whose ``raise`` is lost, an early ``return`` that falls through, a
changed string constant (a status, a code, a prefix), ``min`` and ``max`` confused, and a
membership test turned around. Each operator works on parso trees as cosmic-ray's own do.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import parso
from cosmic_ray.operators.operator import Example, Operator
from parso.python.tree import Keyword

Position = tuple[tuple[int, int], tuple[int, int]]


def _pass_like(node: Any) -> Keyword:
    """A ``pass`` statement that keeps ``node``'s leading whitespace and comments."""
    return Keyword("pass", node.start_pos, prefix=node.get_first_leaf().prefix)


class _DeleteStatement(Operator):
    """Replaces a whole ``<keyword> ...`` statement (or the bare keyword) with ``pass``."""

    keyword = ""
    node_type = ""

    def mutation_positions(self, node: Any) -> Iterator[Position]:
        if node.type == self.node_type or (
            isinstance(node, Keyword)
            and node.value == self.keyword
            and node.parent is not None
            and node.parent.type != self.node_type
        ):
            yield (node.start_pos, node.end_pos)

    def mutate(self, node: Any, index: int) -> Any:
        return _pass_like(node)


class DeleteRaise(_DeleteStatement):
    """A lost guard: ``raise SomeError(...)`` becomes ``pass``."""

    keyword = "raise"
    node_type = "raise_stmt"

    @classmethod
    def examples(cls) -> tuple[Example, ...]:
        return (
            Example("if x:\n    raise ValueError('no')\n", "if x:\n    pass\n"),
            Example(
                "try:\n    f()\nexcept E:\n    raise\n", "try:\n    f()\nexcept E:\n    pass\n"
            ),
        )


class DeleteReturn(_DeleteStatement):
    """A lost early exit or result: ``return x`` becomes ``pass`` (so the code falls through)."""

    keyword = "return"
    node_type = "return_stmt"

    @classmethod
    def examples(cls) -> tuple[Example, ...]:
        return (Example("def f():\n    return 1\n", "def f():\n    pass\n"),)


def _is_docstring_like(leaf: Any) -> bool:
    """A string that is a whole expression statement (a docstring) can't change behaviour."""
    parent = leaf.parent
    if parent is not None and parent.type == "strings":
        parent = parent.parent
    return parent is not None and parent.type in {"simple_stmt", "file_input"}


def _is_prose(leaf: Any) -> bool:
    """Wording for people (it has a space): its exact text is not a rule, and a test pinning it
    would pin an implementation detail. Codes, statuses, prefixes and keys have no spaces."""
    return any(ch.isspace() for ch in leaf.value.strip("'\"rbuRBUfF"))


class ChangeString(Operator):
    """A changed string constant: ``"kawin"`` becomes ``"XXkawinXX"``. Docstrings and prose
    (see ``_is_prose``) are left alone."""

    def mutation_positions(self, node: Any) -> Iterator[Position]:
        if node.type == "string" and not _is_docstring_like(node) and not _is_prose(node):
            yield (node.start_pos, node.end_pos)

    def mutate(self, node: Any, index: int) -> Any:
        value: str = node.value
        start = next(i for i, ch in enumerate(value) if ch in "'\"")
        quote = (
            value[start : start + 3] if value[start : start + 3] in ('"""', "'''") else value[start]
        )
        body = value[start + len(quote) : len(value) - len(quote)]
        node.value = f"{value[:start]}{quote}XX{body}XX{quote}"
        return node

    @classmethod
    def examples(cls) -> tuple[Example, ...]:
        return (
            Example("x = 'kawin'\n", "x = 'XXkawinXX'\n"),
            Example('x = r""\n', 'x = r"XXXX"\n'),
            Example(
                'def f():\n    "Doc."\n    return "a"\n',
                'def f():\n    "Doc."\n    return "XXaXX"\n',
            ),
        )


class SwapMinMax(Operator):
    """``min(...)`` and ``max(...)`` confused (a bound applied the wrong way)."""

    _swap: ClassVar[dict[str, str]] = {"min": "max", "max": "min"}

    def mutation_positions(self, node: Any) -> Iterator[Position]:
        if (
            node.type == "name"
            and node.value in self._swap
            and node.parent is not None
            and node.parent.type in {"atom_expr", "power"}
            and node.parent.children[0] is node
            and node.get_next_sibling() is not None
            and node.get_next_sibling().type == "trailer"
            and node.get_next_sibling().children[0].value == "("
        ):
            yield (node.start_pos, node.end_pos)

    def mutate(self, node: Any, index: int) -> Any:
        node.value = self._swap[node.value]
        return node

    @classmethod
    def examples(cls) -> tuple[Example, ...]:
        return (
            Example("x = max(0, y - z)\n", "x = min(0, y - z)\n"),
            Example("x = min(a, b)\n", "x = max(a, b)\n"),
        )


class SwapInNotIn(Operator):
    """``x in s`` becomes ``x not in s`` and back (cosmic-ray's comparisons leave these out)."""

    def mutation_positions(self, node: Any) -> Iterator[Position]:
        if node.type == "comparison":
            for child in node.children[1::2]:
                if child.get_code().split() in (["in"], ["not", "in"]):
                    yield (child.start_pos, child.end_pos)

    def mutate(self, node: Any, index: int) -> Any:
        ops = [
            i
            for i, child in enumerate(node.children)
            if i % 2 == 1 and child.get_code().split() in (["in"], ["not", "in"])
        ]
        i = ops[index]
        prefix = node.children[i].get_first_leaf().prefix
        new = "in" if node.children[i].get_code().split() == ["not", "in"] else "not in"
        node.children[i] = parso.parse(prefix + new)
        return node

    @classmethod
    def examples(cls) -> tuple[Example, ...]:
        return (
            Example("ok = x in s\n", "ok = x not in s\n"),
            Example("ok = x not in s\n", "ok = x in s\n"),
        )


OPERATORS: dict[str, type[Operator]] = {
    cls.__name__: cls for cls in (DeleteRaise, DeleteReturn, ChangeString, SwapMinMax, SwapInNotIn)
}


class PurnaOperatorProvider:
    """cosmic-ray operator provider (the mapping ``cosmic_ray.plugins`` expects)."""

    def __iter__(self) -> Iterator[str]:
        return iter(OPERATORS)

    def __getitem__(self, name: str) -> type[Operator]:
        return OPERATORS[name]
