"""The transition system reaches non-projective trees; tree enumeration is complete."""

from __future__ import annotations

from ratchet.nesy.parser import all_trees, initial, oracle, step


def test_oracle_builds_non_projective_trees() -> None:
    # walk opposite left -> opposite(left(walk)): the arc left→walk crosses `opposite`.
    for heads in [(2, -1, 1), (1, -1, 1), (-1, 0, 0, 2), (3, 3, -1, 2, 2)]:
        state = initial(len(heads))
        for st, action in oracle(heads):
            assert st == state
            state = step(state, action)
        assert state.final and state.tree() == heads


def test_every_tree_is_enumerated_and_reachable() -> None:
    for n in (1, 2, 3, 4):
        trees = all_trees(n)
        assert len(trees) == n ** (n - 1) == len(set(trees))
    for heads in all_trees(4):
        state = initial(4)
        for _, action in oracle(heads):
            state = step(state, action)
        assert state.tree() == heads
