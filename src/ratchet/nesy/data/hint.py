"""HINT-style arithmetic (Li et al., 2021): expressions over single digits with + − × ÷ and
parentheses, evaluated to an integer. ÷ is ceiling division, as in HINT. Every intermediate value
is a non-negative integer no larger than the split's bound.

The image version draws each digit from scikit-learn's bundled 8×8 handwritten digits (train and
test use disjoint halves of the images) and renders operators and parentheses as jittered 8×8
glyphs, so a perception model must really be learned. As in HINT, whose training set shows the
same short expression many times in different handwriting, its training set also holds many
single-digit expressions, each with a fresh image (the label is still only the result).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ratchet.nesy.data.example import Example, Split

OPERATORS = {"+": 1, "−": 1, "×": 2, "÷": 2}  # symbol -> precedence
SPLITS = ("iid", "length", "numbers")
SMALL, LARGE = 100, 1000


def apply_operator(op: str, a: int, b: int) -> int:
    if op == "+":
        return a + b
    if op == "−":
        return a - b
    if op == "×":
        return a * b
    if b == 0:
        raise ZeroDivisionError
    return math.ceil(a / b)


@dataclass(frozen=True)
class Expr:
    """A binary expression tree: a digit leaf, or an operator with two operands."""

    op: str | None
    digit: int = 0
    left: "Expr | None" = None
    right: "Expr | None" = None

    def values(self) -> list[int]:
        """Every intermediate value, the root's last; raises ZeroDivisionError."""
        if self.op is None:
            return [self.digit]
        left, right = self.left.values(), self.right.values()  # type: ignore[union-attr]
        return left + right + [apply_operator(self.op, left[-1], right[-1])]

    def tokens(self) -> tuple[str, ...]:
        if self.op is None:
            return (str(self.digit),)
        return self._wrap(self.left, False) + (self.op,) + self._wrap(self.right, True)

    def _wrap(self, child: "Expr | None", is_right: bool) -> tuple[str, ...]:
        assert child is not None
        inner = child.tokens()
        if child.op is None:
            return inner
        mine, theirs = OPERATORS[self.op or "+"], OPERATORS[child.op]
        if theirs < mine or (is_right and theirs == mine):
            return ("(", *inner, ")")
        return inner


def random_expr(rng: random.Random, n_ops: int) -> Expr:
    if n_ops == 0:
        return Expr(None, digit=rng.randint(0, 9))
    left = rng.randint(0, n_ops - 1)
    return Expr(
        rng.choice(list(OPERATORS)),
        left=random_expr(rng, left),
        right=random_expr(rng, n_ops - 1 - left),
    )


def _sample(
    rng: random.Random,
    count: int,
    n_ops: tuple[int, int],
    accept: Callable[[list[int]], bool],
    seen: set[tuple[str, ...]],
) -> list[Example]:
    out: list[Example] = []
    attempts = 0
    while len(out) < count and attempts < 200 * count:
        attempts += 1
        expr = random_expr(rng, rng.randint(*n_ops))
        tokens = expr.tokens()
        if tokens in seen:
            continue
        try:
            values = expr.values()
        except ZeroDivisionError:
            continue
        if min(values) < 0 or not accept(values):
            continue
        seen.add(tokens)
        out.append(Example(tokens, values[-1]))
    return out


def hint_split(name: str, seed: int = 0, n_train: int = 3000, n_test: int = 600, n_dev: int = 300) -> Split:
    """iid (same distribution), length (more operators at test), numbers (larger results). The
    dev set is drawn as test is, after it (so train and test are those drawn without it)."""
    rng = random.Random(seed)
    seen: set[tuple[str, ...]] = set()
    small = lambda vs: max(vs) <= SMALL  # noqa: E731
    large = lambda vs: vs[-1] > SMALL and max(vs) <= LARGE  # noqa: E731
    if name == "iid":
        pool = _sample(rng, n_train + n_test, (0, 3), small, seen)
        train, test = pool[:n_train], pool[n_train:]
        like_test: tuple = ((0, 3), small)
    elif name == "length":
        train = _sample(rng, n_train, (0, 3), small, seen)
        like_test = ((4, 6), small)
        test = _sample(rng, n_test, *like_test, seen)
    elif name == "numbers":
        train = _sample(rng, n_train, (0, 3), small, seen)
        like_test = ((1, 3), large)
        test = _sample(rng, n_test, *like_test, seen)
    else:
        raise ValueError(name)
    dev = _sample(rng, n_dev, *like_test, seen)
    return Split("hint", name, tuple(train), tuple(test), tuple(dev))


# ---- image version -------------------------------------------------------------------------

_GLYPHS = {
    "+": ["...##...", "...##...", "...##...", "########", "########", "...##...", "...##...", "...##..."],
    "−": ["........", "........", "........", "########", "########", "........", "........", "........"],
    "×": ["##....##", ".##..##.", "..####..", "...##...", "..####..", ".##..##.", "##....##", "........"],
    "÷": ["...##...", "...##...", "........", "########", "########", "........", "...##...", "...##..."],
    "(": ["....##..", "...##...", "..##....", "..##....", "..##....", "..##....", "...##...", "....##.."],
    ")": ["..##....", "...##...", "....##..", "....##..", "....##..", "....##..", "...##...", "..##...."],
}


def render_glyph(symbol: str, rng: random.Random) -> np.ndarray:
    """An 8×8 image of an operator or parenthesis in the digits' 0–16 range, shifted by up to one
    pixel and with a little noise so no two copies are identical."""
    base = np.array([[16.0 if c == "#" else 0.0 for c in row] for row in _GLYPHS[symbol]])
    shifted = np.roll(base, (rng.randint(-1, 1), rng.randint(-1, 1)), axis=(0, 1))
    noise = np.array([[rng.uniform(0, 3) for _ in range(8)] for _ in range(8)])
    return np.clip(shifted * rng.uniform(0.7, 1.0) + noise, 0, 16).astype(np.float32)


def digit_pools(seed: int) -> tuple[dict[int, list[np.ndarray]], dict[int, list[np.ndarray]]]:
    """sklearn's 1,797 digit images by class, split into disjoint train and test halves."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    order = list(range(len(digits.target)))
    random.Random(seed).shuffle(order)
    train: dict[int, list[np.ndarray]] = {d: [] for d in range(10)}
    test: dict[int, list[np.ndarray]] = {d: [] for d in range(10)}
    for rank, i in enumerate(order):
        pool = train if rank % 2 == 0 else test
        pool[int(digits.target[i])].append(digits.images[i].astype(np.float32))
    return train, test


def attach_images(examples: tuple[Example, ...], pool: dict[int, list[np.ndarray]], rng: random.Random) -> tuple[Example, ...]:
    out = []
    for ex in examples:
        images = tuple(
            rng.choice(pool[int(t)]) if t.isdigit() else render_glyph(t, rng) for t in ex.tokens
        )
        out.append(replace(ex, images=images))
    return tuple(out)


DIGIT_DRAWS = 500  # extra single-digit training examples in the image version


def hint_image_split(
    name: str, seed: int = 0, n_train: int = 3000, n_test: int = 600, digit_draws: int = DIGIT_DRAWS
) -> Split:
    """The symbolic split with every token replaced by an image (digits from disjoint pools).

    The symbolic split draws each expression once, so its training set holds only ten
    single-digit expressions: the first curriculum stage would ground one image per digit. The
    image version adds `digit_draws` single-digit expressions (uniform over the training set's
    single-digit expressions), each drawn in a fresh training image, as HINT's training set shows
    short expressions many times in different handwriting. The test set is unchanged; dev's images
    are drawn from the training half (see `Split.dev`)."""
    symbolic = hint_split(name, seed, n_train, n_test)
    train_pool, test_pool = digit_pools(seed)
    rng = random.Random(seed + 1)
    single = [ex for ex in symbolic.train if len(ex.tokens) == 1]
    repeats = tuple(rng.choice(single) for _ in range(digit_draws if single else 0))
    train = attach_images(symbolic.train, train_pool, rng) + attach_images(repeats, train_pool, rng)
    test = attach_images(symbolic.test, test_pool, rng)
    # Dev's digits come from the training half of the images: the test half stays unseen until
    # test is read; dev measures new expressions, in handwriting training may have shown.
    return Split("hint_image", name, train, test, attach_images(symbolic.dev, train_pool, rng))
