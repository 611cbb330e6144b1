"""Semantics: one program per symbol, induced from the (children values -> value) examples that
deduction and abduction produce."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from ratchet.nesy.dsl import EMPTY, Const
from ratchet.nesy.gss import Meaning
from ratchet.nesy.synthesis import SynthesisConfig, coverage, induce

N_TYPES = 7  # parser type ids: 0 none, 1 no program, 2..5 arity 0..3, 6 always EMPTY
MAX_SCORED = 400  # examples per symbol a program is scored on


def type_id(meaning: Meaning) -> int:
    program = meaning.program
    if program is None:
        return 1
    if isinstance(program.body, Const) and program.body.value is EMPTY:
        return 6
    return 2 + min(program.arity, 3)


def learn_meanings(
    examples: Sequence[tuple[int, tuple, Any]],
    previous: Sequence[Meaning],
    config: SynthesisConfig = SynthesisConfig(),
    seed: int = 0,
) -> tuple[Meaning, ...]:
    """New meanings for the symbols that have examples; the others keep theirs. A symbol keeps
    its program when that still explains nearly all of its examples (no search needed)."""
    rng = random.Random(seed)
    grouped: dict[int, list[tuple[tuple, Any]]] = defaultdict(list)
    for symbol, inputs, value in examples:
        grouped[symbol].append((inputs, value))
    meanings = list(previous)
    for symbol, group in sorted(grouped.items()):
        sample = group if len(group) <= MAX_SCORED else rng.sample(group, MAX_SCORED)
        old = meanings[symbol]
        if old.program is not None:
            kept = coverage(old.program, sample)
            if kept >= 0.98:
                meanings[symbol] = Meaning(old.program, kept)
                continue
        found = induce(sample, config, seed=rng.randrange(1 << 30))
        if found.program is None:
            continue
        if old.program is not None and coverage(old.program, sample) >= found.coverage:
            meanings[symbol] = Meaning(old.program, coverage(old.program, sample))
        else:
            meanings[symbol] = Meaning(found.program, found.coverage)
    return tuple(meanings)
