"""The enumerator finds the programs behind SCAN, PCFG SET and HINT from input/output examples."""

from __future__ import annotations

import random

import pytest

from ratchet.nesy.dsl import Program, parse_program
from ratchet.nesy.synthesis import induce

L, R, W, J = "I_TURN_LEFT", "I_TURN_RIGHT", "I_WALK", "I_JUMP"

# The SCAN words' meanings, written as plain Python: the tests only generate examples from them.
SCAN_TRUTH = {
    "walk": (0, lambda: (W,)),
    "turn": (0, lambda: ()),
    "left": (1, lambda x: (L,) + x),
    "right": (1, lambda x: (R,) + x),
    "opposite": (1, lambda x: x[:1] + x),
    "around": (1, lambda x: x * 4),
    "twice": (1, lambda x: x * 2),
    "thrice": (1, lambda x: x * 3),
    "and": (2, lambda x, y: x + y),
    "after": (2, lambda x, y: y + x),
}


def _phrases(rng: random.Random, turned: bool) -> tuple[str, ...]:
    verb = () if rng.random() < 0.2 else (rng.choice([W, J, "I_RUN", "I_LOOK"]),)
    turn = (rng.choice([L, R]),)
    return turn + verb if turned else verb or (W,)


def _inputs(word: str, rng: random.Random) -> tuple:
    arity = SCAN_TRUTH[word][0]
    turned = word in ("opposite", "around")  # these read a direction phrase such as `walk left`
    return tuple(_phrases(rng, turned) * rng.randint(1, 2) for _ in range(arity))


@pytest.mark.parametrize("word", sorted(SCAN_TRUTH))
def test_enumerator_finds_scan_programs(word: str) -> None:
    rng = random.Random(0)
    arity, truth = SCAN_TRUTH[word]
    examples = [(xs, truth(*xs)) for xs in (_inputs(word, rng) for _ in range(30))]
    found = induce(examples)
    assert found.coverage == 1.0 and found.program is not None and found.program.arity == arity
    for xs in (_inputs(word, rng) for _ in range(50)):  # behaves like the truth on new inputs
        assert found.program(xs) == truth(*xs)


def test_scan_programs_are_the_expected_small_ones() -> None:
    rng = random.Random(1)
    found = {w: induce([(xs, t(*xs)) for xs in (_inputs(w, rng) for _ in range(30))]).program for w, (_, t) in SCAN_TRUTH.items()}
    assert str(found["left"]) == "λx1. concat([I_TURN_LEFT], x1)"
    assert str(found["after"]) == "λx1 x2. concat(x2, x1)"
    assert str(found["opposite"]) == "λx1. concat(head(x1), x1)"
    assert str(found["around"]) == "λx1. repeat(x1, 4)"


def test_enumerator_finds_pcfg_functions_including_recursion() -> None:
    from ratchet.nesy.data.pcfg import ALPHABET, UNARY

    rng = random.Random(0)
    for name, fn in UNARY.items():
        xs = [(tuple(rng.choice(ALPHABET) for _ in range(rng.randint(2, 6))),) for _ in range(30)]
        found = induce([(x, fn(*x)) for x in xs])
        assert found.coverage == 1.0, name
    reverse = induce([(x, x[0][::-1]) for x in xs]).program
    assert reverse is not None and "fold" in str(reverse)


def test_enumerator_finds_arithmetic() -> None:
    from ratchet.nesy.data.hint import apply_operator

    rng = random.Random(0)
    for op, expected in (("+", "add"), ("−", "sub"), ("×", "mul"), ("÷", "cdiv")):
        pairs = [(rng.randint(0, 30), rng.randint(1, 9)) for _ in range(30)]
        found = induce([(p, apply_operator(op, *p)) for p in pairs])
        assert found.coverage == 1.0 and expected in str(found.program)


def test_noisy_examples_give_the_majority_program() -> None:
    rng = random.Random(0)
    clean = [((v,), v * 2) for v in (_phrases(rng, False) for _ in range(30))]
    noise = [((v,), v * 3) for v in (_phrases(rng, False) for _ in range(8))]
    found = induce(clean + noise)
    assert str(found.program) == "λx1. concat(x1, x1)"
    assert 0.7 < found.coverage < 0.9


def test_programs_print_and_parse_back() -> None:
    for text in ["[I_WALK]", "[]", "EMPTY", "λx1. fold(x1, [], concat(acc, e))", "λx1 x2. cdiv(x1, x2)"]:
        program = parse_program(text)
        assert isinstance(program, Program) and str(program) == text


def test_reinduction_replaces_a_locked_in_program_by_a_smaller_equal_one() -> None:
    """The `opposite` lock-in of a full SCAN run: a program fitted to noisy early examples agrees
    with `concat(head(x1), x1)` on every argument of two or more actions. Kept on coverage alone it
    never leaves; re-induction, scored on coverage less size, replaces it."""
    from ratchet.nesy.gss import Meaning
    from ratchet.nesy.semantics import learn_meanings

    locked = parse_program("λx1. concat(head(concat(init(x1), [I_TURN_LEFT])), x1)")
    rng = random.Random(0)
    examples = []
    for _ in range(60):
        x = _phrases(rng, turned=True) * rng.randint(1, 2)
        if len(x) >= 2:
            examples.append((0, (x,), x[:1] + x))
    assert all(locked((x,)) == y for _, (x,), y in examples)
    kept = learn_meanings(examples, [Meaning(locked, 0.9)])
    assert str(kept[0].program) == str(locked)
    revised = learn_meanings(examples, [Meaning(locked, 0.9)], reinduce=True)
    assert str(revised[0].program) == "λx1. concat(head(x1), x1)"
    settled = learn_meanings(examples, revised, reinduce=True)
    assert settled[0].program == revised[0].program


def test_a_symbol_needs_min_support_examples_before_it_gets_a_program() -> None:
    """Three stray images of a 1 read as a parenthesis' cluster must not make it mean 1 for good;
    the digit's own cluster, seen often, gets its constant."""
    from ratchet.nesy.gss import Meaning
    from ratchet.nesy.semantics import learn_meanings

    examples = [(0, (), 1)] * 3 + [(1, (), 1)] * 20
    strict = learn_meanings(examples, [Meaning(), Meaning()], min_support=8)
    assert strict[0].program is None and str(strict[1].program) == "1"
    lenient = learn_meanings(examples, [Meaning(), Meaning()])
    assert str(lenient[0].program) == "1"
