"""Abduction on hand-built trees: the cheapest revision that makes the root yield the label."""

from __future__ import annotations

from ratchet.nesy.abduction import abduce
from ratchet.nesy.dsl import EMPTY, parse_program
from ratchet.nesy.gss import Executor, Meaning, execute

SCAN = ["walk", "jump", "left", "twice", "turn"]
W, J, L = "I_WALK", "I_JUMP", "I_TURN_LEFT"


def meanings(**programs: tuple[str, float]) -> tuple[Meaning, ...]:
    return tuple(
        Meaning(parse_program(programs[s][0]), programs[s][1]) if s in programs else Meaning() for s in SCAN
    )


def sym(*words: str) -> tuple[int, ...]:
    return tuple(SCAN.index(w) for w in words)


def test_correct_tree_needs_no_revision() -> None:
    ex = Executor(meanings(walk=("[I_WALK]", 1.0), twice=("λx1. concat(x1, x1)", 1.0)))
    rev = abduce(sym("walk", "twice"), (1, -1), (W, W), ex)
    assert rev is not None and rev.cost == 0 and rev.kind == "none"


def test_symbol_without_program_gets_the_label_as_its_value() -> None:
    ex = Executor(meanings(walk=("[I_WALK]", 1.0)))
    rev = abduce(sym("walk", "twice"), (1, -1), (W, W), ex)
    assert rev is not None and rev.kind == "value" and rev.node == 1
    assert rev.tree.examples() == [(0, (), (W,)), (3, ((W,),), (W, W))]


def test_target_is_pushed_down_through_the_inverse_program() -> None:
    # twice(left(jump)) with jump unknown: twice⁻¹ then left⁻¹ give jump the value [I_JUMP].
    ex = Executor(meanings(left=("λx1. concat([I_TURN_LEFT], x1)", 1.0), twice=("λx1. concat(x1, x1)", 1.0)))
    rev = abduce(sym("jump", "left", "twice"), (1, 2, -1), (L, J, L, J), ex)
    assert rev is not None and rev.node == 0 and rev.kind == "value"
    assert rev.tree.values == ((J,), (L, J), (L, J, L, J))
    assert rev.cost < 1.5  # one cheap overwrite at the leaf (plus its one invented token)


def test_confident_programs_are_dear_to_overwrite() -> None:
    # The root's program is confident but wrong for this label; the revision goes to the leaf.
    ex = Executor(meanings(walk=("[I_JUMP]", 0.2), twice=("λx1. concat(x1, x1)", 1.0)))
    rev = abduce(sym("walk", "twice"), (1, -1), (W, W), ex)
    assert rev is not None and rev.node == 0 and rev.tree.values[0] == (W,)


def test_inverse_reaches_an_empty_list() -> None:
    ex = Executor(meanings(left=("λx1. concat([I_TURN_LEFT], x1)", 1.0)))
    rev = abduce(sym("turn", "left"), (1, -1), (L,), ex)
    assert rev is not None and rev.tree.values[0] == ()


def test_perception_revision_swaps_a_symbol() -> None:
    # "3 + 4" perceived as "3 + 1": the cheapest fix relabels the last digit.
    digits = [Meaning(parse_program(str(d)), 1.0) for d in range(10)]
    plus = Meaning(parse_program("λx1 x2. add(x1, x2)"), 1.0)
    ex = Executor((*digits, plus))
    options = {2: [(1, 0.0), (4, 0.5), (7, 2.0)]}
    rev = abduce((3, 10, 1), (1, -1, 1), 7, ex, alternatives=lambda node: options.get(node, []))
    assert rev is not None and rev.kind == "symbol" and rev.tree.symbols == (3, 10, 4)


def test_perception_revision_can_swap_to_a_symbol_without_a_program() -> None:
    # A 5 clustered with the 3s: no symbol means 5 yet, and overwriting the confident 3 is dear,
    # so the image moves to a plausible symbol with no program, which takes 5 as its value.
    three, spare = Meaning(parse_program("3"), 0.9), Meaning()
    ex = Executor((three, spare))
    rev = abduce((0,), (-1,), 5, ex, alternatives=lambda node: [(0, 0.0), (1, 2.0)])
    assert rev is not None and rev.kind == "symbol" and rev.tree.symbols == (1,)
    assert rev.tree.examples() == [(1, (), 5)] and rev.cost < 1 + 10 * 0.9
    # an implausible spare symbol (dear swap) loses to overwriting the 3's value
    rev = abduce((0,), (-1,), 5, ex, alternatives=lambda node: [(0, 0.0), (1, 12.0)])
    assert rev is not None and rev.kind == "value" and rev.tree.symbols == (0,)


def test_a_leaf_can_be_abduced_to_contribute_nothing() -> None:
    # "3 + ( 4" with "(" not understood yet: + yields 7 once "(" contributes nothing (EMPTY).
    digits = [Meaning(parse_program(str(d)), 1.0) for d in range(10)]
    plus = Meaning(parse_program("λx1 x2. add(x1, x2)"), 1.0)
    ex = Executor((*digits, plus, Meaning()))
    assert execute((3, 10, 11, 4), (1, -1, 1, 1), ex).values[1] is not EMPTY  # fails as is
    rev = abduce((3, 10, 11, 4), (1, -1, 1, 1), 7, ex)
    assert rev is not None and rev.node == 2 and rev.tree.values == (3, 7, EMPTY, 4)
    assert (11, (), EMPTY) in rev.tree.examples()


def test_unknown_leaves_contribute_nothing_together() -> None:
    # "( 3 + 4 ) × 2" with neither parenthesis understood: one EMPTY at a time leaves the other
    # blocking +, so both become EMPTY in one revision, the target pushed through × first.
    digits = [Meaning(parse_program(str(d)), 1.0) for d in range(10)]
    plus, times = (Meaning(parse_program(f"λx1 x2. {op}(x1, x2)"), 1.0) for op in ("add", "mul"))
    ex = Executor((*digits, plus, times, Meaning(), Meaning()))
    symbols, heads = (12, 3, 10, 4, 13, 11, 2), (2, 2, 5, 2, 2, -1, 5)
    rev = abduce(symbols, heads, 14, ex)
    assert rev is not None and rev.cost < 1.5
    assert rev.tree.values == (EMPTY, 3, 7, 4, EMPTY, 14, 2)
    assert {(12, (), EMPTY), (13, (), EMPTY), (10, (3, 4), 7)} <= set(rev.tree.examples())


def test_an_overwritten_node_takes_its_unknown_leaves_as_contributing_nothing() -> None:
    # "( 9 − 2 ) ÷ 7" parsed with ")" heading "(" and "−": ")" has no program, so its value is
    # overwritten (7, a child's value: nothing invented), and "(" then contributes nothing, which
    # gives both parentheses examples to learn from.
    digits = [Meaning(parse_program(str(d)), 1.0) for d in range(10)]
    minus, div = (Meaning(parse_program(f"λx1 x2. {op}(x1, x2)"), 1.0) for op in ("sub", "cdiv"))
    ex = Executor((*digits, minus, div, Meaning(), Meaning()))
    symbols, heads = (12, 9, 10, 2, 13, 11, 7), (4, 2, 4, 2, 5, -1, 5)
    rev = abduce(symbols, heads, 1, ex)
    assert rev is not None and rev.kind == "value" and rev.node == 4 and rev.cost < 1.01
    assert rev.tree.values == (EMPTY, 9, 7, 2, 7, 1, 7)
    assert {(12, (), EMPTY), (13, (7,), 7)} <= set(rev.tree.examples())
