"""Syntax: a transition-based dependency parser (arc-standard with SWAP, so non-projective trees
such as `walk opposite left` -> opposite(left(walk)) are reachable), scored by a small network.

Transitions: SHIFT; LEFT (s0 becomes the head of s1); RIGHT (s1 becomes the head of s0); SWAP (s1
goes back to the buffer). The network sees the symbols and semantic types (program arity) of the
top of the stack, the front of the buffer and the outermost children of s0 and s1. Symbols never
seen in a multi-word parse are read as UNK, as in word-dropout parsers, so a primitive learned in
isolation (`jump`) is parsed like the other symbols of its type.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

SHIFT, LEFT, RIGHT, SWAP = range(4)
PRUNE = object()  # a Check's answer for a subtree that cannot be right
# Check(sentence index, node, values of its finished children) -> its value, or PRUNE
Check = Callable[[int, int, tuple], Any]
N_FEATURES = 9
NULL, UNK = 0, 1  # reserved symbol feature ids; symbol s is feature s + 2


@dataclass(frozen=True)
class ParserConfig:
    """Sizes and training schedule of the parser network."""

    symbol_dim: int = 24
    type_dim: int = 8
    hidden: int = 128
    epochs: int = 4
    batch_size: int = 256
    learning_rate: float = 3e-3
    symbol_dropout: float = 0.1


@dataclass(frozen=True)
class State:
    stack: tuple[int, ...]
    buffer: tuple[int, ...]
    heads: tuple[int, ...]  # -2 = not attached yet
    logp: float = 0.0
    values: tuple = ()  # values of finished subtrees, when the beam is checked semantically

    @property
    def final(self) -> bool:
        return not self.buffer and len(self.stack) == 1

    def tree(self) -> tuple[int, ...]:
        return tuple(-1 if h == -2 else h for h in self.heads)


def initial(n: int) -> State:
    return State((), tuple(range(n)), (-2,) * n)


def valid(state: State) -> list[bool]:
    two = len(state.stack) >= 2
    swap = two and state.stack[-2] < state.stack[-1]
    return [bool(state.buffer), two, two, swap]


def step(state: State, action: int, logp: float = 0.0) -> State:
    stack, buffer, heads = list(state.stack), list(state.buffer), list(state.heads)
    if action == SHIFT:
        stack.append(buffer.pop(0))
    elif action == LEFT:
        heads[stack[-2]] = stack[-1]
        del stack[-2]
    elif action == RIGHT:
        heads[stack[-1]] = stack[-2]
        stack.pop()
    else:
        buffer.insert(0, stack.pop(-2))
    return State(tuple(stack), tuple(buffer), tuple(heads), state.logp + logp, state.values)


def _projective_order(heads: Sequence[int]) -> list[int]:
    kids: list[list[int]] = [[] for _ in heads]
    for j, h in enumerate(heads):
        if h >= 0:
            kids[h].append(j)
    order: list[int] = []

    def visit(node: int) -> None:
        for item in sorted(kids[node] + [node]):
            order.append(node) if item == node else visit(item)

    visit(list(heads).index(-1))
    rank = [0] * len(heads)
    for r, node in enumerate(order):
        rank[node] = r
    return rank


def oracle(heads: Sequence[int]) -> list[tuple[State, int]]:
    """(state, gold transition) pairs that build the tree `heads` (eager SWAP oracle)."""
    n = len(heads)
    rank = _projective_order(heads)
    pending = [sum(1 for h in heads if h == i) for i in range(n)]
    state, pairs = initial(n), []
    while not state.final:
        action = SHIFT
        if len(state.stack) >= 2:
            s0, s1 = state.stack[-1], state.stack[-2]
            if heads[s1] == s0 and pending[s1] == 0:
                action = LEFT
            elif heads[s0] == s1 and pending[s0] == 0:
                action = RIGHT
            elif rank[s0] < rank[s1]:
                action = SWAP
        if action == LEFT:
            pending[state.stack[-1]] -= 1
        elif action == RIGHT:
            pending[state.stack[-2]] -= 1
        pairs.append((state, action))
        state = step(state, action)
    return pairs


def all_trees(n: int) -> list[tuple[int, ...]]:
    """Every dependency tree over n nodes (n ** (n - 1) of them); for exhaustive abduction."""
    from ratchet.nesy.gss import is_tree

    return [h for h in itertools.product(range(-1, n), repeat=n) if is_tree(h) and all(h[i] != i for i in range(n))]


class ParserNet(nn.Module):
    def __init__(self, n_symbols: int, n_types: int, config: ParserConfig) -> None:
        super().__init__()
        self.symbols = nn.Embedding(n_symbols + 2, config.symbol_dim)
        self.types = nn.Embedding(n_types, config.type_dim)
        width = N_FEATURES * (config.symbol_dim + config.type_dim)
        self.mlp = nn.Sequential(nn.Linear(width, config.hidden), nn.ReLU(), nn.Linear(config.hidden, 4))

    def forward(self, symbols: torch.Tensor, types: torch.Tensor) -> torch.Tensor:
        x = torch.cat([self.symbols(symbols), self.types(types)], dim=-1)
        return self.mlp(x.flatten(1))


def _positions(state: State) -> list[int]:
    """Input positions the features look at (-1 where there is none)."""
    s = state.stack
    s0, s1, s2 = (s[-1] if len(s) > 0 else -1), (s[-2] if len(s) > 1 else -1), (s[-3] if len(s) > 2 else -1)
    b0 = state.buffer[0] if state.buffer else -1
    b1 = state.buffer[1] if len(state.buffer) > 1 else -1
    out = [s0, s1, s2, b0, b1]
    for node in (s0, s1):
        kids = [j for j, h in enumerate(state.heads) if h == node] if node >= 0 else []
        out += [kids[0] if kids else -1, kids[-1] if kids else -1]
    return out


class Parser:
    """The network plus the symbol bookkeeping it needs; trained in place, round after round."""

    def __init__(self, n_symbols: int, n_types: int, config: ParserConfig = ParserConfig(), seed: int = 0) -> None:
        torch.manual_seed(seed)
        self.config, self.n_symbols = config, n_symbols
        self.net = ParserNet(n_symbols, n_types, config)
        self.known: set[int] = set()  # symbols seen in a multi-word training parse
        self.rng = random.Random(seed)

    def _features(self, state: State, symbols: Sequence[int], types: Sequence[int], train: bool) -> tuple[list[int], list[int]]:
        sym_f, typ_f = [], []
        for pos in _positions(state):
            if pos < 0:
                sym_f.append(NULL)
                typ_f.append(0)
                continue
            s = symbols[pos]
            unk = s not in self.known or (train and self.rng.random() < self.config.symbol_dropout)
            sym_f.append(UNK if unk else s + 2)
            typ_f.append(types[pos])
        return sym_f, typ_f

    def _logits(self, rows: list[tuple[list[int], list[int]]]) -> torch.Tensor:
        sym = torch.tensor([r[0] for r in rows], dtype=torch.long)
        typ = torch.tensor([r[1] for r in rows], dtype=torch.long)
        return self.net(sym, typ)

    def fit(self, sentences: Sequence[tuple[Sequence[int], Sequence[int], Sequence[int]]]) -> float:
        """Train on (symbols, types, heads) triples; returns the last epoch's mean loss."""
        self.known |= {s for syms, _, _ in sentences if len(syms) > 1 for s in syms}
        pairs = [(syms, typs, st, a) for syms, typs, heads in sentences if len(syms) > 1 for st, a in oracle(heads)]
        if not pairs:
            return 0.0
        opt = torch.optim.Adam(self.net.parameters(), lr=self.config.learning_rate)
        self.net.train()
        loss_value = 0.0
        for _ in range(self.config.epochs):
            self.rng.shuffle(pairs)
            total, count = 0.0, 0
            for i in range(0, len(pairs), self.config.batch_size):
                chunk = pairs[i : i + self.config.batch_size]
                rows = [self._features(st, syms, typs, True) for syms, typs, st, _ in chunk]
                gold = torch.tensor([a for *_, a in chunk])
                loss = nn.functional.cross_entropy(self._logits(rows), gold)
                opt.zero_grad()
                loss.backward()
                opt.step()
                total, count = total + loss.item() * len(chunk), count + len(chunk)
            loss_value = total / count
        return loss_value

    @staticmethod
    def _checked(before: State, after: State, action: int, i: int, check: Check | None) -> State | None:
        """Finish the subtree(s) an arc completes and ask `check` for their values (None: pruned)."""
        if check is None or action in (SHIFT, SWAP):
            return after
        done = [before.stack[-2] if action == LEFT else before.stack[-1]]
        if after.final:
            done.append(after.stack[-1])  # the root is finished too
        values = list(after.values) if after.values else [None] * len(after.heads)
        for node in done:
            kids = tuple(values[j] for j, h in enumerate(after.heads) if h == node)
            value = check(i, node, kids)
            if value is PRUNE:
                return None
            values[node] = value
        return State(after.stack, after.buffer, after.heads, after.logp, tuple(values))

    @torch.no_grad()
    def beam(
        self,
        sentences: Sequence[tuple[Sequence[int], Sequence[int]]],
        width: int,
        check: Check | None = None,
        swap_penalty: float = 0.0,
    ) -> list[list[tuple[tuple[int, ...], float]]]:
        """The `width` most probable trees of each sentence, as (heads, log-probability). With
        `check`, every finished subtree must have a value (its symbol's program applies), so
        the beam holds only trees that respect the symbols' known arities. `swap_penalty` (nats per
        SWAP) is a prior for projective trees, used while the parser has no evidence yet."""
        self.net.eval()
        beams = [[initial(len(syms))] for syms, _ in sentences]
        while True:
            live = [(i, st) for i, b in enumerate(beams) for st in b if not st.final]
            if not live:
                break
            rows = [self._features(st, *sentences[i], False) for i, st in live]
            logp = torch.log_softmax(self._logits(rows), dim=-1).tolist()
            grown: list[list[State]] = [[st for st in b if st.final] for b in beams]
            for (i, st), lp in zip(live, logp):
                for action, ok in enumerate(valid(st)):
                    if ok:
                        score = lp[action] - (swap_penalty if action == SWAP else 0.0)
                        nxt = self._checked(st, step(st, action, score), action, i, check)
                        if nxt is not None:
                            grown[i].append(nxt)
            beams = [sorted(g, key=lambda s: -s.logp)[:width] for g in grown]
        out = []
        for b in beams:
            seen: dict[tuple[int, ...], float] = {}
            for st in b:
                seen.setdefault(st.tree(), st.logp)
            out.append(list(seen.items()))
        return out

    @torch.no_grad()
    def score(self, items: Sequence[tuple[Sequence[int], Sequence[int], Sequence[int]]], swap_penalty: float = 0.0) -> list[float]:
        """Log-probability of the oracle derivation of each (symbols, types, heads), less
        `swap_penalty` per SWAP it needs."""
        self.net.eval()
        rows, owner, gold = [], [], []
        for k, (syms, typs, heads) in enumerate(items):
            for st, a in oracle(heads):
                rows.append(self._features(st, syms, typs, False))
                owner.append(k)
                gold.append(a)
        totals = [0.0] * len(items)
        for k, a in zip(owner, gold):
            totals[k] -= swap_penalty if a == SWAP else 0.0
        for i in range(0, len(rows), 4096):
            logp = torch.log_softmax(self._logits(rows[i : i + 4096]), dim=-1)
            picked = logp[torch.arange(logp.shape[0]), torch.tensor(gold[i : i + 4096])].tolist()
            for k, v in zip(owner[i : i + 4096], picked):
                totals[k] += v
        return [t if math.isfinite(t) else -1e9 for t in totals]

    def state_dict(self) -> dict:
        return {"net": self.net.state_dict(), "known": sorted(self.known)}

    def load_state_dict(self, state: dict) -> None:
        self.net.load_state_dict(state["net"])
        self.known = set(state["known"])
