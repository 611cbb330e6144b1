"""Program induction: find the smallest DSL program that maps children's values to a node's value.

Bottom-up enumeration by program size with behavioural de-duplication (two programs that give
the same outputs on every example input are the same program for our purposes; only the smaller
is kept), plus a goal-directed step for list outputs: a target is split into a prefix produced
by one known program and a remainder looked up (or split again) among the others. When no program
explains every example (abduced examples are noisy), the one explaining the most wins.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ratchet.nesy.dsl import EMPTY, MISSING, Const, EvalError, Expr, Op, Program, Var, apply_op, evaluate, size

Sig = tuple  # a program's outputs on the example inputs, in order
SIZE_PENALTY = 0.03  # coverage given up per program node (a minimum-description-length prior)


@dataclass(frozen=True)
class SynthesisConfig:
    """Limits of the search. The defaults find every SCAN, PCFG and HINT program in well under a
    second per symbol on one core."""

    max_size: int = 7  # largest program built bottom-up
    max_bank: int = 40_000  # distinct behaviours kept per type
    max_examples: int = 40  # distinct inputs the search looks at
    split_depth: int = 2  # concat(A, concat(B, C)) at most
    const_share: float = 0.5  # a token becomes a constant if it is in this share of outputs


@dataclass(frozen=True)
class Induced:
    """The induced program and the weighted share of examples it reproduces."""

    program: Program | None
    coverage: float


def _type_of(value: Any) -> str:
    if value is EMPTY:
        return "E"
    return "I" if isinstance(value, int) else "L"


def _fold_steps() -> list[Expr]:
    e, acc = Var(-1), Var(-2)
    cat = lambda a, b: Op("concat", (a, b))  # noqa: E731
    return [cat(acc, e), cat(e, acc), cat(e, cat(e, acc)), cat(acc, cat(e, e))]


class _Search:
    """One enumeration over fixed example inputs and targets."""

    def __init__(self, inputs: list[tuple], targets: list[Any], config: SynthesisConfig) -> None:
        self.inputs, self.targets, self.config = inputs, targets, config
        self.target_sig: Sig = tuple(targets)
        self.banks: dict[str, dict[Sig, Expr]] = {"L": {}, "I": {}}
        self.by_size: dict[tuple[str, int], list[tuple[Sig, Expr]]] = defaultdict(list)
        self.best: tuple[int, int, Expr | None] = (-1, 0, None)  # (hits, -size, expr)
        self.found: Expr | None = None
        self.target_type = _type_of(targets[0])

    def _add(self, expr: Expr, typ: str, n: int, sig: Sig) -> None:
        if self.found is not None or len(self.banks[typ]) >= self.config.max_bank:
            return
        if all(v is MISSING for v in sig) or sig in self.banks[typ]:
            return
        self.banks[typ][sig] = expr
        self.by_size[(typ, n)].append((sig, expr))
        if typ == self.target_type:
            hits = sum(a == b for a, b in zip(sig, self.target_sig))
            if (hits, -n) > self.best[:2]:
                self.best = (hits, -n, expr)
            if hits == len(self.targets):
                self.found = expr

    def _terminals(self, consts: list[Any]) -> None:
        # Constants first: when examples cannot tell concat([A], x) from concat(x, [A]) (x is
        # always empty), the first found wins, and a word then heads what follows it.
        for c in consts:
            self._add(Const(c), _type_of(c), 1, (c,) * len(self.inputs))
        for i, v in enumerate(self.inputs[0]):
            self._add(Var(i), _type_of(v), 1, tuple(xs[i] for xs in self.inputs))

    def _compose(self, name: str, args: tuple[Expr, ...], sigs: tuple[Sig, ...], typ: str, n: int) -> None:
        """Add Op(name, args); its outputs follow from its arguments' outputs, no re-evaluation."""
        out = []
        for vals in zip(*sigs):
            if any(v is MISSING for v in vals):
                out.append(MISSING)
                continue
            try:
                out.append(apply_op(name, list(vals)))
            except EvalError:
                out.append(MISSING)
        self._add(Op(name, args), typ, n, tuple(out))

    def _grow(self, n: int) -> None:
        for sig, expr in self.by_size[("L", n - 1)]:
            for name in ("head", "last", "tail", "init"):
                self._compose(name, (expr,), (sig,), "L", n)
        for k in range(1, n - 1):
            left_l, right_l = self.by_size[("L", k)], self.by_size[("L", n - 1 - k)]
            for sa, a in left_l:
                for sb, b in right_l:
                    self._compose("concat", (a, b), (sa, sb), "L", n)
                for sb, b in self.by_size[("I", n - 1 - k)]:
                    if isinstance(b, Const):
                        self._compose("repeat", (a, b), (sa, sb), "L", n)
            for sa, a in self.by_size[("I", k)]:
                for sb, b in self.by_size[("I", n - 1 - k)]:
                    for name in ("add", "sub", "mul", "cdiv"):
                        self._compose(name, (a, b), (sa, sb), "I", n)
        self._grow_folds(n)

    def _grow_folds(self, n: int) -> None:
        for step in _fold_steps():
            for k in (1, 2):
                if n - 1 - k - size(step) != 1:
                    continue
                for sig, xs in self.by_size[("L", k)]:
                    expr = Op("fold", (xs, Const(()), step))
                    out = []
                    for inputs in self.inputs:
                        try:
                            out.append(evaluate(expr, inputs))
                        except (EvalError, RecursionError):
                            out.append(MISSING)
                    self._add(expr, "L", n, tuple(out))

    def run(self, consts: list[Any]) -> Expr | None:
        self._terminals(consts)
        for n in range(2, self.config.max_size + 1):
            if self.found is not None:
                break
            self._grow(n)
        if self.found is None and _type_of(self.targets[0]) == "L":
            self.found = self._split(self.target_sig, self.config.split_depth)
        return self.found

    def _split(self, target: Sig, depth: int) -> Expr | None:
        """concat(A, B) where A's outputs are prefixes of the targets and B gives the rest."""
        if any(not isinstance(t, tuple) for t in target):
            return None
        best: Expr | None = None
        for sig, a in self.banks["L"].items():
            if not all(isinstance(s, tuple) and s and t[: len(s)] == s for s, t in zip(sig, target)):
                continue
            rest = tuple(t[len(s) :] for s, t in zip(sig, target))
            b = self.banks["L"].get(rest)
            if b is None and depth > 1:
                b = self._split(rest, depth - 1)
            if b is not None:
                cand = Op("concat", (a, b))
                if best is None or size(cand) < size(best):
                    best = cand
        return best


def _constants(targets: Sequence[Any], config: SynthesisConfig) -> list[Any]:
    kind = _type_of(targets[0])
    if kind == "I":
        return [0, 1, 2]
    counts: Counter[str] = Counter()
    for t in targets:
        if isinstance(t, tuple):
            counts.update(set(t))
    frequent = [tok for tok, c in counts.items() if c >= config.const_share * len(targets)]
    return [(), *[(tok,) for tok in sorted(frequent)], 2, 3, 4]


def _confident(examples: Sequence[tuple[tuple, Any]]) -> list[tuple[tuple, Any]]:
    """One example per distinct input: its most frequent output."""
    outputs: dict[tuple, Counter] = defaultdict(Counter)
    for xs, y in examples:
        outputs[xs][y] += 1
    return [(xs, c.most_common(1)[0][0]) for xs, c in outputs.items()]


def coverage(program: Program, examples: Sequence[tuple[tuple, Any]]) -> float:
    if not examples:
        return 0.0
    return sum(program(xs) == y for xs, y in examples) / len(examples)


def _candidates(
    examples: list[tuple[tuple, Any]], arity: int, config: SynthesisConfig, rng: random.Random
) -> Iterator[Program]:
    outputs = Counter(y for _, y in examples)
    if arity == 0 or all(y is EMPTY for y in outputs):
        yield Program(arity, Const(outputs.most_common(1)[0][0]))
        return
    confident = _confident(examples)
    for attempt in range(3):  # all examples first, then random halves (to skip noisy ones)
        chosen = confident if attempt == 0 else rng.sample(confident, max(1, len(confident) // 2))
        chosen = chosen if len(chosen) <= config.max_examples else rng.sample(chosen, config.max_examples)
        chosen = [(xs, y) for xs, y in chosen if y is not EMPTY and y is not MISSING]
        if not chosen:
            return
        search = _Search([xs for xs, _ in chosen], [y for _, y in chosen], config)
        found = search.run(_constants([y for _, y in chosen], config))
        if found is not None:
            yield Program(arity, found)
            if attempt == 0:
                return
        elif search.best[2] is not None:
            yield Program(arity, search.best[2])


def induce(
    examples: Sequence[tuple[tuple, Any]], config: SynthesisConfig = SynthesisConfig(), seed: int = 0
) -> Induced:
    """The program (of whichever arity) that reproduces the most examples; smaller on ties."""
    examples = [(tuple(xs), y) for xs, y in examples if y is not MISSING]
    if not examples:
        return Induced(None, 0.0)
    rng = random.Random(seed)
    by_arity: dict[int, list[tuple[tuple, Any]]] = defaultdict(list)
    for xs, y in examples:
        by_arity[len(xs)].append((xs, y))
    best: tuple[float, float, Program | None] = (-1.0, 0.0, None)
    for arity, group in sorted(by_arity.items(), key=lambda kv: -len(kv[1])):
        if len(group) < best[1] * len(examples):
            continue  # cannot beat the current best even if it explained all of its group
        for program in _candidates(group, arity, config, rng):
            score = coverage(program, examples)
            mdl = score - SIZE_PENALTY * size(program.body)  # prefer simple explanations
            if (mdl, score) > best[:2]:
                best = (mdl, score, program)
    return Induced(best[2], max(best[1], 0.0))
