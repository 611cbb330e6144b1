"""Image perception: clustering that ignores the glyphs' jitter, and training that does not forget."""

from __future__ import annotations

import random
from collections import Counter

from ratchet.nesy.data.example import Example
from ratchet.nesy.data.hint import render_glyph
from ratchet.nesy.perception import ImagePerception

GLYPHS = ("+", "−", "(", ")")


def _examples(seed: int, per_glyph: int = 60) -> list[Example]:
    rng = random.Random(seed)
    return [Example((g,), 0, images=(render_glyph(g, rng),)) for g in GLYPHS for _ in range(per_glyph)]


def _reading(perception: ImagePerception, examples: list[Example]) -> dict[str, int]:
    symbols, _ = perception.perceive(examples)
    return {g: Counter(s[0] for e, s in zip(examples, symbols) if e.tokens[0] == g).most_common(1)[0][0] for g in GLYPHS}


def test_clustering_gives_each_jittered_glyph_its_own_symbol() -> None:
    perception = ImagePerception(len(GLYPHS), seed=0)
    perception.bootstrap(_examples(0))
    reading = _reading(perception, _examples(1))
    assert len(set(reading.values())) == len(GLYPHS)  # ( and ) too, though mirror images


def test_fitting_on_some_symbols_does_not_forget_the_others() -> None:
    # A curriculum stage that shows only + and − must leave ( and ) read as before (replay).
    perception = ImagePerception(len(GLYPHS), seed=0)
    perception.bootstrap(_examples(0))
    held_out = _examples(1)
    before = _reading(perception, held_out)
    stage = [e for e in _examples(2) if e.tokens[0] in "+−"]
    for _ in range(3):
        symbols, _ = perception.perceive(stage)
        perception.fit(stage, symbols)
    assert _reading(perception, held_out) == before
