"""A short NSR run on SCAN simple learns every word's program and is exact on held-out commands."""

from __future__ import annotations

import random

EXPECTED = {
    "walk": "[I_WALK]",
    "turn": "[]",
    "left": "λx1. concat([I_TURN_LEFT], x1)",
    "right": "λx1. concat([I_TURN_RIGHT], x1)",
    "opposite": "λx1. concat(head(x1), x1)",
    "around": "λx1. repeat(x1, 4)",
    "thrice": "λx1. repeat(x1, 3)",
    "and": "λx1 x2. concat(x1, x2)",
    "after": "λx1 x2. concat(x2, x1)",
}


def test_short_scan_training_reaches_100_percent(scan_model) -> None:  # noqa: ANN001
    model, _, split = scan_model
    test = random.Random(0).sample(list(split.test), 300)
    result = model.evaluate(test)
    assert result.accuracy == 1.0, result
    table = {symbol: program for symbol, program, _ in model.program_table()}
    for word, program in EXPECTED.items():
        assert table[word] == program
    assert table["twice"] in ("λx1. concat(x1, x1)", "λx1. repeat(x1, 2)")


def test_saved_model_loads_and_predicts_the_same(scan_model) -> None:  # noqa: ANN001
    from ratchet.nesy.data.example import Example
    from ratchet.nesy.model import NsrModel

    model, path, _ = scan_model
    loaded = NsrModel.load(path)
    assert loaded.program_table() == model.program_table()
    command = Example(tuple("jump around right twice after look opposite left".split()), None)
    expected = ("I_TURN_LEFT", "I_TURN_LEFT", "I_LOOK") + ("I_TURN_RIGHT", "I_JUMP") * 8
    assert loaded.predict([command]) == [expected]
