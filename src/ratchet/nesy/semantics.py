"""Semantics: one program per symbol, induced from the (children values -> value) examples that
deduction and abduction produce."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from ratchet.nesy.dsl import EMPTY, Const, Program, size
from ratchet.nesy.gss import Meaning
from ratchet.nesy.synthesis import SIZE_PENALTY, SynthesisConfig, coverage, induce

N_TYPES = 7  # parser type ids: 0 none, 1 no program, 2..5 arity 0..3, 6 always EMPTY
MAX_SCORED = 400  # examples per symbol a program is scored on


def type_id(meaning: Meaning) -> int:
    program = meaning.program
    if program is None:
        return 1
    if isinstance(program.body, Const) and program.body.value is EMPTY:
        return 6
    return 2 + min(program.arity, 3)


def description_score(program: Program, examples: Sequence[tuple[tuple, Any]]) -> float:
    """Coverage less the size prior: how `induce` ranks programs, so old and new compare alike."""
    return coverage(program, examples) - SIZE_PENALTY * size(program.body)


def learn_meanings(
    examples: Sequence[tuple[int, tuple, Any]],
    previous: Sequence[Meaning],
    config: SynthesisConfig = SynthesisConfig(),
    seed: int = 0,
    reinduce: bool = False,
    min_support: int = 1,
) -> tuple[Meaning, ...]:
    """New meanings for the symbols that have examples; the others keep theirs.

    Normally a symbol keeps its program when that still explains nearly all of its examples (no
    search needed). With `reinduce`, every symbol's program is searched for again and replaced
    when a program scores better on coverage less size: a program fitted to an early batch's
    noisy examples can keep explaining later examples (abduction routes around it rather than
    overwrite a confident value), and only a fresh search shows that a smaller program explains
    them as well.

    A symbol without a program gets one only from at least `min_support` examples: a learned
    perception symbol (an image cluster) seen a couple of times in a stage that shows other
    symbols would otherwise be claimed for good by a few stray images."""
    rng = random.Random(seed)
    grouped: dict[int, list[tuple[tuple, Any]]] = defaultdict(list)
    for symbol, inputs, value in examples:
        grouped[symbol].append((inputs, value))
    meanings = list(previous)
    for symbol, group in sorted(grouped.items()):
        sample = group if len(group) <= MAX_SCORED else rng.sample(group, MAX_SCORED)
        old = meanings[symbol]
        if old.program is None and len(group) < min_support:
            continue
        if old.program is not None and not reinduce:
            kept = coverage(old.program, sample)
            if kept >= 0.98:
                meanings[symbol] = Meaning(old.program, kept)
                continue
        found = induce(sample, config, seed=rng.randrange(1 << 30))
        if found.program is None:
            continue
        if old.program is not None and _keeps(old.program, found.program, sample, reinduce):
            meanings[symbol] = Meaning(old.program, coverage(old.program, sample))
        else:
            meanings[symbol] = Meaning(found.program, found.coverage)
    return tuple(meanings)


def _keeps(old: Program, new: Program, sample: Sequence[tuple[tuple, Any]], reinduce: bool) -> bool:
    """Whether the old program stays: on coverage alone normally; on coverage less size when
    re-inducing (ties keep the old one, so a settled table does not flip between equals)."""
    if reinduce:
        return description_score(old, sample) >= description_score(new, sample)
    return coverage(old, sample) >= coverage(new, sample)


def rival_programs(
    examples: Sequence[tuple[tuple, Any]],
    current: Program,
    config: SynthesisConfig = SynthesisConfig(),
    seed: int = 0,
    tries: int = 8,
    subset: int = 3,
) -> list[Program]:
    """Other programs for a symbol whose examples mix two tree shapes: each reproduces a small
    random subset of the distinct examples exactly (the smallest such program, RANSAC-style).

    Coverage cannot tell these apart from a program contorted to fit both shapes (it explains
    more of the examples the current parses produce); deduction on the training inputs can, so
    the learner tests them there."""
    rng = random.Random(seed)
    pool = list(dict.fromkeys(examples))
    subset = min(subset, len(pool) - 1)  # a rare symbol (one PCFG letter) has only a few examples
    rivals: dict[str, Program] = {}
    for _ in range(tries if subset >= 1 else 0):
        found = induce(rng.sample(pool, subset), config, seed=rng.randrange(1 << 30))
        if found.program is not None and found.coverage == 1.0 and str(found.program) != str(current):
            rivals.setdefault(str(found.program), found.program)
    return list(rivals.values())
