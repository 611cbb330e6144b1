"""PCFG SET (Hupkes et al., 2020): string-manipulation functions written in Polish notation.

An input is a composition of functions applied to strings of letters, e.g.
`append swap_first_last A1 B1 C1 , repeat D1 E1` -> `C1 B1 A1 D1 E1 D1 E1`. Binary functions
separate their two arguments with `,`. The function definitions follow the published task
definitions (pcfg-set, tasks/default.py).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from ratchet.nesy.data.example import Example, Split

Letters = tuple[str, ...]

UNARY: dict[str, Callable[[Letters], Letters]] = {
    "copy": lambda x: x,
    "reverse": lambda x: x[::-1],
    "shift": lambda x: x[1:] + x[:1],
    "echo": lambda x: x + x[-1:],
    "swap_first_last": lambda x: x[-1:] + x[1:-1] + x[:1],
    "repeat": lambda x: x + x,
}
BINARY: dict[str, Callable[[Letters, Letters], Letters]] = {
    "append": lambda x, y: x + y,
    "prepend": lambda x, y: y + x,
    "remove_first": lambda x, y: y,
    "remove_second": lambda x, y: x,
}
ALPHABET = tuple(f"{c}{i}" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for i in range(1, 21))
SPLITS = ("systematicity", "productivity")
# Systematicity: these (outer, inner) pairs — `inner` applied directly inside `outer` — never
# occur in training and occur at least once in every test input.
HELD_OUT_PAIRS = (
    ("swap_first_last", "repeat"),
    ("reverse", "echo"),
    ("append", "shift"),
    ("remove_second", "copy"),
)


@dataclass(frozen=True)
class Term:
    """A PCFG SET expression: a function applied to arguments, or a leaf string."""

    function: str | None
    args: tuple["Term", ...] = ()
    letters: Letters = ()

    def evaluate(self) -> Letters:
        if self.function is None:
            return self.letters
        values = [a.evaluate() for a in self.args]
        table = UNARY if self.function in UNARY else BINARY
        return table[self.function](*values)

    def tokens(self) -> tuple[str, ...]:
        if self.function is None:
            return self.letters
        if self.function in UNARY:
            return (self.function, *self.args[0].tokens())
        return (self.function, *self.args[0].tokens(), ",", *self.args[1].tokens())

    def pairs(self) -> set[tuple[str, str]]:
        found: set[tuple[str, str]] = set()
        for arg in self.args:
            if arg.function is not None:
                found.add((self.function or "", arg.function))
            found |= arg.pairs()
        return found


def random_term(rng: random.Random, n_functions: int, alphabet: Letters = ALPHABET) -> Term:
    """A random expression with exactly `n_functions` function applications."""
    if n_functions == 0:
        length = rng.randint(2, 5)
        return Term(None, letters=tuple(rng.choice(alphabet) for _ in range(length)))
    name = rng.choice(list(UNARY) + list(BINARY))
    if name in UNARY:
        return Term(name, (random_term(rng, n_functions - 1, alphabet),))
    left = rng.randint(0, n_functions - 1)
    return Term(
        name,
        (random_term(rng, left, alphabet), random_term(rng, n_functions - 1 - left, alphabet)),
    )


def _sample(
    rng: random.Random,
    count: int,
    n_functions: tuple[int, int],
    accept: Callable[[Term], bool],
    seen: set[tuple[str, ...]],
    max_output: int = 40,
) -> list[Example]:
    out: list[Example] = []
    while len(out) < count:
        term = random_term(rng, rng.randint(*n_functions))
        tokens = term.tokens()
        if tokens in seen or not accept(term):
            continue
        target = term.evaluate()
        if len(target) > max_output:
            continue
        seen.add(tokens)
        out.append(Example(tokens, target))
    return out


def pcfg_split(name: str, seed: int = 0, n_train: int = 4000, n_test: int = 1000, n_dev: int = 500) -> Split:
    """Systematicity (held-out function pairs) or productivity (more functions at test). The dev
    set is drawn as test is, after it (so train and test are those drawn without it)."""
    rng = random.Random(seed)
    seen: set[tuple[str, ...]] = set()
    held = set(HELD_OUT_PAIRS)
    if name == "systematicity":
        train = _sample(rng, n_train, (1, 4), lambda t: not (t.pairs() & held), seen)
        like_test: tuple = ((2, 4), lambda t: bool(t.pairs() & held))
    elif name == "productivity":
        train = _sample(rng, n_train, (1, 3), lambda t: True, seen)
        like_test = ((4, 6), lambda t: True)
    else:
        raise ValueError(name)
    test = _sample(rng, n_test, *like_test, seen)
    dev = _sample(rng, n_dev, *like_test, seen)
    return Split("pcfg", name, tuple(train), tuple(test), tuple(dev))
