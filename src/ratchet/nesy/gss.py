"""The Grounded Symbol System: a dependency tree over the input whose nodes carry
(input segment, symbol, value), evaluated bottom-up by the symbols' programs (deduction)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ratchet.nesy.dsl import EMPTY, MISSING, Program


@dataclass(frozen=True)
class Meaning:
    """What one symbol means: its program (None until induced) and the share of its abduced
    examples the program reproduces, which is what overwriting its value costs."""

    program: Program | None = None
    confidence: float = 0.0


class Executor:
    """Applies symbols' programs to children's values, memoising repeated applications."""

    def __init__(self, meanings: Sequence[Meaning]) -> None:
        self.meanings = meanings
        self._memo: dict[tuple[int, tuple], Any] = {}

    def program(self, symbol: int) -> Program | None:
        return self.meanings[symbol].program if symbol < len(self.meanings) else None

    def apply(self, symbol: int, inputs: tuple) -> Any:
        key = (symbol, inputs)
        if key not in self._memo:
            program = self.program(symbol)
            self._memo[key] = MISSING if program is None else program(inputs)
        return self._memo[key]


@dataclass(frozen=True)
class Gss:
    """One tree: node i covers input segment i, has a symbol, a head (-1 at the root) and a value."""

    symbols: tuple[int, ...]
    heads: tuple[int, ...]
    values: tuple[Any, ...]

    @property
    def root(self) -> int:
        return self.heads.index(-1)

    def children(self, node: int) -> list[int]:
        return [j for j, h in enumerate(self.heads) if h == node]

    def inputs(self, node: int) -> tuple:
        """The values a node's program reads: its children's, in input order, EMPTY ones dropped."""
        return tuple(self.values[c] for c in self.children(node) if self.values[c] is not EMPTY)

    def examples(self) -> list[tuple[int, tuple, Any]]:
        """(symbol, children values, value) for every node whose inputs and value are known."""
        out = []
        for node, symbol in enumerate(self.symbols):
            inputs, value = self.inputs(node), self.values[node]
            if value is MISSING or any(v is MISSING for v in inputs):
                continue
            out.append((symbol, inputs, value))
        return out


def children_of(heads: Sequence[int]) -> list[list[int]]:
    kids: list[list[int]] = [[] for _ in heads]
    for j, h in enumerate(heads):
        if h >= 0:
            kids[h].append(j)
    return kids


def post_order(heads: Sequence[int]) -> list[int]:
    kids = children_of(heads)
    order: list[int] = []
    stack = [(heads.index(-1), False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in reversed(kids[node]))
    return order


def execute(symbols: Sequence[int], heads: Sequence[int], executor: Executor) -> Gss:
    """Deduction: evaluate the tree bottom-up."""
    kids = children_of(heads)
    values: list[Any] = [MISSING] * len(symbols)
    for node in post_order(heads):
        inputs = tuple(values[c] for c in kids[node] if values[c] is not EMPTY)
        values[node] = executor.apply(symbols[node], inputs)
    return Gss(tuple(symbols), tuple(heads), tuple(values))


def is_tree(heads: Sequence[int]) -> bool:
    if list(heads).count(-1) != 1:
        return False
    for start in range(len(heads)):
        seen, node = set(), start
        while node != -1:
            if node in seen:
                return False
            seen.add(node)
            node = heads[node]
    return True
