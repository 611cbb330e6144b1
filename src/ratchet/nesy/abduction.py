"""Abduction: the smallest revision of a tree whose root then yields the label.

Best-first, top-down: start at the root with the label as its target; at a node, either
  - overwrite its value (semantics; cheap for a symbol with no program yet, dear for a confident one),
  - replace its symbol by another the perception model finds plausible (perception): one whose
    program yields the target, or one with no program yet, which then takes the target as its value, or
  - push the target down to one child through the inverse of the node's program (free), or make a
    leaf child EMPTY when the node yields the target without it.
The cheapest revision found first wins. Alternative parses (syntax) are compared by the caller.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ratchet.nesy.dsl import EMPTY, MISSING
from ratchet.nesy.gss import Executor, Gss, execute
from ratchet.nesy.inverse import solve_input

Alternatives = Callable[[int], Sequence[tuple[int, float]]]  # node -> (symbol, cost) options
PUSH_COST = 1e-3  # pushing a target down is free but prefers shallow revisions
MAX_PUSHED = 8  # candidate child values tried per child
NOVELTY_COST = 0.2  # per invented token in an overwritten value


@dataclass(frozen=True)
class Revision:
    """A revised tree, what it cost, and which node changed how ('none', 'value', 'symbol')."""

    tree: Gss
    cost: float
    node: int | None = None
    kind: str = "none"


def overwrite_cost(executor: Executor, symbol: int) -> float:
    meaning = executor.meanings[symbol] if symbol < len(executor.meanings) else None
    if meaning is None or meaning.program is None:
        return 1.0
    return 1.0 + 10.0 * meaning.confidence


def novelty(inputs: tuple, value: Any) -> float:
    """Tokens of an overwritten list value that none of the children supplies: information the
    revision invents rather than copies (a description-length tie-breaker between revisions).
    An integer is one token: invented unless a child already has it."""
    if isinstance(value, int) and not isinstance(value, bool):
        return 0.0 if value in inputs else 1.0
    if not isinstance(value, tuple):
        return 0.0
    known = {tok for v in inputs if isinstance(v, tuple) for tok in v}
    return float(sum(tok not in known for tok in value))


def _child_targets(tree: Gss, executor: Executor, node: int, target: Any) -> list[tuple[int, Any, tuple]]:
    """(child, its new target, other (node, value) changes that go with it)."""
    kids = [c for c in tree.children(node) if tree.values[c] is not EMPTY]
    inputs = tuple(tree.values[c] for c in kids)
    program = executor.program(tree.symbols[node])
    # Leaves of symbols with no program yet (HINT's parentheses, at first): their values are
    # unknown, so they may all contribute nothing at once. One at a time could never be tried
    # while the others still block the node's program.
    unknown = [c for c in kids if tree.values[c] is MISSING and not tree.children(c)]
    out: list[tuple[int, Any, tuple]] = []
    for k, child in enumerate(kids):
        if program is not None and all(v is not MISSING for j, v in enumerate(inputs) if j != k):
            out.extend((child, v, ()) for v in solve_input(program, k, inputs, target)[:MAX_PUSHED])
        if not tree.children(child):  # could this leaf contribute nothing?
            rest = inputs[:k] + inputs[k + 1 :]
            if executor.apply(tree.symbols[node], rest) == target:
                out.append((child, EMPTY, ()))
            elif child == (unknown[0] if len(unknown) > 1 else None):
                rest = tuple(tree.values[c] for c in kids if c not in unknown)
                if executor.apply(tree.symbols[node], rest) == target:
                    out.append((child, EMPTY, tuple((c, EMPTY) for c in unknown[1:])))
    return out


def _revise(tree: Gss, path: tuple, node: int, target: Any, symbol: int | None) -> Gss:
    values, symbols = list(tree.values), list(tree.symbols)
    for ancestor, wanted in path:
        values[ancestor] = wanted
    values[node] = target
    if symbol is not None:
        symbols[node] = symbol
    else:  # an overwritten value: its children with unknown values are taken to contribute nothing
        kids = tree.children(node)
        unknown = [c for c in kids if values[c] is MISSING and not tree.children(c)]
        if unknown and len(unknown) < len(kids):
            for c in unknown:
                values[c] = EMPTY
    return Gss(tuple(symbols), tree.heads, tuple(values))


def abduce(
    symbols: Sequence[int],
    heads: Sequence[int],
    target: Any,
    executor: Executor,
    alternatives: Alternatives | None = None,
    max_expansions: int = 200,
) -> Revision | None:
    """The cheapest single revision of this parse that yields `target` at the root."""
    tree = execute(symbols, heads, executor)
    if tree.values[tree.root] == target:
        return Revision(tree, 0.0)
    tick = itertools.count()
    # entries: (cost, tick, node, target, path to node, terminal kind or None, new symbol)
    heap: list = [(0.0, next(tick), tree.root, target, (), None, None)]
    expansions = 0
    while heap and expansions < max_expansions:
        cost, _, node, wanted, path, kind, new_symbol = heapq.heappop(heap)
        if kind is not None:
            return Revision(_revise(tree, path, node, wanted, new_symbol), cost, node, kind)
        expansions += 1
        symbol = tree.symbols[node]
        value_cost = overwrite_cost(executor, symbol) + NOVELTY_COST * novelty(tree.inputs(node), wanted)
        heapq.heappush(heap, (cost + value_cost, next(tick), node, wanted, path, "value", None))
        for alt, alt_cost in (alternatives(node) if alternatives else ()):
            if alt == symbol:
                continue
            if executor.program(alt) is None:
                # A symbol with no program yet may mean anything: the swap also pays for giving
                # it the value. Without this, an image clustered with another digit could never
                # reach a symbol of its own, only one whose program already yields the target.
                fresh = alt_cost + overwrite_cost(executor, alt) + NOVELTY_COST * novelty(tree.inputs(node), wanted)
                heapq.heappush(heap, (cost + fresh, next(tick), node, wanted, path, "symbol", alt))
            elif executor.apply(alt, tree.inputs(node)) == wanted:
                heapq.heappush(heap, (cost + alt_cost, next(tick), node, wanted, path, "symbol", alt))
        for child, child_target, along in _child_targets(tree, executor, node, wanted):
            entry = (cost + PUSH_COST, next(tick), child, child_target, path + ((node, wanted),) + along, None, None)
            heapq.heappush(heap, entry)
    return None
